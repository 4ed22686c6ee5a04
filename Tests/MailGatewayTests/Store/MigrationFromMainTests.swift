import Foundation
import GRDB
import Testing
@testable import MailGateway

/// The database that the main of 2026-12-06 wrote (`Tests/Fixtures/main-2026-12-06/archive.sqlite`: the demo, a
/// crash left in `ingest_progress`, a UID in `fetch_failures`) opens with today's store and keeps every row.
@Suite("Migration from the database today's main wrote")
struct MigrationFromMainTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/main-2026-12-06/archive.sqlite")

    static let tables = ["lists", "mailbox_state", "threads", "messages", "blobs", "attachments", "thread_nodes",
                         "quarantine", "organisations", "people", "addresses", "memberships", "holds", "notice_log",
                         "outbox_body", "outbox", "digest_entries", "ingest_progress", "fetch_failures"]

    /// A copy of the fixture in a temporary folder (the fixture itself is never opened for writing).
    static func copy() throws -> (folder: URL, path: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mg-migration-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("archive.sqlite").path
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        return (folder, path)
    }

    /// A copy of the fixture changed by `sql` run with foreign keys off (as an older version could have left it).
    static func copy(editedBy sql: String) throws -> (folder: URL, path: String) {
        let copy = try copy()
        let queue = try DatabaseQueue(path: copy.path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: sql)
        }
        try queue.close()
        return copy
    }

    /// Row counts and sample values read with plain SQLite from the unmigrated file.
    static func snapshot(_ path: String) throws -> (counts: [String: Int], outbox: [Row], progress: Row?, failure: Row?) {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in
            var counts: [String: Int] = [:]
            for table in tables { counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") }
            let outbox = try Row.fetchAll(db, sql: """
                SELECT id, list_id, message_id, recipient, status, attempts, next_attempt_at, retry_from, created_at,
                       claimed_at, sent_at, handed_at FROM outbox ORDER BY id
                """)
            let progress = try Row.fetchOne(db, sql: "SELECT * FROM ingest_progress")
            let failure = try Row.fetchOne(db, sql: "SELECT * FROM fetch_failures")
            return (counts, outbox, progress, failure)
        }
    }

    /// The migrated date is the old DOUBLE seconds truncated to the millisecond, as GRDB writes a Date.
    static func same(_ date: Date?, _ seconds: Double?) -> Bool {
        switch (date, seconds) {
        case (nil, nil): true
        case (let date?, let seconds?):
            (seconds - date.timeIntervalSince1970) > -0.000_001 && (seconds - date.timeIntervalSince1970) < 0.001
        default: false
        }
    }

    @Test("every table keeps its rows; outbox and ingest dates are Date text equal to the second; foreign keys hold")
    func opensAndKeepsEveryRow() throws {
        let (folder, path) = try Self.copy()
        defer { try? FileManager.default.removeItem(at: folder) }
        let before = try Self.snapshot(path)
        #expect(before.counts.values.allSatisfy { $0 > 0 }, "the fixture has rows in every table: \(before.counts)")
        #expect(before.progress != nil && before.failure != nil)
        let statuses = try DatabaseQueue(path: path).read { db in
            (accepted: try Int.fetchOne(db, sql: "SELECT count(*) FROM messages WHERE status = 'accepted'") ?? 0,
             indexed: try Int.fetchOne(db, sql: "SELECT count(*) FROM message_fts_docsize") ?? 0)
        }
        let all = before.counts["messages"] ?? 0
        #expect(statuses.accepted > 0 && statuses.accepted < all, "the fixture has other than accepted mail")
        #expect(statuses.indexed == all, "the fixture's index holds every message, as main's did")

        let store = try GatewayStore(path: path)
        try store.pool.read { db in
            for table in Self.tables {
                #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") == before.counts[table], "\(table)")
            }
            #expect(try StoreMigrations.migrator.hasCompletedMigrations(db))
            #expect(try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") == true)
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")

            // The outbox: same rows, same values, dates now text that GRDB decodes.
            let copies = try OutboxCopyRecord.order(Column("id")).fetchAll(db)
            #expect(copies.count == before.outbox.count)
            for (old, new) in zip(before.outbox, copies) {
                #expect(new.id == old["id"] as Int64)
                #expect(new.listID == old["list_id"] as String)
                #expect(new.messageID == old["message_id"] as Int64)
                #expect(new.recipient == old["recipient"] as String)
                #expect(new.status.rawValue == old["status"] as String)
                #expect(new.attempts == old["attempts"] as Int)
                #expect(Self.same(new.nextAttemptAt, old["next_attempt_at"] as Double?))
                #expect(Self.same(new.retryFrom, old["retry_from"] as Double?))
                #expect(Self.same(new.createdAt, old["created_at"] as Double?))
                #expect(Self.same(new.claimedAt, old["claimed_at"] as Double?))
                #expect(Self.same(new.sentAt, old["sent_at"] as Double?))
                #expect(Self.same(new.handedAt, old["handed_at"] as Double?))
            }
            let typesLeft = try String.fetchAll(db, sql: """
                SELECT DISTINCT typeof(next_attempt_at) || typeof(retry_from) || typeof(created_at) FROM outbox
                """)
            #expect(typesLeft == ["texttexttext"])

            // The crash marker and the fetch failure.
            let oldProgress = try #require(before.progress)
            let progress = try #require(try IngestProgressRecord.fetchOne(db))
            #expect(progress.listID == oldProgress["list_id"] as String)
            #expect(progress.uidValidity == oldProgress["uidvalidity"] as Int64)
            #expect(progress.uid == oldProgress["uid"] as Int64)
            #expect(progress.runID == oldProgress["run_id"] as String)
            #expect(progress.crashes == oldProgress["crashes"] as Int)
            #expect(Self.same(progress.startedAt, oldProgress["started_at"] as Double?))
            let oldFailure = try #require(before.failure)
            let failure = try #require(try FetchFailureRecord.fetchOne(db))
            #expect(failure.listID == oldFailure["list_id"] as String)
            #expect(failure.uid == oldFailure["uid"] as Int64)
            #expect(failure.failures == oldFailure["failures"] as Int)
            #expect(failure.lastError == oldFailure["last_error"] as String)
            #expect(failure.unfetchableAt == nil && (oldFailure["unfetchable_at"] as Double?) == nil)

            // Thread ids keep growing from where they were (AUTOINCREMENT sequences kept).
            #expect(try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'threads'") == 18)
            #expect(try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'holds'") == 2)
        }

        // The full-text index held every message; it now holds the accepted ones, and equals its content view.
        try store.pool.write { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM message_fts_docsize") == statuses.accepted)
            #expect(try Int.fetchOne(db, sql: """
                SELECT count(*) FROM message_fts_docsize d JOIN messages m ON m.id = d.id WHERE m.status != 'accepted'
                """) == 0)
            try db.execute(sql: "INSERT INTO message_fts (message_fts, rank) VALUES ('integrity-check', 1)")
        }

        // The keys are enforced from now on.
        let list = try #require(before.progress?["list_id"] as String?)
        #expect(throws: DatabaseError.self) {
            try store.pool.write { db in
                try db.execute(sql: "INSERT INTO fetch_failures (list_id, uidvalidity, uid, failures, last_error) VALUES ('no-such-list', 1, 1, 1, 'x')")
            }
        }
        #expect(throws: DatabaseError.self) {
            try store.pool.write { db in
                try db.execute(sql: """
                    INSERT INTO holds (message_id, list_id, reason, rule, created_at, expires_at)
                    VALUES (999999, ?, 'r', 'r', '2026-12-06 00:00:00.000', '2026-12-07 00:00:00.000')
                    """, arguments: [list])
            }
        }
        // The crashed message is still counted once at the next start of another run.
        let crashes = try store.pool.write { db in
            try IngestProgress.begin(db, list: list, uidValidity: UInt32(before.progress!["uidvalidity"] as Int64),
                                     uids: UInt32(before.progress!["uid"] as Int64)...UInt32(before.progress!["uid"] as Int64),
                                     run: "next-run")
        }
        #expect(crashes == (before.progress!["crashes"] as Int) + 1)
    }

    @Test("a row that would break a key makes the migration fail, naming its table and row; nothing is lost")
    func orphanFailsLoudly() throws {
        let (folder, path) = try Self.copy(editedBy: "UPDATE holds SET message_id = 424242 WHERE id = 2")
        defer { try? FileManager.default.removeItem(at: folder) }
        let before = try Self.snapshot(path)
        do {
            _ = try GatewayStore(path: path)
            Issue.record("the migration should have failed")
        } catch let error as DatabaseError {
            let message = error.message ?? ""
            #expect(message.contains("holds"))
            #expect(message.contains("id 2"))
            #expect(message.contains("424242"))
        }
        // Rolled back: the file is as it was.
        #expect(try Self.snapshot(path).counts == before.counts)
    }

    @Test("a row of a list that has no lists row gets one, so nothing is lost")
    func missingListRowIsAdded() throws {
        let (folder, path) = try Self.copy(editedBy: """
            INSERT INTO notice_log (sender, reason, list_id, day, sent_at)
            VALUES ('a@b.example', 'non-member', 'old-list', '2026-12-01', '2026-12-01 10:00:00.000')
            """)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try GatewayStore(path: path)
        let (lists, notices, violations) = try store.pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM lists WHERE id = 'old-list'"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM notice_log WHERE list_id = 'old-list'"),
             try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count)
        }
        #expect(lists == 1)
        #expect(notices == 1)
        #expect(violations == 0)
    }
}
