import Foundation
import GRDB
import Logging
import Testing
@testable import MailGateway
import TestSupport

/// CM-11 through the ingest pipeline: a member's "désabonner" to the list reaches no member.
@Suite("Ingest: a command sent to the list")
struct AdministriviaIngestTests {
    let logger = IngestTestGateway.quietLogger("mailgateway.tests.administrivia")

    func makeGateway() throws -> (Gateway, URL) {
        let (gateway, dir) = try IngestTestGateway.make(
            prefix: "mg-admin", lists: [IngestTestGateway.list("college-research", .college, .research, nonMember: .reject)])
        let csv = """
            organisation,country,college,funder,person,email,language
            INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr
            IRD,France,research,no,Amélie Nguyen,amelie@ird.example,fr
            """
        let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
        _ = try directory.importRegister(try PartnerRegister(csv: Array(csv.utf8)))
        _ = try directory.setMember(listID: "college-research", address: "amelie@ird.example", role: .moderator)
        return (gateway, dir)
    }

    func process(_ gateway: Gateway, _ raw: [UInt8]) throws -> IngestOutcome {
        let config = try #require(gateway.config.list(id: "college-research"))
        return try gateway.database.pool.write { db in
            try gateway.pipeline.process(db, list: config, raw: raw, fallbackDate: nil, source: .import, logger: logger)
        }
    }

    func outbox(_ gateway: Gateway) throws -> [(recipient: String, purpose: String, text: String)] {
        try gateway.database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT o.recipient, o.purpose, b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id ORDER BY o.id
                """).map { ($0["recipient"], $0["purpose"], String(decoding: $0["bytes"] as Data, as: UTF8.self)) }
        }
    }

    @Test("\"désabonner\" alone to the list is held, not distributed; the author gets the right addresses, the moderator a request")
    func desabonnerIsHeld() throws {
        let (gateway, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try process(gateway, TestMail.message(id: "u1@inrae.example", subject: "=?UTF-8?Q?d=C3=A9sabonner?=",
                                                            body: "\r\n"))
        guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision == PolicyDecision(action: .hold, rule: "administrivia", reason: .looksLikeACommand,
                                           notice: .looksLikeACommand))
        let rows = try outbox(gateway)
        #expect(!rows.contains { $0.purpose == "post" }, "no member gets it")
        #expect(rows.map(\.purpose).sorted() == ["notice:looks-like-a-command", "notice:moderation-request"])
        let notice = try #require(rows.first { $0.purpose == "notice:looks-like-a-command" })
        #expect(notice.recipient == "helene@inrae.example")
        let text = try #require(try MessageParser.parse(Array(notice.text.utf8)).text)
        #expect(text.contains("college-research+leave@lists.example.org"))
        #expect(text.contains("college-research+help@lists.example.org"))
        #expect(text.contains("college-research+request@lists.example.org"))
    }

    @Test("\"Unsubscribe me please\" in a two-line mail is held; a normal post is distributed")
    func englishAndNormal() throws {
        let (gateway, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try process(gateway, TestMail.message(id: "u2@inrae.example", subject: "Mailing list",
                                                  body: "Unsubscribe me please\r\nHélène\r\n"))
        #expect(try outbox(gateway).filter { $0.purpose == "post" }.isEmpty)
        _ = try process(gateway, TestMail.message(id: "u3@inrae.example", subject: "Protocole",
                                                  body: "Bonjour,\r\n\r\nLe protocole est joint.\r\n\r\nSi vous avez besoin d'aide, écrivez-moi.\r\n"))
        // Authors receive their own posts by default (issue 11): Hélène, the author, too.
        #expect(try outbox(gateway).filter { $0.purpose == "post" }.map(\.recipient).sorted()
            == ["amelie@ird.example", "helene@inrae.example"])
    }
}
