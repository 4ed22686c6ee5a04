import Foundation
import GRDB
import Testing
@testable import MailGateway

/// Issue 7, items 10 and 11: what is not accepted is not threaded, references are bounded, deep threads build
/// without recursion.
@Suite("Archive threading hardening")
struct ArchiveThreadingHardeningTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func count(_ pool: DatabasePool, _ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        try pool.read { try Int.fetchOne($0, sql: sql, arguments: arguments) ?? 0 }
    }

    @Test("a rejected (non-member) reply naming two public threads merges nothing and joins neither")
    func rejectedReplyDoesNotMergeThreads() throws {
        let archive = try TemporaryArchive()
        try archive.pool.archive([
            makeMessage("a1@x", subject: "Protocole MRV", date: t0),
            makeMessage("a2@x", subject: "Re: Protocole MRV", date: t0 + 10, inReplyTo: ["a1@x"], references: ["a1@x"]),
            makeMessage("b1@x", subject: "Cover crop trials", date: t0 + 20),
        ])
        for status in [ArchiveStatus.rejected, .held, .discarded, .bounce] {
            try archive.pool.archive([makeMessage("evil-\(status.rawValue)@x", subject: "Re: both", from: "evil@spam.example",
                                                  date: t0 + 30, inReplyTo: ["a2@x"], references: ["a1@x", "b1@x", "a2@x"])],
                                     status: status)
        }
        try archive.pool.read { (db: Database) throws in
            let threads = try ArchiveQueries.threads(db, list: "test-list")
            #expect(threads.map(\.subject).sorted() == ["Cover crop trials", "Protocole MRV"])
            #expect(threads.map(\.messageCount).sorted() == [1, 2])
            #expect(try ArchiveQueries.lists(db).first?.threadCount == 2)
        }
        let threadOf = try archive.pool.threadOf()
        #expect(threadOf["a1@x"] != threadOf["b1@x"])
        #expect(threadOf["evil-rejected@x"] != threadOf["a1@x"] && threadOf["evil-rejected@x"] != threadOf["b1@x"])
        // The rejected messages wrote no node and no placeholder, and are kept with their decision.
        #expect(try count(archive.pool, "SELECT count(*) FROM thread_nodes WHERE message_id LIKE 'evil-%'") == 0)
        #expect(try count(archive.pool, "SELECT count(*) FROM thread_nodes") == 3)
        #expect(try count(archive.pool, "SELECT count(*) FROM messages WHERE status != 'accepted'") == 4)
        // A later accepted reply to the rejected one does not reach a public thread through it either.
        try archive.pool.archive([makeMessage("r@x", subject: "Re: both", date: t0 + 40, inReplyTo: ["evil-rejected@x"],
                                              references: ["evil-rejected@x"])])
        #expect(try archive.pool.threadOf()["r@x"] != threadOf["a1@x"])
        #expect(try archive.pool.threadOf()["r@x"] != threadOf["b1@x"])
    }

    @Test("100,000 References: at most 20 count, ~20 thread nodes and stored ids, the nearest ancestor still found")
    func manyReferencesAreBounded() throws {
        let archive = try TemporaryArchive()
        try archive.pool.archive([makeMessage("parent@x", date: t0)])
        var refs = (0..<100_000).map { "r\($0)@spam.example" }
        refs.append("parent@x")
        let raw = "Message-ID: <many@x>\r\nSubject: Re: subject\r\nFrom: a@example.org\r\n"
            + "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nReferences: "
            + refs.map { "<\($0)>" }.joined(separator: "\r\n ") + "\r\n\r\nbody\r\n"
        let parsed = try MessageParser.parse(Array(raw.utf8))
        #expect(parsed.references.count == 100_001)
        try archive.pool.write { (db: Database) throws in
            _ = try ArchiveWriter.archive(db, list: "test-list", raw: Array(raw.utf8), parsed: parsed, fallbackDate: nil,
                                          source: .import)
        }
        let nodes = try count(archive.pool, "SELECT count(*) FROM thread_nodes")
        #expect(nodes <= 2 + ThreadReferences.limit)
        let stored = try archive.pool.read { try String.fetchOne($0, sql: "SELECT refs FROM messages WHERE message_id = 'many@x'") }
        #expect(stored?.split(separator: " ").count == ThreadReferences.limit)
        let parents = try archive.pool.parentOf()
        #expect(parents["many@x"] == .some("parent@x"))
        #expect(ThreadReferences.chain(messageID: "m", inReplyTo: refs, references: refs).count <= ThreadReferences.limit + 1)
    }

    @Test("rejected, discarded and bounce mail share their list's one unlisted thread, which no subject finds and no view lists; a held message keeps a thread of its own")
    func sharedUnlistedThread() throws {
        let archive = try TemporaryArchive()
        for (index, status) in [ArchiveStatus.rejected, .discarded, .bounce, .rejected, .held].enumerated() {
            try archive.pool.archive([makeMessage("n\(index)@x", subject: "UNLISTED", from: "evil@spam.example",
                                                  date: t0 + Double(index))], status: status)
        }
        try archive.pool.archive([makeMessage("n9@x", subject: "Re: unlisted", date: t0 + 10),
                                  makeMessage("n10@x", subject: "Re: UNLISTED", date: t0 + 11)])
        try archive.pool.archive([makeMessage("o1@x", subject: "UNLISTED", date: t0)], list: "other-list", status: .rejected)
        let threadOf = try archive.pool.threadOf()
        let shared = try #require(threadOf["n0@x"])
        #expect(["n1@x", "n2@x", "n3@x"].allSatisfy { threadOf[$0] == shared })
        #expect(threadOf["n4@x"] != shared, "held: its own thread, which approval drops")
        #expect(threadOf["n9@x"] != shared && threadOf["n10@x"] != shared, "no subject fallback into it")
        #expect(threadOf["o1@x"] != shared, "one per list")
        #expect(try count(archive.pool, "SELECT count(*) FROM threads WHERE base_subject = ?", [ThreadRecord.unlistedBaseSubject]) == 2)
        try archive.pool.read { (db: Database) throws in
            let threads = try ArchiveQueries.threads(db, list: "test-list")
            #expect(!threads.map(\.id).contains(shared))
            #expect(try ArchiveQueries.thread(db, id: shared)?.roots.isEmpty ?? true, "shows nothing")
        }
        #expect(try count(archive.pool, """
            SELECT count(*) FROM threads WHERE id = ? AND message_count = 0 AND participant_count = 0
              AND root_message IS NULL AND first_date IS NULL
            """, [shared]) == 1, "no figures: it holds no accepted message")
    }

    @Test("an approved held reply joins its thread, under its parent, and adopts a reply that came before it")
    func approvedHeldReplyJoinsItsThread() throws {
        let archive = try TemporaryArchive()
        try archive.pool.archive([makeMessage("root@x", date: t0)])
        let held = try archive.pool.archive([makeMessage("held@x", subject: "Re: subject", from: "bob@example.org",
                                                         date: t0 + 10, inReplyTo: ["root@x"], references: ["root@x"])],
                                            status: .held)[0]
        // A member answers the held message before it is approved (it was sent to them directly).
        try archive.pool.archive([makeMessage("answer@x", subject: "Re: subject", date: t0 + 20, inReplyTo: ["held@x"],
                                              references: ["root@x", "held@x"])])
        guard case .inserted(let heldRow, let unlisted) = held else { Issue.record("not inserted"); return }
        var threadOf = try archive.pool.threadOf()
        #expect(threadOf["held@x"] != threadOf["root@x"])
        #expect(try count(archive.pool, "SELECT count(*) FROM thread_nodes WHERE message_id = 'held@x' AND is_placeholder = 0") == 0)
        try archive.pool.read { (db: Database) throws in
            #expect(try ArchiveQueries.threads(db, list: "test-list").map(\.messageCount) == [2])
        }
        try archive.pool.write { try ArchiveWriter.setStatus($0, messageRowID: heldRow, status: .accepted, decisionRule: "moderator-approved") }
        threadOf = try archive.pool.threadOf()
        #expect(threadOf["held@x"] == threadOf["root@x"])
        #expect(threadOf["answer@x"] == threadOf["root@x"])
        let parents = try archive.pool.parentOf()
        #expect(parents["held@x"] == .some("root@x"))
        #expect(parents["answer@x"] == .some("held@x"))
        #expect(try count(archive.pool, "SELECT count(*) FROM threads WHERE id = ?", [unlisted]) == 0)
        #expect(try inconsistentThreadFigures(archive.pool).isEmpty)
        try archive.pool.read { (db: Database) throws in
            let threads = try ArchiveQueries.threads(db, list: "test-list")
            #expect(threads.map(\.messageCount) == [3])
            let detail = try #require(try ArchiveQueries.thread(db, id: threads[0].id))
            #expect(detail.roots.map(\.messageID) == ["root@x"])
            #expect(detail.roots[0].children.map(\.messageID) == ["held@x"])
            #expect(detail.roots[0].children[0].children.map(\.messageID) == ["answer@x"])
        }
    }

    @Test("a 10,000-message chain: the tree builds without recursion, every message once, nesting capped")
    func tenThousandMessageChain() throws {
        let archive = try TemporaryArchive()
        let n = 10_000
        try archive.pool.write { (db: Database) throws in
            for i in 0..<n {
                let m = makeMessage("c\(i)@x", subject: i == 0 ? "chain" : "Re: chain", date: t0 + Double(i),
                                    inReplyTo: i == 0 ? [] : ["c\(i - 1)@x"], references: i == 0 ? [] : ["c\(i - 1)@x"],
                                    text: "line \(i)")
                _ = try ArchiveWriter.archive(db, list: "test-list", raw: m.raw, parsed: m.parsed, fallbackDate: nil,
                                              source: .import)
            }
        }
        try archive.pool.read { (db: Database) throws in
            let id = try #require(try ArchiveQueries.threads(db, list: "test-list").first?.id)
            let detail = try #require(try ArchiveQueries.thread(db, id: id))
            var seen = Set<String>()
            var maxNesting = 0
            var stack = detail.roots.map { ($0, 0) }
            while let (node, level) = stack.popLast() {
                #expect(seen.insert(node.messageID).inserted)
                maxNesting = max(maxNesting, level)
                stack.append(contentsOf: node.children.map { ($0, level + 1) })
            }
            #expect(seen.count == n)
            #expect(maxNesting == ThreadDetail.maxNesting)  // the flattened descendants, one level below the cap
            // The last message keeps its real depth and parent.
            var cursor = detail.roots[0]
            for _ in 0..<(ThreadDetail.maxNesting - 1) { cursor = cursor.children[0] }
            #expect(cursor.children.count == n - ThreadDetail.maxNesting)
            #expect(cursor.children.last?.depth == n - 1)
            #expect(cursor.children.last?.parentRowID == cursor.children.dropLast().last?.rowID)
        }
        // A late parent on a long chain recomputes parents in linear time and the same way.
        let tree = ThreadTree(items: (0..<n).map { Int64($0) }, id: { $0 },
                              parent: { $0 == 0 ? Int64(n - 1) : $0 - 1 }, date: { Date(timeIntervalSince1970: Double($0)) })
        #expect(tree.flattened.count == n)
        #expect(tree.flattened.first?.item == 0)
        #expect(tree.flattened.last?.depth == n - 1)
    }
}
