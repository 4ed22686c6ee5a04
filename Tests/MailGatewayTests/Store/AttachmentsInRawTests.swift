import Foundation
import GRDB
import Testing
@testable import MailGateway

/// Since "archive-v4-attachments-in-raw", an attachment's content is kept once, in the message's raw bytes, and
/// decoded from there when read; the decoded copies older archives kept in `blobs` stay readable.
@Suite("Attachments in the raw message")
struct AttachmentsInRawTests {
    /// SHA-256 of 1,000 bytes of 0x07, computed independently with Python's hashlib.
    static let sevens = "df1329c8b6c7cf3740bbe2f8bab34d253a8d9534a79dceea18177081fdf9f0e9"

    /// A real MIME message: a text part and `report.pdf`, 1,000 bytes of 0x07 in base64.
    static func mime(_ id: String) -> [UInt8] {
        let content = Data(repeating: 7, count: 1000).base64EncodedString(options: .lineLength76Characters)
        return Array("""
            Message-ID: <\(id)>\r
            From: Alice <alice@example.org>\r
            Subject: the report\r
            Date: Mon, 7 Dec 2026 10:00:00 +0000\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="b1"\r
            \r
            --b1\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            See the report.\r
            --b1\r
            Content-Type: application/pdf; name="report.pdf"\r
            Content-Disposition: attachment; filename="report.pdf"\r
            Content-Transfer-Encoding: base64\r
            \r
            \(content)\r
            --b1--\r

            """.utf8)
    }

