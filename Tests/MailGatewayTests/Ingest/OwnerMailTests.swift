import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// Mail to `list+owner@` (and `list-owner@`) that is not a moderator's reply: forwarded to the list's
/// moderators through the outbox, the original attached, Reply-To its author; never to the members.
@Suite("Owner mail")
struct OwnerMailTests {
    let base = IngestPipelineTests()

    func forwards(_ gateway: Gateway) throws -> [(String, ParsedMessage, String)] {
        try gateway.database.pool.read { db in
            try GRDB.Row.fetchAll(db, sql: """
                SELECT o.recipient, b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id
                WHERE o.purpose = 'notice:owner-mail' ORDER BY o.id
                """).map {
                let bytes: Data = $0["bytes"]
                return ($0["recipient"], try MessageParser.parse([UInt8](bytes)), String(decoding: bytes, as: UTF8.self))
            }
        }
    }

    func question(_ n: Int, to: String = "college-research+owner@lists.example.org", from: String = "Un Inconnu <someone@elsewhere.example>",
                  extraHeaders: [String] = []) -> [UInt8] {
        TestMail.message(id: "q\(n)@elsewhere.example", from: from, to: to, subject: "Comment adhérer ?",
                         body: "Bonjour,\r\ncomment notre institut peut-il rejoindre la liste ?\r\n", extraHeaders: extraHeaders)
    }

    @Test("a question to the owners reaches the moderators (From +owner, Reply-To the writer, original attached), never the members")
    func forwardedToModerators() throws {
        let (gateway, dir) = try base.makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try base.process(gateway, list: "college-research", question(1))
        guard case .routed(let row, "owner", "forwarded to 1") = outcome else { Issue.record("\(outcome)"); return }
        #expect(try base.outbox(gateway).filter { $0.purpose == "post" }.isEmpty, "nothing to the members")
        let all = try forwards(gateway)
        try #require(all.count == 1)
        let (recipient, forward, text) = all[0]
        #expect(recipient == "amelie@ird.example")
        #expect(forward.from.first?.address == "college-research+owner@lists.example.org")
        #expect(forward.replyTo.map(\.address) == ["someone@elsewhere.example"])
        #expect(forward.subject == "[college-research] Écrit aux responsables de la liste par Un Inconnu\u{00A0}: Comment adhérer ?")
        #expect(forward.header("Auto-Submitted") == "auto-generated")
        #expect(text.contains("Content-Type: message/rfc822"))
        #expect(text.contains("comment notre institut peut-il rejoindre la liste ?"), "the original, attached")
        #expect(try base.outbox(gateway).first { $0.purpose == "notice:owner-mail" }?.envelope == "", "null sender")
        let status = try gateway.database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT status || ' ' || decision_rule FROM messages WHERE id = ?", arguments: [row])
        }
        #expect(status == "discarded route:owner-forwarded", "kept out of the public views")
    }

    @Test("at most 5 forwards per sender, list and day; the legacy -owner spelling is the same address")
    func dailyLimit() throws {
        let (gateway, dir) = try base.makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(OwnerMailHandler.maxForwardsPerSenderPerDay == 5)
        for n in 1...7 {
            let to = n.isMultiple(of: 2) ? "college-research-owner@lists.example.org" : "college-research+owner@lists.example.org"
            _ = try base.process(gateway, list: "college-research", question(n, to: to))
        }
        #expect(try forwards(gateway).count == 5)
        // Another sender is not held back by the first one.
        _ = try base.process(gateway, list: "college-research", question(8, from: "Autre <other@elsewhere.example>"))
        #expect(try forwards(gateway).count == 6)
    }

    @Test("a list without moderators: the secretariat gets it; auto-replies and loops are kept and forwarded to nobody")
    func secretariatAndSenderChecks() throws {
        let (gateway, dir) = try IngestTestGateway.make(
            prefix: "mg-owner", lists: [IngestTestGateway.list("interface-knowledge", .interface, nil, nonMember: .reject)],
            secretariat: ["secretariat@4p1000.example"])
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try base.process(gateway, list: "interface-knowledge", question(1, to: "interface-knowledge+owner@lists.example.org"))
        let all = try forwards(gateway)
        #expect(all.map(\.0) == ["secretariat@4p1000.example"])
        #expect(all.first?.1.text?.contains("au titre du secrétariat") == true)
        let auto = try base.process(gateway, list: "interface-knowledge", question(
            2, to: "interface-knowledge+owner@lists.example.org", extraHeaders: ["Auto-Submitted: auto-replied"]))
        guard case .routed(_, "owner", let detail) = auto else { Issue.record("\(auto)"); return }
        #expect(detail.hasPrefix("refused"))
        let looped = try base.process(gateway, list: "interface-knowledge", question(
            3, to: "interface-knowledge+owner@lists.example.org", extraHeaders: ["X-Loop: interface-knowledge@lists.example.org"]))
        guard case .routed(_, "owner", let loopDetail) = looped else { Issue.record("\(looped)"); return }
        #expect(loopDetail.hasPrefix("refused"))
        #expect(try forwards(gateway).count == 1)
    }

    @Test("a reply to a notice (From the owner address) reaches the moderators, never the members")
    func replyToANotice() throws {
        let (gateway, dir) = try base.makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try base.process(gateway, list: "college-research", TestMail.message(
            id: "post@elsewhere.example", from: "Un Inconnu <someone@elsewhere.example>", subject: "Offre"))
        let notice = try #require(try gateway.database.pool.read { db in
            try Data.fetchOne(db, sql: """
                SELECT b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id WHERE o.purpose = 'notice:not-a-partner'
                """)
        })
        let parsed = try MessageParser.parse([UInt8](notice))
        let ownerAddress = try #require(parsed.from.first?.address)
        #expect(ownerAddress == "college-research+owner@lists.example.org")
        let outcome = try base.process(gateway, list: "college-research", TestMail.message(
            id: "answer@elsewhere.example", from: "Un Inconnu <someone@elsewhere.example>", to: ownerAddress,
            subject: "Re: " + parsed.subject, inReplyTo: parsed.messageID, body: "Mais je suis chercheur !\r\n"))
        guard case .routed(_, "owner", "forwarded to 1") = outcome else { Issue.record("\(outcome)"); return }
        #expect(try forwards(gateway).map(\.0) == ["amelie@ird.example"])
        #expect(try base.outbox(gateway).filter { $0.purpose == "post" }.isEmpty)
    }
}
