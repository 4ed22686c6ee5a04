import Foundation
import GRDB
import Logging
import Testing
@testable import MailGateway
import TestSupport

/// The announcement list on a real SQLite file: who it reaches, who may post, what the copies say, and one copy
/// per person per message across lists.
@Suite("Announcements")
struct AnnouncementTests {
    static let secretariat = "secretariat@4p1000.example"
    static let authserv = "mx.lists.example.org"
    let logger: Logger = {
        var logger = Logger(label: "mailgateway.tests.announce")
        logger.logLevel = .warning
        return logger
    }()

    static let csv = """
        organisation,country,college,funder,person,email,language
        INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr
        CIRAD,France,research,no,José Martínez,jose@cirad.example,es
        IRD,France,research,no,Amélie Nguyen,amelie@ird.example,fr
        Soil Fund,United Kingdom,private,yes,Olivia Bennett,olivia@soilfund.example,en
        ,,,,Ana Individual,ana@individual.example,es
        """

    /// A gateway with a college, an interface and an announcement list, the register imported; the secretariat
    /// is configured and, unless `trusted` is false, a trusted authserv-id.
    func makeGateway(nonMember: NonMemberAction = .reject, trusted: Bool = true) throws -> (Gateway, MemberDirectory, URL) {
        func list(_ id: String, _ kind: ListKind, _ college: College?) -> ListConfig {
            IngestTestGateway.list(id, kind, college, nonMember: nonMember)
        }
        let (gateway, dir) = try IngestTestGateway.make(
            prefix: "mg-announce",
            lists: [list("college-research", .college, .research), list("interface-knowledge", .interface, nil),
                    list("announce", .announce, nil)],
            trustedAuthservID: trusted ? Self.authserv : nil, secretariat: [Self.secretariat])
        let config = gateway.config
        let directory = MemberDirectory(writer: gateway.database.pool, lists: config.lists)
        _ = try directory.importRegister(try PartnerRegister(csv: Array(Self.csv.utf8)))
        return (gateway, directory, dir)
    }

    /// An Authentication-Results field of the trusted server saying DMARC pass for `domain`, above a Received.
    static func authenticated(_ domain: String) -> [String] {
        ["Authentication-Results: \(authserv); dkim=pass header.d=\(domain); dmarc=pass header.from=\(domain)",
         "Received: from mail.\(domain) by \(authserv); Wed, 25 Nov 2026 10:00:01 +0100"]
    }

    func process(_ gateway: Gateway, list: String, _ raw: [UInt8], now: Date = Date()) throws -> IngestOutcome {
        let config = try #require(gateway.config.list(id: list))
        return try gateway.database.pool.write { db in
            try gateway.pipeline.process(db, list: config, raw: raw, fallbackDate: nil, source: .import, now: now,
                                         logger: logger)
        }
    }

    struct Copy: Equatable { var list: String; var recipient: String; var purpose: String }