    @Test("an archived attachment is described, not copied, and read back decoded from the raw message")
    func decodedFromRaw() throws {
        let archive = try TemporaryArchive()
        let raws = [Self.mime("m1@example.org"), Self.mime("m2@example.org")]
        try archive.pool.archive(try raws.map { ($0, try MessageParser.parse($0)) })
        try archive.pool.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM blobs") == 0)
            let rows = try Row.fetchAll(db, sql: "SELECT filename, size, sha256 FROM attachments ORDER BY id")
            #expect(rows.map { $0["filename"] as String? } == ["report.pdf", "report.pdf"])
            #expect(rows.map { $0["size"] as Int } == [1000, 1000])
            #expect(rows.map { $0["sha256"] as String } == [Self.sevens, Self.sevens])
            #expect(try ArchiveQueries.attachmentData(db, sha256: Self.sevens) == Data(repeating: 7, count: 1000))
            #expect(try ArchiveQueries.attachmentData(db, sha256: String(repeating: "0", count: 64)) == nil)
            let stats = try ArchiveQueries.stats(db)
            #expect(stats.attachments == 2 && stats.attachmentBytes == 2000)
            #expect(stats.blobs == 0 && stats.dedupSavedBytes == 2000)
        }
    }

    @Test("a row whose raw bytes do not decode to its hash gives nil, not other bytes")
    func rawWithoutThePart() throws {
        let archive = try TemporaryArchive()
        // Hand-made: the parsed value names an attachment the raw bytes do not carry.
        let file = ParsedAttachment(filename: "a.pdf", contentType: "application/pdf", data: Array(repeating: 7, count: 1000))
        try archive.pool.archive([makeMessage("hand@x", attachments: [file])])
        try archive.pool.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM attachments") == 1)
            #expect(try ArchiveQueries.attachmentData(db, sha256: Self.sevens) == nil)
        }
    }

    @Test("a first carrier that does not decode to the hash is passed over for a later one; a part found away from its position")
    func laterCarrierAndMovedPart() throws {
        let archive = try TemporaryArchive()
        let sevens = ParsedAttachment(filename: "report.pdf", contentType: "application/pdf", data: Array(repeating: 7, count: 1000))
        let other = ParsedAttachment(filename: "other.bin", contentType: "application/octet-stream", data: [1, 2, 3])
        // First row: hand-made, its raw bytes carry no part. Second: real MIME, but its row says position 1 while
        // the raw message holds the part at position 0 (as a parser that ordered parts differently would leave it).
        let real = Self.mime("real@example.org")
        var parsed = try MessageParser.parse(real)
        parsed.attachments = [other, parsed.attachments[0]]
        try archive.pool.archive([makeMessage("hand@x", attachments: [sevens]), (real, parsed)])
        try archive.pool.read { (db: Database) throws in
            let rows = try Row.fetchAll(db, sql: "SELECT position FROM attachments WHERE sha256 = ? ORDER BY id",
                                        arguments: [Self.sevens])
            #expect(rows.map { $0["position"] as Int } == [0, 1])
            #expect(try ArchiveQueries.attachmentData(db, sha256: Self.sevens) == Data(repeating: 7, count: 1000))
        }
    }

    @Test("an archive from before archive-v4: its rows and blobs kept, the foreign key to blobs gone, blobs read first")
    func upgradeKeepsOldCopies() throws {
        let (folder, path) = try StoreUpgradeTests.previousVersion(upTo: "archive-v3-search-accepted-only")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            let old = try DatabasePool(path: path)  // foreign keys on: GRDB's default
            try old.archive([makeMessage("old@x")])
            try old.write { db in
                let row = try Int64.fetchOne(db, sql: "SELECT id FROM messages WHERE message_id = 'old@x'")
                try db.execute(sql: "INSERT INTO blobs (sha256, data) VALUES (?, ?)",
                               arguments: [Self.sevens, Data(repeating: 7, count: 1000)])
                try db.execute(sql: """
                    INSERT INTO attachments (id, message_id, position, filename, content_type, size, sha256)
                    VALUES (41, ?, 0, 'old.pdf', 'application/pdf', 1000, ?)
                    """, arguments: [row, Self.sevens])
                // The old schema refuses an attachment without its blob.
                #expect(throws: DatabaseError.self) {
                    try db.execute(sql: """
                        INSERT INTO attachments (message_id, position, content_type, size, sha256)
                        VALUES (?, 1, 'text/plain', 1, 'nohash')
                        """, arguments: [row])
                }
            }
            try old.close()
        }
        let store = try GatewayStore(path: path)
        try store.pool.read { (db: Database) throws in
            #expect(try StoreMigrations.migrator.appliedIdentifiers(db).contains("archive-v4-attachments-in-raw"))
            let kept = try #require(try Row.fetchOne(db, sql: "SELECT * FROM attachments"))
            #expect(kept["id"] as Int64 == 41 && kept["position"] as Int == 0 && kept["filename"] as String? == "old.pdf")
            #expect(kept["content_type"] as String == "application/pdf" && kept["size"] as Int == 1000)
            #expect(kept["sha256"] as String == Self.sevens && kept["content_id"] as String? == nil)
            #expect(kept["inline"] as Bool == false)
            #expect(try Int64.fetchOne(db, sql: "SELECT message_id FROM attachments")
                    == Int64.fetchOne(db, sql: "SELECT id FROM messages WHERE message_id = 'old@x'"))
            #expect(try db.foreignKeys(on: "attachments").map(\.destinationTable) == ["messages"])
            #expect(try db.indexes(on: "attachments").map(\.name).sorted() == ["attachments_message", "attachments_sha"])
            // The raw bytes of the hand-made message carry no part: the content comes from the old copy.
            #expect(try ArchiveQueries.attachmentData(db, sha256: Self.sevens) == Data(repeating: 7, count: 1000))
            #expect(try ArchiveQueries.stats(db).blobs == 1)
        }
        try store.pool.write { db in
            let row = try Int64.fetchOne(db, sql: "SELECT id FROM messages WHERE message_id = 'old@x'")
            try db.execute(sql: """
                INSERT INTO attachments (message_id, position, content_type, size, sha256)
                VALUES (?, 1, 'text/plain', 1, 'nohash')
                """, arguments: [row])
            // Deleting the message still deletes its attachments (the other foreign key is kept).
            try db.execute(sql: "DELETE FROM messages WHERE id = ?", arguments: [row])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM attachments") == 0)
        }
    }
}
