import Foundation
import GRDB
import Testing
@testable import MailGateway

@Suite("Archive writer")
struct ArchiveWriterTests {
    @Test func migrationsCreateTablesAndPragmas() throws {
        let archive = try TemporaryArchive()
        try archive.pool.read { (db: Database) throws in
            for table in ["lists", "mailbox_state", "messages", "attachments", "blobs", "threads", "thread_nodes",
                          "message_fts", "quarantine"] {
                #expect(try db.tableExists(table), "missing table \(table)")
            }
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
            #expect(try Int.fetchOne(db, sql: "PRAGMA foreign_keys") == 1)
            #expect(try Int.fetchOne(db, sql: "PRAGMA synchronous") == 1)  // NORMAL
            #expect(try StoreMigrations.migrator.appliedIdentifiers(db) == Set(StoreMigrations.migrator.migrations))
            #expect(try db.indexes(on: "messages").contains { $0.name == "messages_thread_stats" })
        }
    }

    /// The migrations the main of 2026-12-06 had applied, in order: they must stay first, unchanged.
    static let migrationsOfMain = ["archive-v1", "archive-v2-thread-stats-index", "members-v1", "moderation-v1", "notices-v1", "members-v2-address-key", "moderation-v2-notices", "moderation-v3-unproven-authors", "outbox-v1", "outbox-v2-claims", "outbox-v3-redact-sent-notices", "ingest-v1", "ingest-v2-guards"]

    @Test func everyAreaMigratesInOneOrder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("archive-order-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try GatewayStore(path: folder.appendingPathComponent("db.sqlite").path)
        try database.pool.read { (db: Database) throws in
            let registered = StoreMigrations.migrator.migrations
            #expect(Array(registered.prefix(Self.migrationsOfMain.count)) == Self.migrationsOfMain)
            #expect(try StoreMigrations.migrator.appliedIdentifiers(db) == Set(registered))
            for table in ["messages", "memberships", "holds", "notice_log", "outbox", "digest_entries", "fetch_failures"] {
                #expect(try db.tableExists(table), "\(table)")
            }
        }
    }

    @Test func storesExactBytesAndFields() throws {
        let archive = try TemporaryArchive()
        var message = makeMessage("a@example.org", subject: "Hello", text: "first line\nsecond")
        message.raw += [0xff, 0x00, 0x0d, 0x0a]  // bytes that are not UTF-8 must survive
        let results = try archive.pool.archive([message])
        guard case .inserted(let row, let thread) = results[0] else {
            Issue.record("not inserted")
            return
        }
        try archive.pool.read { (db: Database) throws in
            let stored = try Row.fetchOne(db, sql: "SELECT * FROM messages WHERE id = ?", arguments: [row])!
            #expect((stored["raw"] as Data) == Data(message.raw))
            #expect(stored["size"] as Int == message.raw.count)
            #expect(stored["subject"] as String == "Hello")
            #expect(stored["from_address"] as String == "alice@example.org")
            #expect(stored["status"] as String == "accepted")
            #expect(stored["source"] as String == "import")
            #expect(stored["thread_id"] as Int64 == thread)
            let t = try Row.fetchOne(db, sql: "SELECT * FROM threads WHERE id = ?", arguments: [thread])!
            #expect(t["message_count"] as Int == 1)
            #expect(t["participant_count"] as Int == 1)
            #expect(t["root_message"] as Int64 == row)
            #expect(t["subject"] as String == "Hello")
        }
    }