    func outbox(_ gateway: Gateway) throws -> [Copy] {
        try gateway.database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT list_id, recipient, purpose FROM outbox ORDER BY id").map {
                Copy(list: $0["list_id"], recipient: $0["recipient"], purpose: $0["purpose"])
            }
        }
    }

    /// The full text of the first outbox copy to `recipient` with `purpose`.
    func text(_ gateway: Gateway, to recipient: String, purpose: String, list: String? = nil) throws -> String {
        let bytes = try gateway.database.pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT o.header_prefix, b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id
                WHERE o.recipient = ? AND o.purpose = ? AND (?3 IS NULL OR o.list_id = ?3) ORDER BY o.id LIMIT 1
                """, arguments: [recipient, purpose, list]).map { (row: Row) -> Data in
                    (row["header_prefix"] as Data) + (row["bytes"] as Data)
                }
        }
        return String(decoding: try #require(bytes), as: UTF8.self)
    }

    @Test("everyone in the register is a member of announce (origin register); nomail sticks across re-imports")
    func audience() throws {
        let (gateway, directory, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let members = try directory.members(listID: "announce")
        #expect(members.map(\.address).sorted() == ["amelie@ird.example", "ana@individual.example",
                                                    "helene@inrae.example", "jose@cirad.example",
                                                    "olivia@soilfund.example"])
        #expect(members.allSatisfy { $0.origin == .register && $0.role == .member && $0.delivery == .immediate })
        try directory.setMember(listID: "announce", address: "olivia@soilfund.example", delivery: DeliveryMode.none)
        let summary = try directory.importRegister(try PartnerRegister(csv: Array(Self.csv.utf8)))
        #expect(summary.membershipsAdded == 0 && summary.membershipsRemoved == 0)
        let olivia = try directory.members(listID: "announce").first { $0.address == "olivia@soilfund.example" }
        #expect(olivia?.delivery == DeliveryMode.none, "her opt-out survives the re-import")
        // The interface stays opt-in.
        #expect(try directory.members(listID: "interface-knowledge").isEmpty)
        _ = gateway
    }

    @Test("the secretariat's authenticated post reaches every member but nomail, digest members at once; List-Post: NO, Reply-To the secretariat")
    func secretariatPost() throws {
        let (gateway, directory, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        try directory.setMember(listID: "announce", address: "olivia@soilfund.example", delivery: DeliveryMode.none)
        try directory.setMember(listID: "announce", address: "jose@cirad.example", delivery: .digest)
        let outcome = try process(gateway, list: "announce", TestMail.message(
            id: "a1@4p1000.example", from: "Secrétariat <\(Self.secretariat)>", to: "announce@lists.example.org",
            subject: "Assemblée générale", extraHeaders: ["Reply-To: <someone-else@4p1000.example>"]
                + Self.authenticated("4p1000.example")))
        guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.action == .accept)
        let posts = try outbox(gateway).filter { $0.purpose == "post" }
        #expect(posts.map(\.recipient).sorted() == ["amelie@ird.example", "ana@individual.example",
                                                    "helene@inrae.example", "jose@cirad.example"])
        let digest = try gateway.database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM digest_entries") }
        #expect(digest == 1, "a digest member's next digest lists it \"sent separately\"")
        let copy = try text(gateway, to: "jose@cirad.example", purpose: "post")
        #expect(copy.contains("\r\nList-Post: NO\r\n"))
        #expect(!copy.contains("List-Post: <mailto:"))
        #expect(copy.contains("\r\nReply-To: <\(Self.secretariat)>\r\n"))
        #expect(!copy.contains("someone-else@4p1000.example"), "the author's Reply-To is replaced")
        // An ordinary list keeps its mailto.
        try directory.addMember(listID: "interface-knowledge", address: "amelie@ird.example")
        _ = try process(gateway, list: "interface-knowledge", TestMail.message(
            id: "i1@inrae.example", to: "interface-knowledge@lists.example.org", subject: "Sols",
            extraHeaders: Self.authenticated("inrae.example")))
        let ordinary = try text(gateway, to: "amelie@ird.example", purpose: "post", list: "interface-knowledge")
        #expect(ordinary.contains("List-Post: <mailto:interface-knowledge@lists.example.org>"))
    }

    @Test("a forged From of the secretariat (no aligned pass) is held for the poster's confirmation and reaches no member")
    func forgedSecretariat() throws {
        let (gateway, _, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A forged Authentication-Results below the Received is not the border MTA's: ignored.
        let outcome = try process(gateway, list: "announce", TestMail.message(
            id: "f1@evil.example", from: "Secrétariat <\(Self.secretariat)>", to: "announce@lists.example.org",
            subject: "Urgent: update your bank details",
            extraHeaders: ["Received: from evil.example by \(Self.authserv)",
                           "Authentication-Results: \(Self.authserv); dmarc=pass header.from=4p1000.example"]))
        guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.action == .hold && decision.reason == .awaitingPosterConfirmation)
        #expect(try outbox(gateway).filter { $0.purpose == "post" }.isEmpty)
        // AN-2: the only mail is the preview to the real secretariat mailbox, which the forger does not read.
        #expect(try outbox(gateway) == [Copy(list: "announce", recipient: Self.secretariat,
                                             purpose: "notice:poster-preview")])
    }

    @Test("a partner writing to announce: not distributed, one not-an-announcer notice naming the secretariat")
    func partnerGetsNotice() throws {
        let (gateway, _, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in 1...2 {
            let outcome = try process(gateway, list: "announce", TestMail.message(
                id: "h\(n)@inrae.example", to: "announce@lists.example.org", subject: "Re: Assemblée \(n)",
                extraHeaders: Self.authenticated("inrae.example")))
            guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
            #expect(decision.action == .reject)
        }
        #expect(try outbox(gateway) == [Copy(list: "announce", recipient: "helene@inrae.example",
                                             purpose: "notice:not-an-announcer")], "one notice a day, no post")
        // The body is quoted-printable: join its soft line breaks.
        let notice = try text(gateway, to: "helene@inrae.example", purpose: "notice:not-an-announcer")
            .replacingOccurrences(of: "=\r\n", with: "")
        #expect(notice.contains("crivez =C3=A0 \(Self.secretariat)."), "where to write instead, in her language (fr)")
        #expect(notice.contains("uniquement =C3=A0 envoyer les annonces"))
    }

    @Test("an unknown sender to announce is handled as its non_member_action says")
    func nonMember() throws {
        let (gateway, _, dir) = try makeGateway(nonMember: .discard)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try process(gateway, list: "announce", TestMail.message(
            id: "s1@elsewhere.example", from: "Stranger <someone@elsewhere.example>", to: "announce@lists.example.org",
            subject: "Offer", extraHeaders: Self.authenticated("elsewhere.example")))
        guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.action == .discard && decision.reason == .nonMember)
        #expect(try outbox(gateway).isEmpty)
    }

    @Test("a moderator of announce may post to it")
    func moderatorPosts() throws {
        let (gateway, directory, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        try directory.setMember(listID: "announce", address: "amelie@ird.example", role: .moderator)
        let outcome = try process(gateway, list: "announce", TestMail.message(
            id: "m1@ird.example", from: "Amélie <amelie@ird.example>", to: "announce@lists.example.org",
            subject: "Webinaire", extraHeaders: Self.authenticated("ird.example")))
        guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.action == .accept)
        #expect(try outbox(gateway).filter { $0.purpose == "post" }.count == 5,
                "every member, the author too (own posts are on by default)")
    }

    @Test("a post sent to two lists gives a common member one copy, also when the second list accepts it hours later")
    func oneCopyAcrossLists() throws {
        let (gateway, directory, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        try directory.addMember(listID: "interface-knowledge", address: "helene@inrae.example")
        try directory.addMember(listID: "interface-knowledge", address: "olivia@soilfund.example")
        let raw = TestMail.message(
            id: "x1@ird.example", from: "Amélie <amelie@ird.example>",
            to: "college-research@lists.example.org, interface-knowledge@lists.example.org", subject: "Cross",
            extraHeaders: Self.authenticated("ird.example"))
        let start = Date()
        _ = try process(gateway, list: "college-research", raw, now: start)
        #expect(try outbox(gateway).map(\.recipient).sorted()
            == ["amelie@ird.example", "helene@inrae.example", "jose@cirad.example"], "the author Amélie too")
        // Hélène's copy has been sent by the time the interface's mailbox brings the same message, 3 hours later.
        try gateway.database.pool.write { db in
            try db.execute(sql: "UPDATE outbox SET status = 'sent', sent_at = ? WHERE recipient = 'helene@inrae.example'",
                           arguments: [start])
        }
        _ = try process(gateway, list: "interface-knowledge", raw, now: start.addingTimeInterval(3 * 3600))
        let copies = try outbox(gateway)
        #expect(copies.filter { $0.recipient == "helene@inrae.example" }.count == 1, "one copy for Hélène")
        #expect(copies.filter { $0.list == "interface-knowledge" }.map(\.recipient) == ["olivia@soilfund.example"])
        // A different message to the same two lists still reaches her on both.
        _ = try process(gateway, list: "interface-knowledge", TestMail.message(
            id: "x2@ird.example", from: "Amélie <amelie@ird.example>", to: "interface-knowledge@lists.example.org",
            subject: "Other", extraHeaders: Self.authenticated("ird.example")))
        #expect(try outbox(gateway).filter { $0.recipient == "helene@inrae.example" }.count == 2)
    }

    @Test("an announcement also sent to a college list: each person gets one copy")
    func announcementAndCollege() throws {
        let (gateway, directory, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        try directory.setMember(listID: "announce", address: "amelie@ird.example", role: .moderator)
        let raw = TestMail.message(
            id: "ac1@ird.example", from: "Amélie <amelie@ird.example>",
            to: "announce@lists.example.org, college-research@lists.example.org", subject: "AG",
            extraHeaders: Self.authenticated("ird.example"))
        _ = try process(gateway, list: "announce", raw)
        _ = try process(gateway, list: "college-research", raw)
        let posts = try outbox(gateway).filter { $0.purpose == "post" }
        // Amélie, the author, gets her own copy too (own posts on by default), once.
        #expect(posts.map(\.recipient).sorted() == ["amelie@ird.example", "ana@individual.example", "helene@inrae.example",
                                                    "jose@cirad.example", "olivia@soilfund.example"])
        #expect(posts.allSatisfy { $0.list == "announce" }, "the college's members had it from announce")
    }

    @Test("members in notices, summary and every digest format get announcements at once; only nomail does not")
    func everyModeButNone() throws {
        let (gateway, directory, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        try directory.setMember(listID: "announce", address: "ana@individual.example", delivery: .notices)
        try directory.setMember(listID: "announce", address: "jose@cirad.example", delivery: .summary)
        try directory.setMember(listID: "announce", address: "helene@inrae.example", delivery: .digestMIME)
        try directory.setMember(listID: "announce", address: "amelie@ird.example", delivery: .digestPlain)
        try directory.setMember(listID: "announce", address: "olivia@soilfund.example", delivery: DeliveryMode.none)
        _ = try process(gateway, list: "announce", TestMail.message(
            id: "n1@4p1000.example", from: "Secrétariat <\(Self.secretariat)>", to: "announce@lists.example.org",
            subject: "Appel", extraHeaders: Self.authenticated("4p1000.example")))
        #expect(try outbox(gateway).filter { $0.purpose == "post" }.map(\.recipient).sorted()
                == ["amelie@ird.example", "ana@individual.example", "helene@inrae.example", "jose@cirad.example"])
        let digest = try gateway.database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM digest_entries") }
        #expect(digest == 1)
    }
}
