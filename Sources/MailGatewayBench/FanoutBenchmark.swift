public import Foundation
import GRDB
public import Logging
import MailGateway
import ServiceLifecycle

/// The fan-out benchmark (issue 3 §6), as a library entry point for a hidden `mailgateway bench fanout`
/// command: one post composed for a list (once per reader language: fr, en, es in turn), enqueued for `copies` recipients (one VERP copy each) in one
/// transaction, then delivered by `OutboxSender` with `connections` workers to an SMTP server
/// (smtp-sink in bench/fanout.sh). Not a test: it measures and reports.
public enum FanoutBenchmark {
    /// What to run.
    public struct Parameters: Sendable {
        public var host: String
        public var port: Int
        public var copies: Int
        public var connections: Int
        /// Copies claimed per transaction by each worker.
        public var claimBatch: Int
        /// Folder for the temporary SQLite outbox (deleted afterwards).
        public var workDirectory: URL
        /// `PRAGMA synchronous = NORMAL` (WAL: commits survive a process crash, not a power loss) instead of
        /// SQLite's default FULL (an fsync per commit).
        public var synchronousNormal: Bool
        /// The footers' `templates` folder (`<lang>/footer.txt.mustache`); nil or unreadable: a one-line footer
        /// per language.
        public var templatesDirectory: String?

        public init(host: String = "127.0.0.1", port: Int, copies: Int = 10_000, connections: Int = 4,
                    claimBatch: Int = 16, workDirectory: URL = FileManager.default.temporaryDirectory,
                    synchronousNormal: Bool = false, templatesDirectory: String? = "templates") {
            self.synchronousNormal = synchronousNormal
            self.templatesDirectory = templatesDirectory
            self.host = host
            self.port = port
            self.copies = copies
            self.connections = connections
            self.claimBatch = claimBatch
            self.workDirectory = workDirectory
        }
    }

    /// The figures.
    public struct Report: Sendable, Codable {
        public var copies: Int
        public var connections: Int
        /// Bytes of one composed copy.
        public var messageBytes: Int
        /// Composing and enqueuing every copy (one transaction).
        public var enqueueSeconds: Double
        /// From starting the sender until the last copy is marked sent.
        public var sendSeconds: Double
        public var sent: Int
        public var failed: Int
        /// Bodies composed (one per reader language and delivery mode) and stored in the outbox.
        public var bodiesComposed: Int
        public var bodiesStored: Int
        /// Copies per second over `sendSeconds`.
        public var rate: Double { sendSeconds > 0 ? Double(sent) / sendSeconds : 0 }
    }

    /// Runs the benchmark. Throws database errors; delivery failures are counted in the report.
    public static func run(_ parameters: Parameters, logger: Logger) async throws -> Report {
        let folder = parameters.workDirectory.appendingPathComponent("mailgateway-fanout-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = Configuration()
        if parameters.synchronousNormal {
            configuration.prepareDatabase { db in try GatewayStore.setSynchronousNormal(db) }
        }
        let pool = try DatabasePool(path: folder.appendingPathComponent("outbox.sqlite").path, configuration: configuration)
        try StoreMigrations.migrator.migrate(pool)

        let list = ListIdentity(id: "bench", name: "Benchmark", address: "bench@lists.example.org", language: .en,
                                subjectPrefix: "[Bench]", fromRewrite: .never, webBaseURL: "https://lists.example.org",
                                names: LocalizedName(fr: "Banc d'essai", en: "Benchmark", es: "Banco de pruebas"))
        let raw = Array("""
            From: Alice Martin <alice@partner.example>\r
            To: bench@lists.example.org\r
            Subject: Soil carbon measurement protocol\r
            Message-ID: <bench-post@partner.example>\r
            Date: Wed, 25 Nov 2026 10:00:00 +0000\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \(String(repeating: "A line of a typical post about soil organic carbon and farming practice.\r\n", count: 20))
            """.utf8)
        // The copies belong to an archived message (outbox.message_id is a foreign key to messages), archived
        // before the clock starts: the benchmark times composing, enqueuing and delivering, as before.
        let parsed = try MessageParser.parse(raw)
        let messageRowID = try await pool.write { db -> Int64 in
            guard case .inserted(let messageRowID, _) = try ArchiveWriter.archive(
                db, list: list.id, raw: raw, parsed: parsed, fallbackDate: nil, source: .import) else {
                throw ArchiveError("the benchmark post is already archived")
            }
            return messageRowID
        }
        let footers = try footers(parameters.templatesDirectory)
        let started = ContinuousClock.now
        // Members read in French, English and Spanish in turn: each copy's footer is in its reader's language
        // (`ReaderComposer`: one body per language, not per member).
        var composer = ReaderComposer(list: list, footers: footers, raw: raw, subject: "Soil carbon measurement protocol",
                                      author: MailAddress(name: "Alice Martin", address: "alice@partner.example"))
        let languages: [Language] = [.fr, .en, .es]
        let copies = (0..<parameters.copies).map {
            composer.post(for: FooterReader(language: languages[$0 % languages.count]))
                .copy(for: "member\($0)@partner\($0 % 50).example")
        }
        _ = try await pool.write { db in
            try Outbox.enqueue(db, listID: list.id, messageID: messageRowID, copies: copies)
        }
        let enqueued = ContinuousClock.now
        let bodiesStored = try await pool.read { try OutboxBodyRecord.fetchCount($0) }

        let smtp = SMTPSettings(server: ServerConfig(host: parameters.host, port: parameters.port, tls: .none),
                                ehloName: "gateway.bench.example")
        let sender = OutboxSender(database: pool, configuration: OutboxSenderConfiguration(
            smtp: smtp, workers: parameters.connections, claimBatch: parameters.claimBatch,
            pollInterval: .milliseconds(20), retry: RetryPolicy(base: 1, cap: 5, period: 600)), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [sender], logger: logger))
        let sendStart = ContinuousClock.now
        let task = Task { try await group.run() }
        // Cheap completion check (EXISTS stops at the first unfinished row, through the status index), so the
        // measuring loop does not compete with the workers for the two cores.
        while try await pool.read({ db in
            try Outbox.hasUnfinished(db)
        }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let sendEnd = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await task.value
        let counts = try await pool.read { try Outbox.counts($0) }
        return Report(copies: parameters.copies, connections: parameters.connections,
                      messageBytes: copies.first?.bytes.count ?? 0,
                      enqueueSeconds: seconds(enqueued - started), sendSeconds: seconds(sendEnd - sendStart),
                      sent: counts[.sent] ?? 0, failed: counts[.failed] ?? 0,
                      bodiesComposed: composer.composedCount, bodiesStored: bodiesStored)
    }

    /// The footer of each language from `directory`, else a one-line stand-in.
    private static func footers(_ directory: String?) throws -> [Language: FooterTemplate] {
        if let directory, let loaded = try? PostDistributor.loadFooters(templatesDirectory: directory) { return loaded }
        var footers: [Language: FooterTemplate] = [:]
        for language in Language.allCases {
            footers[language] = try FooterTemplate(text: "Benchmark list footer ({{list_name}}, \(language.rawValue))")
        }
        return footers
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