    @Test func duplicateMessageIDWritesNothing() throws {
        let archive = try TemporaryArchive()
        let first = try archive.pool.archive([makeMessage("dup@example.org", subject: "one")])[0]
        let second = try archive.pool.archive([makeMessage("dup@example.org", subject: "two", references: ["x@y"])])[0]
        #expect(second == .duplicate(existingRowID: first.rowID))
        try archive.pool.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM messages") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM threads") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM thread_nodes") == 1)
            #expect(try String.fetchOne(db, sql: "SELECT subject FROM messages") == "one")
        }
        // The same Message-ID on another list is another message.
        let other = try archive.pool.archive([makeMessage("dup@example.org")], list: "other-list")[0]
        #expect(other.threadID != nil)
    }

    @Test func attachmentsAreDescribedWithTheirHashNotCopied() throws {
        let archive = try TemporaryArchive()
        let pdf = ParsedAttachment(filename: "report.pdf", contentType: "application/pdf", data: Array(repeating: 7, count: 1000))
        let png = ParsedAttachment(filename: "logo.png", contentType: "image/png", isInline: true, data: [1, 2, 3])
        try archive.pool.archive([
            makeMessage("m1@example.org", attachments: [pdf, png]),
            makeMessage("m2@example.org", attachments: [pdf]),
        ])
        try archive.pool.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM attachments") == 3)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM blobs") == 0)  // the content stays in raw
            let sha = try String.fetchOne(db, sql: "SELECT sha256 FROM attachments WHERE filename = 'report.pdf' LIMIT 1")
            // SHA-256 of 1000 bytes of 0x07, computed independently with Python's hashlib.
            #expect(sha == "df1329c8b6c7cf3740bbe2f8bab34d253a8d9534a79dceea18177081fdf9f0e9")
            #expect(pdf.sha256 == nil && pdf.digest == sha)  // not computed ahead here: the archive hashed it
            #expect(pdf.withDigest().sha256 == sha)
            let sizes = try Int.fetchAll(db, sql: "SELECT size FROM attachments ORDER BY id")
            #expect(sizes == [1000, 3, 1000])
        }
    }

    @Test func quarantineKeepsRawOrSizeForOversize() throws {
        let archive = try TemporaryArchive()
        let raw = Array("Subject: broken\r\nFrom: x@y\r\n\r\nbody that could not be parsed".utf8)
        try archive.pool.write { (db: Database) throws in
            try ArchiveWriter.quarantine(db, list: "l", raw: raw, error: "no header end", source: .imap(uidValidity: 7, uid: 42))
            try ArchiveWriter.quarantine(db, list: "l", raw: Array("Subject: huge\r\n\r\n".utf8), error: "oversize",
                                         source: .imap(uidValidity: 7, uid: 43), oversize: true, originalSize: 50_000_000)
        }
        try archive.pool.read { (db: Database) throws in
            let rows = try Row.fetchAll(db, sql: "SELECT raw, size, headers_excerpt, uid FROM quarantine ORDER BY id")
            #expect(rows.count == 2)
            #expect((rows[0]["raw"] as Data?) == Data(raw))
            #expect((rows[0]["headers_excerpt"] as String) == "Subject: broken\r\nFrom: x@y\r\n")
            #expect((rows[1]["raw"] as Data?) == nil)
            #expect((rows[1]["size"] as Int) == 50_000_000)
            #expect((rows[1]["uid"] as Int) == 43)
        }
    }

    @Test func mailboxStateRoundTrips() throws {
        let archive = try TemporaryArchive()
        try archive.pool.write { (db: Database) throws in
            #expect(try ArchiveWriter.mailboxState(db, list: "l") == nil)
            try ArchiveWriter.setMailboxState(db, list: "l", MailboxState(uidValidity: 3_000_000_000, lastUID: 10))
            try ArchiveWriter.setMailboxState(db, list: "l", MailboxState(uidValidity: 3_000_000_000, lastUID: 12))
            #expect(try ArchiveWriter.mailboxState(db, list: "l") == MailboxState(uidValidity: 3_000_000_000, lastUID: 12))
        }
    }

    @Test func heldMessagesAreNotCountedUntilAccepted() throws {
        let archive = try TemporaryArchive()
        try archive.pool.archive([makeMessage("root@x")])
        let held = try archive.pool.archive([makeMessage("reply@x", from: "bob@example.org", references: ["root@x"])],
                                            status: .held)[0]
        // A held first message leaves the thread empty: no count, no dates.
        try archive.pool.archive([makeMessage("held-first@x", subject: "Later", date: Date(timeIntervalSince1970: 1_600_000_000))],
                                 status: .held)
        try archive.pool.archive([makeMessage("accepted-second@x", subject: "Re: Later",
                                              date: Date(timeIntervalSince1970: 1_700_000_000), references: ["held-first@x"])])
        try archive.pool.read { (db: Database) throws in
            let row = try #require(try Row.fetchOne(db, sql: """
                SELECT t.message_count, t.first_date, t.root_message, m.id FROM threads t
                JOIN messages m ON m.message_id = 'accepted-second@x' WHERE t.id = m.thread_id
                """))
            #expect(row[0] as Int == 1)
            #expect(row[1] as Date? == Date(timeIntervalSince1970: 1_700_000_000))
            #expect(row[2] as Int64? == row[3] as Int64?)
        }
        let count = { try archive.pool.read { try Int.fetchOne($0, sql: "SELECT message_count FROM threads WHERE subject = 'subject'") } }
        #expect(try count() == 1)
        try archive.pool.write { try ArchiveWriter.setStatus($0, messageRowID: held.rowID, status: .accepted, decisionRule: "moderator") }
        #expect(try count() == 2)
        #expect(try archive.pool.read { try Int.fetchOne($0, sql: "SELECT participant_count FROM threads WHERE subject = 'subject'") } == 2)
    }

    /// Search finds accepted messages only, so only they are in the full-text index: a rejected or held post is
    /// indexed the moment it is approved and leaves the index when it stops being accepted, and the index always
    /// equals what its content view gives (FTS5's integrity check with rank 1 compares the two).
    @Test func onlyAcceptedMessagesAreIndexedForSearch() throws {
        let archive = try TemporaryArchive()
        let accepted = try archive.pool.archive([makeMessage("a@x", subject: "Compost accepted")])[0].rowID
        let rejected = try archive.pool.archive([makeMessage("r@x", subject: "Compost rejected")], status: .rejected)[0].rowID
        let held = try archive.pool.archive([makeMessage("h@x", subject: "Compost held", text: "compost tea")],
                                            status: .held)[0].rowID
        let indexed = {
            try archive.pool.read { db in
                try Int64.fetchAll(db, sql: "SELECT rowid FROM message_fts WHERE message_fts MATCH 'compost' ORDER BY rowid")
            }
        }
        let consistent = {
            try archive.pool.write { try $0.execute(sql: "INSERT INTO message_fts (message_fts, rank) VALUES ('integrity-check', 1)") }
        }
        #expect(try indexed() == [accepted])
        #expect(try archive.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM message_fts_docsize") } == 1)
        try consistent()

        try archive.pool.write { try ArchiveWriter.setStatus($0, messageRowID: held, status: .accepted, decisionRule: "moderator") }
        #expect(try indexed() == [accepted, held])
        #expect(try archive.pool.read { db in
            try ArchiveSearch.search(db, query: "tea", filter: .init(limit: 10)).map(\.messageRowID)
        } == [held])
        try consistent()

        // Accepted again: indexed once, not twice.
        try archive.pool.write { try ArchiveWriter.setStatus($0, messageRowID: held, status: .accepted) }
        #expect(try archive.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM message_fts_docsize") } == 2)
        try archive.pool.write { try ArchiveWriter.setStatus($0, messageRowID: accepted, status: .discarded) }
        #expect(try indexed() == [held])
        try consistent()

        // Out and back in: the rejected one approved, then rejected again, then approved again.
        for (status, expected) in [(ArchiveStatus.accepted, [rejected, held]), (.rejected, [held]), (.accepted, [rejected, held])] {
            try archive.pool.write { try ArchiveWriter.setStatus($0, messageRowID: rejected, status: status) }
            #expect(try indexed() == expected.sorted(), "\(status)")
            try consistent()
        }
    }

    @Test func missingDateFallsBackToInternalDate() throws {
        let archive = try TemporaryArchive()
        var message = makeMessage("nodate@x")
        message.parsed.date = nil
        let internalDate = Date(timeIntervalSince1970: 1_600_000_000)
        try archive.pool.write { (db: Database) throws in
            _ = try ArchiveWriter.archive(db, list: "l", raw: message.raw, parsed: message.parsed, fallbackDate: internalDate,
                                          source: .imap(uidValidity: 1, uid: 1))
        }
        #expect(try archive.pool.read { try Date.fetchOne($0, sql: "SELECT date FROM messages") } == internalDate)
    }
}
