import Digest
import Foundation
import GRDB
import Logging
import Testing
@testable import MailGateway
import TestSupport

@Suite("Digest run")
struct DigestRunTests {
    static func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    /// A list with an author, three digest readers in three time zones (one weekly), an immediate and a nomail
    /// member; posts a and b on 2 March, c (a reply to a) on 3 March, at 10:00 UTC.
    struct World {
        var gateway: Gateway
        var list: ListConfig
        var dir: URL
        var run: DigestRun

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("mg-digestrun-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            list = ListConfig(id: "college-research", kind: .college, college: .research,
                              name: LocalizedName(fr: "Recherche", en: "Research"),
                              address: "college-research@lists.example.org", language: .fr,
                              mailbox: MailboxConfig(user: "r", passwordEnv: "X"))
            let config = GatewayConfig(platformName: "4p1000", database: dir.appendingPathComponent("a.sqlite").path,
                                       imap: ServerConfig(host: "h", port: 1, tls: .none),
                                       smtp: ServerConfig(host: "h", port: 1, tls: .none),
                                       templatesDirectory: Corpora.repositoryRoot.appendingPathComponent("templates").path,
                                       lists: [list])
            gateway = try Gateway(config: config, environment: [:])
            run = DigestRun(config: config, renderer: PlainDigestRenderer())
            let directory = MemberDirectory(writer: gateway.database.pool, lists: [list])
            _ = try directory.importRegister(try PartnerRegister(csv: Array("""
                organisation,country,college,funder,person,email,language
                INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr
                KALRO,Kenya,research,no,Wanjiru Kamau,wanjiru@kalro.example,en
                INIA,Peru,research,no,Rosa Quispe,rosa@inia.example,es
                CNRS,France,research,no,Paul Martin,paul@cnrs.example,fr
                IRD,France,research,no,Amélie Roux,amelie@ird.example,fr
                CIRAD,France,research,no,José Martínez,jose@cirad.example,es
                """.utf8)))
            try directory.setMember(listID: list.id, address: "wanjiru@kalro.example", delivery: .digest)
            try directory.setTimeZone(address: "wanjiru@kalro.example", timeZone: "Africa/Nairobi")
            try directory.setMember(listID: list.id, address: "rosa@inia.example", delivery: .digestPlain)
            try directory.setTimeZone(address: "rosa@inia.example", timeZone: "America/Lima")
            try directory.setMember(listID: list.id, address: "paul@cnrs.example", delivery: .summary)
            try directory.setTimeZone(address: "paul@cnrs.example", timeZone: "Europe/Paris")
            try directory.setDigestSchedule(listID: list.id, address: "paul@cnrs.example", weekday: 3)
            try directory.setMember(listID: list.id, address: "jose@cirad.example", delivery: DeliveryMode(word: "nomail"))
        }

        func post(_ id: String, subject: String, at: String, replyTo: String? = nil) throws {
            var logger = Logger(label: "test")
            logger.logLevel = .warning
            let raw = TestMail.message(id: id, from: "Hélène <helene@inrae.example>", subject: subject,
                                       inReplyTo: replyTo, references: replyTo.map { [$0] } ?? [])
            try gateway.database.pool.write { db in
                _ = try gateway.pipeline.process(db, list: list, raw: raw, fallbackDate: nil, source: .import,
                                                 now: DigestRunTests.utc(at), logger: logger)
            }
        }

