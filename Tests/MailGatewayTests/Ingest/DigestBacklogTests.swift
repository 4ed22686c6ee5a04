import Foundation
import GRDB
import Logging
import Testing
@testable import MailGateway
import TestSupport

@Suite("Digest backlog: what the ingest records for the digest")
struct DigestBacklogTests {
    @Test("accepted posts of a list with digest members are recorded as due in its next digest, once")
    func backlog() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mg-digest-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = ListConfig(id: "college-research", kind: .college, college: .research,
                              name: LocalizedName(fr: "Recherche", en: "Research"), address: "college-research@lists.example.org",
                              language: .fr, mailbox: MailboxConfig(user: "r", passwordEnv: "X"))
        let config = GatewayConfig(platformName: "4p1000", database: dir.appendingPathComponent("a.sqlite").path,
                                   imap: ServerConfig(host: "h", port: 1, tls: .none), smtp: ServerConfig(host: "h", port: 1, tls: .none),
                                   templatesDirectory: Corpora.repositoryRoot.appendingPathComponent("templates").path, lists: [list])
        let gateway = try Gateway(config: config, environment: [:])
        let directory = MemberDirectory(writer: gateway.database.pool, lists: [list])
        _ = try directory.importRegister(try PartnerRegister(csv: Array("""
            organisation,country,college,funder,person,email,language
            INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr
            CIRAD,France,research,no,José Martínez,jose@cirad.example,es
            """.utf8)))
        _ = try directory.setMember(listID: list.id, address: "jose@cirad.example", delivery: .digest)
        let posts = [
            TestMail.message(id: "a@inrae.example", from: "Hélène <helene@inrae.example>", subject: "Protocole"),
            TestMail.message(id: "b@inrae.example", from: "Hélène <helene@inrae.example>", subject: "Autre sujet"),
            TestMail.message(id: "c@cirad.example", from: "José <jose@cirad.example>", subject: "Re: Protocole",
                             inReplyTo: "a@inrae.example", references: ["a@inrae.example"]),
            TestMail.message(id: "d@nowhere.example", from: "Stranger <x@nowhere.example>", subject: "Spam"),
        ]
        try gateway.database.pool.write { db in
            for raw in posts {
                _ = try gateway.pipeline.process(db, list: list, raw: raw, fallbackDate: nil, source: .import,
                                                 logger: { var l = Logger(label: "test"); l.logLevel = .warning; return l }())
            }
        }
        let due = try gateway.database.pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT m.message_id FROM digest_entries d JOIN messages m ON m.id = d.message_row_id
                WHERE d.list_id = ? ORDER BY m.id
                """, arguments: [list.id])
        }
        #expect(due == ["a@inrae.example", "b@inrae.example", "c@cirad.example"], "the rejected stranger is not due")
    }
}
