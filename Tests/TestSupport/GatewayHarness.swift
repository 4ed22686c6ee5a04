public import Foundation
public import MailGateway
import Logging

/// A gateway under test: a private Dovecot holding three list mailboxes (`college-research`,
/// `interface-knowledge`, `funders`), a configuration file written for it in a temporary folder, and helpers to
/// run the built `mailgateway` executable against it as a real process.
public final class GatewayHarness: Sendable {
    public static let lists = ["college-research", "interface-knowledge", "funders"]
    public static let listPassword = "list-Pa55word"
    public static let moderationKey = "integration-test-moderation-key-0123456789abcdef"

    public let dovecot: DovecotServer
    public let directory: URL
    public let configPath: String
    public let databasePath: String
    /// The environment the executable runs with (passwords, key).
    public let environment: [String: String]

    /// Starts Dovecot and writes the configuration.
    /// - Parameters:
    ///   - smtpPort: where outgoing mail goes (nothing listens on port 9 unless a test starts a server there).
    ///   - imapCapabilities: when given, the capabilities Dovecot announces instead of its own (DovecotServer).
    ///   - configure: edits of the JSON configuration before it is written.
    public static func start(smtpPort: Int = 9, imapCapabilities: String? = nil,
                             configure: ([String: Any]) -> [String: Any] = { $0 }) async throws -> GatewayHarness {
        let dovecot = try await DovecotServer.start(users: Dictionary(uniqueKeysWithValues: lists.map { ($0, listPassword) }),
                                                    capabilities: imapCapabilities)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mailgw-gw-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = directory.appendingPathComponent("archive.sqlite").path
        func list(_ id: String, kind: String, college: String?, fr: String, en: String, prefix: String) -> [String: Any] {
            var l: [String: Any] = [
                "id": id, "kind": kind, "name": ["fr": fr, "en": en, "es": en], "address": "\(id)@lists.example.org",
                "language": "fr", "subject_prefix": prefix,
                "mailbox": ["user": id, "password_env": "MG_TEST_IMAP_PASSWORD", "folder": "INBOX"],
            ]
            if let college { l["college"] = college }
            return l
        }
        var json: [String: Any] = [
            "platform_name": "Initiative 4 pour 1000",
            "database": database,
            "poll_interval_seconds": 5,
            "templates_directory": Corpora.repositoryRoot.appendingPathComponent("templates").path,
            "imap": ["host": dovecot.host, "port": dovecot.imapPort, "tls": "none"],
            "smtp": ["host": "127.0.0.1", "port": smtpPort, "tls": "none"],
            "delivery": ["connections": 2, "backoff_seconds": 1, "max_backoff_seconds": 2, "helo_name": "gateway.test"],
            "lists": [
                list("college-research", kind: "college", college: "research", fr: "Instituts de recherche",
                     en: "Research institutes", prefix: "[Recherche]"),
                list("interface-knowledge", kind: "interface", college: nil, fr: "Interface Connaissances",
                     en: "Knowledge interface", prefix: "[Connaissances]"),
                list("funders", kind: "funders", college: nil, fr: "Bailleurs", en: "Funders", prefix: "[Bailleurs]"),
            ],
        ]
        json = configure(json)
        let configPath = directory.appendingPathComponent("config.json").path
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: configPath))
        var environment = ProcessInfo.processInfo.environment
        environment["MG_TEST_IMAP_PASSWORD"] = listPassword
        environment["MAILGATEWAY_MODERATION_KEY"] = moderationKey
        for key in environment.keys where key.hasPrefix("MAILGATEWAY_") && key != "MAILGATEWAY_MODERATION_KEY" {
            environment.removeValue(forKey: key)
        }
        return GatewayHarness(dovecot: dovecot, directory: directory, configPath: configPath, databasePath: database,
                              environment: environment)
    }

    private init(dovecot: DovecotServer, directory: URL, configPath: String, databasePath: String,
                 environment: [String: String]) {
        self.dovecot = dovecot
        self.directory = directory
        self.configPath = configPath
        self.databasePath = databasePath
        self.environment = environment
    }

    /// Stops Dovecot and removes the folders.
    public func stop() {
        dovecot.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The built `mailgateway` executable, the one users run: beside the test bundle when `mailgateway-daemon` is
    /// there too (it execs that one for every command but `archive search`), else in the repository's `.build/debug`.
    public static let executable: String = {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let beside = folder.appendingPathComponent("mailgateway").path
        let daemon = folder.appendingPathComponent("mailgateway-daemon").path
        if FileManager.default.isExecutableFile(atPath: beside), FileManager.default.isExecutableFile(atPath: daemon) {
            return beside
        }
        return Corpora.repositoryRoot.appendingPathComponent(".build/debug/mailgateway").path
    }()

    /// Runs `mailgateway ARGUMENTS --config CONFIG` and waits (on a thread of its own, off the cooperative pool).
    public func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(Self.executable, arguments + ["--config", configPath],
                                          environment: environment.merging(extra) { $1 })
    }

    /// Starts `mailgateway ARGUMENTS --config CONFIG` without waiting (the daemon).
    public func spawn(_ arguments: [String], environment extra: [String: String] = [:]) throws -> RunningChild {
        try ChildProcess.spawn(Self.executable, arguments + ["--config", configPath],
                               environment: environment.merging(extra) { $1 })
    }

    /// An IMAP client logged in to a list's mailbox, INBOX selected.
    public func client(for list: String) async throws -> IMAPClient {
        let client = IMAPClient(server: dovecot.imap(user: list), timeout: .seconds(10),
                                logger: Logger(label: "mailgateway.tests.harness"))
        try await client.connect(password: Self.listPassword)
        _ = try await client.select("INBOX")
        return client
    }

    /// Appends messages to a list's INBOX, as the mail server's delivery would.
    public func append(_ messages: [[UInt8]], to list: String) async throws {
        let client = try await client(for: list)
        for message in messages { try await client.append(message, to: "INBOX") }
        await client.logout()
    }

    /// Opens the archive (while the daemon may be running: WAL allows it).
    public func openDatabase() throws -> GatewayStore {
        try GatewayStore(path: databasePath)
    }
}

/// Small RFC 5322 messages for the integration tests.
public enum TestMail {
    /// A message with CRLF line ends and 8-bit UTF-8 text (so byte-exact checks mean something).
    public static func message(id: String, from: String = "Hélène Dubois <helene@inrae.example>",
                               to: String = "college-research@lists.example.org", subject: String,
                               inReplyTo: String? = nil, references: [String] = [], body: String = "Bonjour à tous,\r\nle carbone des sols.\r\n",
                               extraHeaders: [String] = []) -> [UInt8] {
        var lines = [
            "From: \(from)", "To: \(to)", "Subject: \(subject)", "Message-ID: <\(id)>",
            "Date: Wed, 25 Nov 2026 10:00:00 +0100", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
        ]
        if let inReplyTo { lines.append("In-Reply-To: <\(inReplyTo)>") }
        if !references.isEmpty { lines.append("References: " + references.map { "<\($0)>" }.joined(separator: " ")) }
        lines += extraHeaders
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }
}
