import Foundation
import GRDB
import Logging
@testable import MailGateway
import TestSupport

/// A real SQLite database (WAL pool) in a temporary folder with the store's migrations.
struct OutboxFixture {
    let folder: URL
    let pool: DatabasePool

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mailgateway-outbox-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        pool = try DatabasePool(path: folder.appendingPathComponent("outbox.sqlite").path)
        try StoreMigrations.migrator.migrate(pool)
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    static let list = ListIdentity(id: "college-research", name: "Recherche", address: "recherche@lists.example.org",
                                   language: .en, subjectPrefix: "[Recherche]", fromRewrite: .never, webBaseURL: nil)

    static func raw(_ n: Int = 1) -> [UInt8] {
        Array("""
            From: Alice <alice@partner.example>
            To: recherche@lists.example.org
            Subject: Post \(n)
            Message-ID: <post\(n)@partner.example>
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            Hello members, post number \(n).

            """.utf8)
    }

    static func recipients(_ count: Int, tag: String = "m") -> [String] {
        (0..<count).map { "\(tag)\($0)@member\($0 % 3).example" }
    }

    /// The copies of post `n` for `recipients`, composed as in production.
    static func copies(post n: Int = 1, to recipients: [String]) -> [OutgoingCopy] {
        let composed = OutgoingComposer(list: list, footer: "List Recherche footer")
            .compose(raw: raw(n), subject: "Post \(n)", author: MailAddress(name: "Alice", address: "alice@partner.example"))
        return recipients.map { composed.copy(for: $0) }
    }

    /// The archive row of post `n` of `list`, archived on first use: a copy belongs to an archived message
    /// (`outbox.message_id` is a foreign key to `messages`, `outbox.list_id` to `lists`).
    func messageRow(post n: Int = 1, list: String = Self.list.id) throws -> Int64 {
        let raw = Self.raw(n)
        let parsed = try MessageParser.parse(raw)
        return try pool.write { db in
            switch try ArchiveWriter.archive(db, list: list, raw: raw, parsed: parsed, fallbackDate: nil, source: .import) {
            case .inserted(let row, _): row
            case .duplicate(let row): row
            }
        }
    }

    /// Enqueues post `n` for `recipients` in one transaction (as the ingest transaction would).
    @discardableResult
    func enqueue(post n: Int = 1, to recipients: [String]) throws -> Int {
        let message = try messageRow(post: n)
        return try pool.write { db in
            try Outbox.enqueue(db, listID: Self.list.id, messageID: message, copies: Self.copies(post: n, to: recipients))
        }
    }

    /// The backoff tests' copy: post 1 of list `l` to one recipient, enqueued at `start`, and their retry policy
    /// and transient refusal.
    func enqueueBackoffCopy(at start: Date) throws {
        let message = try messageRow(post: 1, list: "l")
        _ = try pool.write { try Outbox.enqueue($0, listID: "l", messageID: message, copies: Self.copies(to: ["a@x.example"]), now: start) }
    }

    static let backoffPolicy = RetryPolicy(base: 60, cap: 600, period: 3600)
    static let tryLater = SMTPError(kind: .transient, code: 450, reply: "4.3.0 try later", command: "RCPT")

    func counts() throws -> [OutboxStatus: Int] {
        try pool.read { try Outbox.counts($0) }
    }

    func claim(_ limit: Int) throws -> [OutboxJob] {
        try pool.write { try Outbox.claim($0, limit: limit) }
    }

    /// Claims up to `limit` due copies in memory (``OutboxClaims``), the way a sender with a journal does.
    func claimInMemory(_ limit: Int, claims: OutboxClaims = OutboxClaims()) throws -> [OutboxJob] {
        try pool.write { try Outbox.claim($0, limit: limit, claims: claims) }
    }

    /// A journal of worker `worker` of run `claimer`, beside the fixture's database.
    func journal(worker: Int = 0, claimer: String = "run-a") throws -> OutboxJournal {
        try OutboxJournal(databasePath: pool.path, claimer: claimer, worker: worker)
    }

    func entries() throws -> [OutboxEntry] {
        try pool.read { try Outbox.list($0) }
    }

    /// ``entries()`` by copy id.
    func entriesByID() throws -> [Int64: OutboxEntry] {
        Dictionary(uniqueKeysWithValues: try entries().map { ($0.id, $0) })
    }

    func bounces() throws -> [OutboxEntry] {
        try pool.read { try Outbox.permanentFailures($0) }
    }

    /// Polls `condition` every 50 ms until it holds or `seconds` pass (a generous bound, not a timing
    /// assertion). A throwing condition counts as not yet true.
    func wait(seconds: Double = 60, _ condition: () throws -> Bool) async -> Bool {
        await poll(seconds: seconds, every: .milliseconds(50)) { (try? condition()) == true }
    }
}

extension Logger {
    /// A logger for tests (swift-log's default stderr handler at warning level: quiet unless something is wrong).
    static var test: Logger {
        var logger = Logger(label: "mailgateway.tests")
        logger.logLevel = .warning
        return logger
    }
}
