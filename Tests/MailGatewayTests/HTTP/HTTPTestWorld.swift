import Foundation
import Logging
@testable import MailGateway
import MailGatewayHTTP
import ServiceLifecycle
import Synchronization
import TestSupport

/// A gateway with the HTTP listener running on a free loopback port (the real Hummingbird server, in a
/// `ServiceGroup` as the daemon runs it), two lists and their members; requests go through curl.
final class HTTPTestWorld: Sendable {
    let gateway: Gateway
    let directory: MemberDirectory
    let dir: URL
    let port: Int
    let lists: [ListConfig]
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Lists `<prefix>-a` (French) and `<prefix>-b` (English), with a unique prefix so that process-wide metrics
    /// can be read per test.
    static func start(prefix: String = "http", publicBaseURL: String? = "https://lists.example.org/gw") async throws -> HTTPTestWorld {
        let unique = "\(prefix)-\(UUID().uuidString.prefix(6).lowercased())"
        let a = IngestTestGateway.list("\(unique)-a", .interface, nil, nonMember: .reject)
        var b = IngestTestGateway.list("\(unique)-b", .interface, nil, nonMember: .reject)
        b.language = .en
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mailgw-http-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var config = GatewayConfig(
            platformName: "Initiative 4 pour 1000", database: dir.appendingPathComponent("a.sqlite").path,
            imap: ServerConfig(host: "127.0.0.1", port: 1, tls: .none), smtp: ServerConfig(host: "127.0.0.1", port: 1, tls: .none),
            templatesDirectory: Corpora.repositoryRoot.appendingPathComponent("templates").path, lists: [a, b])
        config.http = HTTPSettings(host: "127.0.0.1", port: 0, publicBaseURL: publicBaseURL)
        let gateway = try Gateway(config: config, environment: ["MAILGATEWAY_MODERATION_KEY": String(repeating: "k", count: 40)])
        let bound = Mutex<Int?>(nil)
        let logger = IngestTestGateway.quietLogger("http-test")
        let app = try GatewayHTTPServer.application(gateway: gateway, settings: config.http!, logger: logger,
                                                    onRunning: { port in bound.withLock { $0 = port } })
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var port: Int?
        for _ in 0..<6000 {  // up to 60 s on a loaded machine
            port = bound.withLock { $0 }
            if port != nil { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let port, port > 0 else {
            await group.triggerGracefulShutdown()
            throw HTTPTestError(message: "the http listener did not start")
        }
        return HTTPTestWorld(gateway: gateway, dir: dir, port: port, lists: [a, b], group: group, task: task)
    }

    private init(gateway: Gateway, dir: URL, port: Int, lists: [ListConfig], group: ServiceGroup,
                 task: Task<Void, any Error>) {
        self.gateway = gateway
        self.directory = MemberDirectory(writer: gateway.database.pool, lists: lists)
        self.dir = dir
        self.port = port
        self.lists = lists
        self.group = group
        self.task = task
    }

    /// Stops the listener gracefully and removes the files.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
        try? FileManager.default.removeItem(at: dir)
    }

    var a: ListConfig { lists[0] }
    var b: ListConfig { lists[1] }

    /// Adds a person and makes them a member of `lists` with `delivery`.
    func member(_ address: String, language: Language, lists: [ListConfig], delivery: DeliveryMode = .immediate) throws {
        try directory.addPerson(name: address, address: address, language: language, organisation: nil)
        for list in lists { try directory.addMember(listID: list.id, address: address, delivery: delivery) }
    }

    /// The member's delivery for `list` (nil: not a member).
    func delivery(_ address: String, in list: ListConfig) throws -> DeliveryMode? {
        try directory.members(listID: list.id).first { $0.address == address }?.delivery
    }

    /// The token the gateway's key makes for `address` in `list`.
    func token(_ address: String, list: ListConfig) -> String {
        gateway.unsubscribeKey!.token(list: list.id, address: address)
    }

    /// The path of the one-click link of `address` in `list`.
    func path(_ address: String, _ list: ListConfig) -> String {
        "/lists/\(list.id)/unsubscribe?token=\(token(address, list: list))"
    }

    /// What curl got: the status and the body.
    struct Reply {
        var status: Int
        var body: String
        var headers: String
    }

    /// `curl` to `path` on the listener (extra arguments: method, body...).
    func curl(_ path: String, _ arguments: [String] = []) async throws -> Reply {
        let body = dir.appendingPathComponent("body-\(UUID().uuidString.prefix(8))")
        let headers = dir.appendingPathComponent("headers-\(UUID().uuidString.prefix(8))")
        let outcome = try await ChildProcess.run("/usr/bin/curl", [
            "-sS", "--max-time", "90", "-o", body.path, "-D", headers.path, "-w", "%{http_code}",
        ] + arguments + ["http://127.0.0.1:\(port)\(path)"])
        guard outcome.status == 0, let status = Int(outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HTTPTestError(message: "curl \(path) failed: \(outcome.output)")
        }
        return Reply(status: status, body: (try? String(contentsOf: body, encoding: .utf8)) ?? "",
                     headers: (try? String(contentsOf: headers, encoding: .utf8)) ?? "")
    }

    /// The RFC 8058 POST, as a mail provider sends it.
    func oneClick(_ path: String) async throws -> Reply {
        try await curl(path, ["-X", "POST", "-H", "Content-Type: application/x-www-form-urlencoded",
                              "--data-raw", "List-Unsubscribe=One-Click"])
    }
}

struct HTTPTestError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