        /// Each digest copy: recipient, the Message-IDs its message lists, the outbox row's message.
        func digests() throws -> [Digest] {
            try gateway.database.pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT o.recipient, o.purpose, m.message_id AS last, b.bytes
                    FROM outbox o JOIN outbox_body b ON b.id = o.body_id JOIN messages m ON m.id = o.message_id
                    WHERE o.purpose LIKE 'digest:%' ORDER BY o.id
                    """).map { row in
                    let text = String(decoding: (row["bytes"] as Data), as: UTF8.self)
                    let ids = text.components(separatedBy: "\r\n").filter { $0.hasPrefix("- <") }.map {
                        String($0.dropFirst(3).prefix { $0 != ">" })
                    }
                    return Digest(recipient: row["recipient"], ids: ids, last: row["last"])
                }
            }
        }
    }

    struct Digest: Equatable, CustomStringConvertible {
        var recipient: String
        var ids: [String]
        var last: String
        var description: String { "\(recipient) \(ids)" }
    }

    @Test("members in three time zones each get their issues once, with exactly the posts of their period")
    func threeZones() throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(at: world.dir) }
        try world.post("a@inrae.example", subject: "Protocole", at: "2026-03-02T10:00:00Z")
        try world.post("b@inrae.example", subject: "Autre sujet", at: "2026-03-02T10:00:00Z")
        let pool = world.gateway.database.pool
        // 11:00 UTC: Nairobi's 07:00 (04:00 UTC) came before any post, Lima's 07:00 is at 12:00 UTC.
        var report = try world.run.run(pool, at: Self.utc("2026-03-02T11:00:00Z"))
        #expect(report.issues == 0)
        #expect(try world.digests().isEmpty, "a period without posts sends nothing")
        #expect(try pool.read { db in try DigestIssueRecord.issues(db) }.isEmpty, "... and records nothing")
        report = try world.run.run(pool, at: Self.utc("2026-03-02T12:30:00Z"))
        #expect(report.issues == 1)
        #expect(try world.digests() == [Digest(recipient: "rosa@inia.example", ids: ["a@inrae.example", "b@inrae.example"],
                                               last: "b@inrae.example")])
        try world.post("c@inrae.example", subject: "Re: Protocole", at: "2026-03-03T10:00:00Z", replyTo: "a@inrae.example")
        for at in ["2026-03-03T04:30:00Z", "2026-03-03T12:30:00Z", "2026-03-04T05:00:00Z", "2026-03-04T06:30:00Z"] {
            try world.run.run(pool, at: Self.utc(at))
        }
        let expected = [
            Digest(recipient: "rosa@inia.example", ids: ["a@inrae.example", "b@inrae.example"], last: "b@inrae.example"),
            Digest(recipient: "wanjiru@kalro.example", ids: ["a@inrae.example", "b@inrae.example"], last: "b@inrae.example"),
            Digest(recipient: "rosa@inia.example", ids: ["c@inrae.example"], last: "c@inrae.example"),
            Digest(recipient: "wanjiru@kalro.example", ids: ["c@inrae.example"], last: "c@inrae.example"),
            // Weekly on Wednesday 07:00 Paris (06:00 UTC): the three posts, threaded (a and its reply c first).
            Digest(recipient: "paul@cnrs.example", ids: ["a@inrae.example", "c@inrae.example", "b@inrae.example"],
                   last: "c@inrae.example"),
        ]
        #expect(try world.digests() == expected)
        let issues = try pool.read { db in try DigestIssueRecord.issues(db) }
        #expect(issues.map(\.number) == [1, 1, 2, 2, 1])
        #expect(issues.map(\.format) == ["digest-plain", "digest", "digest-plain", "digest", "summary"])
        // Again, at every instant, by a second run: nothing new.
        let second = DigestRun(config: world.gateway.config, renderer: PlainDigestRenderer())
        for at in ["2026-03-02T12:30:00Z", "2026-03-03T12:30:00Z", "2026-03-04T06:30:00Z"] {
            #expect(try second.run(pool, at: Self.utc(at)).issues == 0)
        }
        #expect(try world.digests() == expected)
    }

    @Test("a run after days down sends one issue per member with everything since the last")
    func catchUp() throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(at: world.dir) }
        let pool = world.gateway.database.pool
        try world.post("a@inrae.example", subject: "Protocole", at: "2026-03-02T10:00:00Z")
        try world.run.run(pool, at: Self.utc("2026-03-02T12:30:00Z"))
        try world.post("b@inrae.example", subject: "Autre", at: "2026-03-03T10:00:00Z")
        try world.post("c@inrae.example", subject: "Encore", at: "2026-03-05T10:00:00Z")
        try world.run.run(pool, at: Self.utc("2026-03-06T13:00:00Z"))
        let rosa = try world.digests().filter { $0.recipient == "rosa@inia.example" }.map(\.ids)
        #expect(rosa == [["a@inrae.example"], ["b@inrae.example", "c@inrae.example"]])
    }

    @Test("preview records nothing; leaving the digest sends what was pending first")
    func previewAndFlush() throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(at: world.dir) }
        let pool = world.gateway.database.pool
        try world.post("a@inrae.example", subject: "Protocole", at: "2026-03-02T10:00:00Z")
        let directory = MemberDirectory(writer: pool, lists: [world.list])
        let rosa = try #require(try directory.personID(address: "rosa@inia.example"))
        let preview = try #require(try pool.read { db in
            try world.run.preview(db, list: world.list, person: rosa, at: Self.utc("2026-03-02T11:00:00Z"))
        })
        #expect(String(decoding: preview[0], as: UTF8.self).contains("- <a@inrae.example>"))
        #expect(try world.digests().isEmpty)
        // Leaving the digest records what is owed; the next run sends it, before any schedule is due.
        try directory.setMember(listID: world.list.id, address: "rosa@inia.example", delivery: .immediate,
                                now: Self.utc("2026-03-02T11:00:00Z"))
        #expect(try world.digests().isEmpty)
        #expect(try world.run.run(pool, at: Self.utc("2026-03-02T11:00:00Z")).copies == 1)
        #expect(try world.digests().map(\.recipient) == ["rosa@inia.example"])
        try world.run.run(pool, at: Self.utc("2026-03-03T13:00:00Z"))
        #expect(try world.digests().map(\.recipient).sorted() == ["rosa@inia.example", "wanjiru@kalro.example"],
                "no issue for Rosa once she left the digest")
    }
}
