import Foundation
import GRDB
import Testing
@testable import MailGateway

@Suite("Threading")
struct ThreadingTests {
    let day: TimeInterval = 86_400
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func repliesJoinTheirParentsThread() throws {
        let archive = try TemporaryArchive()
        let r = try archive.pool.archive([
            makeMessage("root@x", subject: "Plan"),
            makeMessage("a@x", subject: "Re: Plan", inReplyTo: ["root@x"], references: ["root@x"]),
            makeMessage("b@x", subject: "Re: Plan", inReplyTo: ["a@x"], references: ["root@x", "a@x"]),
            makeMessage("other@x", subject: "Other"),
        ])
        #expect(r[0].threadID == r[1].threadID && r[1].threadID == r[2].threadID)
        #expect(r[3].threadID != r[0].threadID)
        let parents = try archive.pool.parentOf()
        #expect(parents["a@x"] == .some("root@x"))
        #expect(parents["b@x"] == .some("a@x"))
        #expect(parents["root@x"] == .some(nil))
    }

    @Test func mergeKeepsTheOlderThreadID() throws {
        let archive = try TemporaryArchive()
        // Two replies to the same absent root arrive first, each referencing only its own parent chain
        // through different absent messages, so they start two threads.
        let r1 = try archive.pool.archive([makeMessage("r1@x", references: ["p1@x"])])[0]
        let r2 = try archive.pool.archive([makeMessage("r2@x", references: ["p2@x"])])[0]
        #expect(r1.threadID != r2.threadID)
        // A message referencing both placeholders connects them: the thread of r1 (older) survives.
        let bridge = try archive.pool.archive([makeMessage("bridge@x", references: ["p1@x", "p2@x"])])[0]
        #expect(bridge.threadID == r1.threadID)
        let threads = try archive.pool.threadOf()
        #expect(threads["r2@x"] == r1.threadID)
        try archive.pool.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM threads") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT message_count FROM threads") == 3)
            #expect(try Int.fetchOne(db, sql: "SELECT count(DISTINCT thread_id) FROM thread_nodes") == 1)
        }
    }

    @Test func parentArrivingLateJoinsAndAdoptsReplies() throws {
        let archive = try TemporaryArchive()
        let reply = try archive.pool.archive([makeMessage("reply@x", subject: "Re: q", references: ["q@x"])])[0]
        let grand = try archive.pool.archive([makeMessage("grand@x", references: ["q@x", "reply@x"])])[0]
        #expect(try archive.pool.parentOf()["reply@x"] == .some(nil))
        let parent = try archive.pool.archive([makeMessage("q@x", subject: "q")])[0]
        #expect(parent.threadID == reply.threadID)
        #expect(grand.threadID == reply.threadID)
        let parents = try archive.pool.parentOf()
        #expect(parents["reply@x"] == .some("q@x"))
        #expect(parents["grand@x"] == .some("reply@x"))
        try archive.pool.read { (db: Database) throws in
            let root = try Int64.fetchOne(db, sql: "SELECT root_message FROM threads")
            #expect(root == parent.rowID)
            #expect(try Int.fetchOne(db, sql: "SELECT is_placeholder FROM thread_nodes WHERE message_id = 'q@x'") == 0)
        }
    }

    @Test func referenceLoopsAreBroken() throws {
        let archive = try TemporaryArchive()
        try archive.pool.archive([
            makeMessage("l12@x", inReplyTo: ["l21@x"], references: ["l21@x"]),
            makeMessage("l21@x", inReplyTo: ["l12@x"], references: ["l12@x"]),
        ])
        let parents = try archive.pool.parentOf()
        let threads = try archive.pool.threadOf()
        #expect(threads["l12@x"] == threads["l21@x"])
        // Exactly one of the two is a root.
        #expect([parents["l12@x"]!, parents["l21@x"]!].filter { $0 == nil }.count == 1)
        // A message referencing itself is a root of its own thread.
        try archive.pool.archive([makeMessage("self@x", references: ["self@x"])])
        #expect(try archive.pool.parentOf()["self@x"] == .some(nil))
    }

    @Test func inReplyToWinsOverLastReference() throws {
        let archive = try TemporaryArchive()
        try archive.pool.archive([
            makeMessage("root@x"),
            makeMessage("child@x", inReplyTo: ["root@x"]),
            // notmuch/threading/parent-priority: References ends with the root, In-Reply-To names the child.
            makeMessage("grand@x", inReplyTo: ["child@x"], references: ["child@x", "root@x"]),
        ])
        #expect(try archive.pool.parentOf()["grand@x"] == .some("child@x"))
    }

    @Test func garbageReferencesDoNotJoinThreads() throws {
        let archive = try TemporaryArchive()
        let r = try archive.pool.archive([
            makeMessage("p1@x", subject: "[PATCH 1/2] foo", references: ["yes"]),
            makeMessage("p2@x", subject: "[PATCH] bar", references: ["yes"]),
        ])
        #expect(r[0].threadID != r[1].threadID)
    }

    @Test func subjectFallbackOnlyForRepliesWithoutReferencesWithinWindow() throws {
        let archive = try TemporaryArchive()
        let r = try archive.pool.archive([
            makeMessage("orig@x", subject: "[Group] Meeting agenda", date: t0),
            makeMessage("re1@x", subject: "RE : Re: [Group] meeting   AGENDA", date: t0 + 2 * day),
            makeMessage("fwd@x", subject: "Fwd: Meeting agenda", date: t0 + 3 * day),
            makeMessage("late@x", subject: "Re: Meeting agenda", date: t0 + 40 * day),
            makeMessage("same@x", subject: "Meeting agenda", date: t0 + 4 * day),
        ])
        #expect(r[1].threadID == r[0].threadID)   // reply without references: joined by subject
        #expect(r[2].threadID != r[0].threadID)   // a forward starts a new conversation
        #expect(r[3].threadID != r[0].threadID)   // 38 days after the thread's last message: too late
        #expect(r[4].threadID != r[0].threadID)   // not a reply
        #expect(try archive.pool.parentOf()["re1@x"] == .some(nil))
    }

    @Test func subjectNormalization() {
        let cases: [(String, String, Bool)] = [
            ("Re: Hello", "hello", true),
            ("RE : Re: RE: hello  world", "hello world", true),
            ("Réf. : Budget 2024", "budget 2024", true),
            ("Réf. Budget 2024", "budget 2024", true),
            ("TR: Fwd: AW: Budget", "budget", true),
            ("WG: Fw: Budget", "budget", false),
            ("[USRP-users] Re: [USRP-users] B210 issue", "b210 issue", true),
            ("Re[2]: Bonjour", "bonjour", true),
            ("RV: Reunión", "reunión", true),
            ("Regarding the plan", "regarding the plan", false),
            ("[PATCH]", "[patch]", false),
            ("", "", false),
        ]
        for (input, base, reply) in cases {
            let n = SubjectNormalizer.normalize(input)
            #expect(n.base == base, "\(input)")
            #expect(n.isReply == reply, "\(input)")
        }
    }

    @Test func referenceChainOrder() {
        #expect(ThreadReferences.chain(messageID: "m@x", inReplyTo: ["c@x"], references: ["c@x", "r@x", "yes", "m@x"])
                == ["r@x", "c@x"])
        #expect(ThreadReferences.chain(messageID: "m@x", inReplyTo: [], references: ["a@x", "b@x", "a@x"]) == ["a@x", "b@x"])
        #expect(ThreadReferences.chain(messageID: "m@x", inReplyTo: ["<bad id>"], references: []) == [])
    }

    struct Item: Sendable { var id: Int64; var parent: Int64?; var date: Date }

    @Test func threadTreeSortsChildrenAndNeverLoops() {
        let items = [
            Item(id: 1, parent: nil, date: t0),
            Item(id: 3, parent: 1, date: t0 + 300),
            Item(id: 2, parent: 1, date: t0 + 100),
            Item(id: 4, parent: 2, date: t0 + 200),
            Item(id: 5, parent: 6, date: t0 + 400),  // loop 5 <-> 6
            Item(id: 6, parent: 5, date: t0 + 500),
            Item(id: 7, parent: 99, date: t0 + 50),  // parent absent
        ]
        let tree = ThreadTree(items: items, id: \.id, parent: \.parent, date: \.date)
        #expect(tree.flattened.map(\.item.id) == [1, 2, 4, 3, 7, 5, 6])
        #expect(tree.flattened.map(\.depth) == [0, 1, 2, 1, 0, 0, 1])
    }
}
