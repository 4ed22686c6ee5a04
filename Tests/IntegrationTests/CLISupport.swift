import Foundation
import MailGateway
import TestSupport

/// Runs the built `mailgateway` executable against a configuration in a fresh temp folder (3 lists: the research
/// college, which holds mail from non-members; an interface; the funders).
struct CLIHarness {
    /// A 40-character moderation secret for the tests.
    static let moderationKey = "test-moderation-secret-0123456789abcdefgh"

    /// The result of one run.
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let folder: URL
    let configPath: String

    /// The built executable (one locator for every test that runs it).
    static var executable: URL { URL(fileURLWithPath: GatewayHarness.executable) }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mg-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let templates = Corpora.repositoryRoot.appendingPathComponent("templates").path
        let config: [String: Any] = [
            "database": folder.appendingPathComponent("gateway.sqlite").path,
            "templates_directory": templates,
            "secretariat": ["secretariat@lists.example.org"],
            "imap": ["host": "127.0.0.1", "port": 10143, "tls": "none"],
            "smtp": ["host": "127.0.0.1", "port": 10025, "tls": "none"],
            "lists": [
                Self.list("college-research", kind: "college", college: "research", nonMember: "hold"),
                Self.list("interface-policies", kind: "interface", college: nil, nonMember: "reject"),
                Self.list("funders", kind: "funders", college: nil, nonMember: "reject"),
            ],
        ]
        configPath = folder.appendingPathComponent("config.json").path
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: configPath))
    }

    private static func list(_ id: String, kind: String, college: String?, nonMember: String) -> [String: Any] {
        var list: [String: Any] = [
            "id": id, "kind": kind, "name": ["fr": id, "en": id, "es": id],
            "address": "\(id)@lists.example.org", "language": "fr", "non_member_action": nonMember,
            "mailbox": ["user": id],
        ]
        if let college { list["college"] = college }
        return list
    }

    /// Writes a file in the temp folder and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Runs `mailgateway ARGS --config CONFIG`, with the moderation key in its environment unless `withKey` is false.
    func run(_ arguments: [String], withKey: Bool = true) async throws -> Run {
        // On a thread of its own: waiting for the child must not hold a thread of the cooperative pool.
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try self.runBlocking(arguments, withKey: withKey) }) }.start()
        }
    }

    private func runBlocking(_ arguments: [String], withKey: Bool) throws -> Run {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments + ["--config", configPath]
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("MAILGATEWAY_") { environment.removeValue(forKey: key) }
        if withKey { environment["MAILGATEWAY_MODERATION_KEY"] = Self.moderationKey }
        process.environment = environment
        let out = folder.appendingPathComponent("stdout-\(UUID().uuidString)")
        let err = folder.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: out)
        let errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Run(status: process.terminationStatus,
                   stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                   stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// Runs a `--json` command that must succeed and decodes its output.
    func json<T: Decodable>(_ type: T.Type, _ arguments: [String]) async throws -> T {
        let run = try await run(arguments + ["--json"])
        guard run.status == 0 else {
            throw CLIFailure(arguments: arguments, run: run)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(run.stdout.utf8))
    }

    /// The gateway on the same configuration, opened in the test process (to create held messages).
    func gateway() throws -> Gateway {
        let environment = ["MAILGATEWAY_MODERATION_KEY": Self.moderationKey]
        let config = try ConfigLoader(environment: environment).load(path: configPath, checkSecrets: false)
        return try Gateway(config: config, environment: environment)
    }

    /// Removes the temp folder.
    func cleanUp() {
        try? FileManager.default.removeItem(at: folder)
    }
}

/// A command that should have succeeded.
struct CLIFailure: Error, CustomStringConvertible {
    var arguments: [String]
    var run: CLIHarness.Run
    var description: String { "mailgateway \(arguments.joined(separator: " ")) exited \(run.status): \(run.stderr)" }
}

/// The shapes the tests read back from `--json` output.
struct PartnerListing: Decodable {
    struct OrganisationRow: Decodable {
        var name: String
        var country: String
        var college: String
        var isFunder: Bool
        var people: Int
    }
    struct PersonRow: Decodable {
        var name: String
        var addresses: [String]
    }
    var organisations: [OrganisationRow]
    var individuals: [PersonRow]
}

struct MemberRow: Decodable {
    var personName: String
    var address: String
    var role: String
    var delivery: String
    var origin: String
}

struct HoldRow: Decodable {
    struct HoldValue: Decodable {
        var id: Int64
        var listID: String
        var reason: String
        var status: String
    }
    var hold: HoldValue
    var sender: String?
    var subject: String?
}

struct OutboxRow: Decodable {
    var id: Int64
    var listID: String
    var recipient: String
    var status: String
    var attempts: Int
}
