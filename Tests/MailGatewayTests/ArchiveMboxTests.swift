import Foundation
import GRDB
import Logging
import Testing
import TestSupport
@testable import MailGateway

@Suite("Archive mbox import/export")
struct ArchiveMboxTests {
    let logger = Logger(label: "test.archive.mbox")

    func rawByMessageID(_ pool: DatabasePool, list: String) throws -> [String: Data] {
        try pool.read { (db: Database) throws -> [String: Data] in
            var out: [String: Data] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT message_id, raw FROM messages WHERE list_id = ?", arguments: [list]) {
                out[row[0]] = row[1]
            }
            return out
        }
    }

    @Test(.enabled(if: Corpora.available, Comment(rawValue: Corpora.absentMessage)))
    func roundTripIsByteExactAndReimportAddsNothing() throws {
        let source = try #require(Corpora.url("lore-usrp-users/usrp-users-2022-08_10.mbox.gz"))
        let first = try TemporaryArchive()
        var reports: [ArchiveImportProgress] = []
        let imported = try ArchiveMbox.importMbox(url: source, list: "usrp", into: first.database, batchSize: 100,
                                                  logger: logger) { reports.append($0) }
        print("[mbox import] usrp-users: \(imported)")
        #expect(imported.messages == 366)
        #expect(imported.inserted + imported.duplicates + imported.quarantined == 366)
        #expect(imported.quarantined == 0)
        #expect(reports.count == 4)  // 100, 200, 300, 366
        #expect(reports.map(\.messages) == [100, 200, 300, 366])
        #expect(reports.last == imported)

        // Importing the same file again adds nothing.
        let again = try ArchiveMbox.importMbox(url: source, list: "usrp", into: first.database, logger: logger)
        #expect(again.inserted == 0)
        #expect(again.duplicates == 366 - imported.quarantined)
        let count = try first.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM messages") }
        #expect(count == imported.inserted)

        // Export, re-import into a fresh database: the same raw bytes for every Message-ID.
        let exported = first.folder.appendingPathComponent("export.mbox")
        let written = try ArchiveMbox.exportMbox(list: "usrp", to: exported, from: first.database, logger: logger)
        #expect(written == imported.inserted)
        let second = try TemporaryArchive()
        let reimported = try ArchiveMbox.importMbox(url: exported, list: "usrp", into: second.database, logger: logger)
        #expect(reimported.inserted == imported.inserted)
        let a = try rawByMessageID(first.pool, list: "usrp")
        let b = try rawByMessageID(second.pool, list: "usrp")
        #expect(a.count == imported.inserted)
        #expect(a == b)
        // The threads come out the same too (same order, same references).
        let threadsA = try first.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM threads") }
        let threadsB = try second.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM threads") }
        #expect(threadsA == threadsB)
    }

    @Test func unparseableMessagesAreQuarantinedNotLost() throws {
        let archive = try TemporaryArchive()
        let file = archive.folder.appendingPathComponent("in.mbox")
        let writer = try MboxWriter(url: file)
        let good = makeMessage("good@x", subject: "fine", text: "From the start, a line that needs escaping")
        var goodRaw = good.raw
        goodRaw += Array("From here too\r\n>From there\r\n".utf8)
        try writer.write(raw: goodRaw, sender: "alice@example.org", date: Date(timeIntervalSince1970: 1_700_000_000))
        let junk = Array("this is not a message, no header at all\n".utf8)
        try writer.write(raw: junk, sender: "-", date: Date(timeIntervalSince1970: 1_700_000_100))
        try writer.close()

        let result = try ArchiveMbox.importMbox(url: file, list: "l", into: archive.database, logger: logger)
        #expect(result.messages == 2)
        #expect(result.inserted == 1)
        #expect(result.quarantined == 1)
        try archive.pool.read { (db: Database) throws in
            let q = try ArchiveQueries.quarantine(db, list: "l")
            #expect(q.count == 1)
            #expect(try ArchiveQueries.quarantinedRaw(db, id: q[0].id) == Data(junk))
            let stored = try #require(try ArchiveQueries.message(db, list: "l", messageID: "good@x"))
            #expect(stored.raw == Data(goodRaw))
        }
        // Export then read back with MboxReader: the body lines starting with "From " survive exactly.
        let out = archive.folder.appendingPathComponent("out.mbox")
        #expect(try ArchiveMbox.exportMbox(list: "l", to: out, from: archive.database, logger: logger) == 1)
        let reader = try MboxReader(url: out)
        #expect(try reader.next()?.raw == goodRaw)
        #expect(try reader.next() == nil)
    }
}
