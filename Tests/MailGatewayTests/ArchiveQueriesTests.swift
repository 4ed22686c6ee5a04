import Foundation
import GRDB
import Testing
@testable import MailGateway

@Suite("Archive queries")
struct ArchiveQueriesTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func populated() throws -> TemporaryArchive {
        let archive = try TemporaryArchive()
        let file = ParsedAttachment(filename: "a.pdf", contentType: "application/pdf", data: Array(repeating: 1, count: 500))
        try archive.pool.write { (db: Database) throws in
            try ArchiveWriter.registerList(db, id: "test-list", address: "test@lists.example.org")
        }
        try archive.pool.archive([
            makeMessage("root@x", subject: "Soil plan", from: "alice@example.org", date: t0,
                        text: "\nFirst real line\nmore", attachments: [file]),
            makeMessage("b@x", subject: "Re: Soil plan", from: "bob@example.org", name: nil, date: t0 + 200,
                        inReplyTo: ["root@x"], references: ["root@x"],
                        text: "On Monday Alice wrote:\n> quoted\nBob's answer"),
            makeMessage("a@x", subject: "Re: Soil plan", from: "carol@example.org", name: "Carol", date: t0 + 100,
                        inReplyTo: ["root@x"], references: ["root@x"], text: "Carol first", attachments: [file]),
            makeMessage("aa@x", subject: "Re: Soil plan", from: "alice@example.org", date: t0 + 300,
                        inReplyTo: ["a@x"], references: ["root@x", "a@x"], text: "deep"),
            makeMessage("later@x", subject: "Water", date: t0 + 1000, text: "w"),
        ])
        try archive.pool.archive([makeMessage("held@x", subject: "Re: Water", date: t0 + 5000, references: ["later@x"])],
                                 status: .held)
        try archive.pool.archive([makeMessage("o@x", subject: "Other", date: t0 + 50)], list: "other-list")
        _ = try archive.pool.write { (db: Database) throws in
            try ArchiveWriter.quarantine(db, list: "test-list", raw: Array("X: y\n\nz".utf8), error: "bad", source: .import)
        }
        return archive
    }

    @Test func listsAndThreads() throws {
        let archive = try populated()
        try archive.pool.read { (db: Database) throws in
            let lists = try ArchiveQueries.lists(db)
            #expect(lists.map(\.id) == ["other-list", "test-list"])
            let test = lists[1]
            #expect(test.address == "test@lists.example.org")
            #expect(test.messageCount == 5)
            #expect(test.threadCount == 2)
            #expect(test.lastPost == t0 + 1000)  // the held reply is not shown
            let threads = try ArchiveQueries.threads(db, list: "test-list")
            #expect(threads.map(\.subject) == ["Water", "Soil plan"])
            #expect(threads[1].messageCount == 4)
            #expect(threads[1].participantCount == 3)
            #expect(threads[0].messageCount == 1)
            #expect(try ArchiveQueries.threads(db, list: "test-list", since: t0 + 500).map(\.subject) == ["Water"])
            #expect(try ArchiveQueries.threads(db, list: "test-list", limit: 1).count == 1)
        }
    }

    @Test func threadTree() throws {
        let archive = try populated()
        try archive.pool.read { (db: Database) throws in
            let id = try ArchiveQueries.threads(db, list: "test-list")[1].id
            let detail = try #require(try ArchiveQueries.thread(db, id: id))
            #expect(detail.roots.count == 1)
            let root = detail.roots[0]
            #expect(root.messageID == "root@x")
            #expect(root.firstLine == "First real line")
            #expect(root.children.map(\.messageID) == ["a@x", "b@x"])  // by date
            #expect(root.children[0].author == "Carol")
            #expect(root.children[1].author == "bob@example.org")
            #expect(root.children[1].firstLine == "Bob's answer")
            #expect(root.children[0].children.map(\.messageID) == ["aa@x"])
            #expect(root.children[0].children[0].depth == 2)
            let json = try JSONEncoder().encode(detail)
            #expect(json.count > 100)
        }
    }

    @Test func messageDetailAndStats() throws {
        let archive = try populated()
        try archive.pool.read { (db: Database) throws in
            let message = try #require(try ArchiveQueries.message(db, list: "test-list", messageID: "aa@x"))
            #expect(message.parentMessageID == "a@x")
            #expect(message.references == ["root@x", "a@x"])
            #expect(message.headers.hasPrefix("Message-ID: <aa@x>\r\n"))
            #expect(message.raw == Data(makeMessage("aa@x", subject: "Re: Soil plan", from: "alice@example.org", date: t0 + 300,
                                                    inReplyTo: ["a@x"], references: ["root@x", "a@x"], text: "deep").raw))
            let held = try #require(try ArchiveQueries.message(db, list: "test-list", messageID: "held@x"))
            #expect(held.status == .held)
            let withFile = try #require(try ArchiveQueries.message(db, list: "test-list", messageID: "root@x"))
            #expect(withFile.attachments.map(\.filename) == ["a.pdf"])
            // Hand-made: the raw bytes do not carry the part, and no decoded copy is kept (AttachmentsInRawTests).
            #expect(withFile.attachments[0].size == 500)
            #expect(try ArchiveQueries.attachmentData(db, sha256: withFile.attachments[0].sha256) == nil)

            let stats = try ArchiveQueries.stats(db)
            #expect(stats.messages == 7)
            #expect(stats.messagesByStatus == ["accepted": 6, "held": 1])
            #expect(stats.attachments == 2)
            #expect(stats.blobs == 0)
            #expect(stats.attachmentBytes == 1000)
            #expect(stats.dedupSavedBytes == 1000)
            #expect(stats.quarantined == 1)
            #expect(stats.databaseBytes > 0)

            let q = try ArchiveQueries.quarantine(db)
            #expect(q.count == 1 && q[0].error == "bad" && q[0].rawStored && q[0].headersExcerpt == "X: y\n")
            #expect(try ArchiveQueries.quarantinedRaw(db, id: q[0].id) == Data("X: y\n\nz".utf8))
            #expect(try ArchiveQueries.quarantine(db, list: "other-list").isEmpty)
        }
    }
}
