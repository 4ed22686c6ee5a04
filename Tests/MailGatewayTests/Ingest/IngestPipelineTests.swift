import Foundation
import GRDB
import Logging
import Testing
@testable import MailGateway
import TestSupport

/// The ingest pipeline on a real SQLite file: what one message causes, in one transaction.
@Suite("Ingest pipeline")
struct IngestPipelineTests {
    let logger: Logger = {
        var logger = Logger(label: "mailgateway.tests.ingest")
        logger.logLevel = .warning
        return logger
    }()

    /// A gateway over a temporary database, three lists, the repository's templates, a moderation key.
    func makeGateway(nonMember: NonMemberAction = .reject) throws -> (Gateway, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mg-ingest-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func list(_ id: String, _ kind: ListKind, _ college: College?) -> ListConfig {
            ListConfig(id: id, kind: kind, college: college, name: LocalizedName(fr: id, en: id, es: id),
                       address: "\(id)@lists.example.org", language: .fr, subjectPrefix: "[\(id)]",
                       mailbox: MailboxConfig(user: id, passwordEnv: "X"), nonMemberAction: nonMember)
        }
        let config = GatewayConfig(
            platformName: "Initiative 4 pour 1000", database: dir.appendingPathComponent("a.sqlite").path,
            imap: ServerConfig(host: "127.0.0.1", port: 1, tls: .none), smtp: ServerConfig(host: "127.0.0.1", port: 1, tls: .none),
            templatesDirectory: Corpora.repositoryRoot.appendingPathComponent("templates").path,
            lists: [list("college-research", .college, .research), list("interface-knowledge", .interface, nil)])
        let gateway = try Gateway(config: config, environment: ["MAILGATEWAY_MODERATION_KEY": String(repeating: "k", count: 40)])
        let csv = """
            organisation,country,college,funder,person,email,language
            INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr
            INRAE,France,research,no,Hélène Dubois,h.dubois@inrae.example,fr
            CIRAD,France,research,no,José Martínez,jose@cirad.example,es
            IRD,France,research,no,Amélie Nguyen,amelie@ird.example,fr
            Soil Fund,United Kingdom,private,yes,Olivia Bennett,olivia@soilfund.example,en
            """
        let directory = MemberDirectory(writer: gateway.database.pool, lists: config.lists)
        _ = try directory.importRegister(try PartnerRegister(csv: Array(csv.utf8)))
        _ = try directory.setMember(listID: "college-research", address: "jose@cirad.example", delivery: .digest)
        _ = try directory.setMember(listID: "college-research", address: "amelie@ird.example", role: .moderator)
        return (gateway, dir)
    }

    func process(_ gateway: Gateway, list: String, _ raw: [UInt8]) throws -> IngestOutcome {
        let config = try #require(gateway.config.list(id: list))
        return try gateway.database.pool.write { db in
            try gateway.pipeline.process(db, list: config, raw: raw, fallbackDate: nil, source: .import, logger: logger)
        }
    }

    struct Row: Equatable { var recipient: String; var purpose: String; var envelope: String }

    func outbox(_ gateway: Gateway) throws -> [Row] {
        try gateway.database.pool.read { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT recipient, purpose, envelope_from FROM outbox ORDER BY id").map {
                Row(recipient: $0["recipient"], purpose: $0["purpose"], envelope: $0["envelope_from"])
            }
        }
    }

    @Test("an accepted post: one VERP copy per immediate member, none to the author (any of their addresses), a digest entry")
    func accepted() throws {
        let (gateway, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Hélène writes from her second address: still herself, still no copy for her.
        let outcome = try process(gateway, list: "college-research",
                                  TestMail.message(id: "p1@inrae.example", from: "Hélène <h.dubois@inrae.example>",
                                                   to: "college-research@lists.example.org", subject: "Protocole"))
        guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.action == .accept && decision.rule == "sender-identity")
        #expect(try outbox(gateway) == [
            Row(recipient: "amelie@ird.example", purpose: "post",
                envelope: "college-research-bounces+amelie=ird.example@lists.example.org"),
        ])
        let digest = try gateway.database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM digest_entries") }
        #expect(digest == 1, "José reads the list as a digest")
        // The same message again (a re-fetch): nothing more.
        #expect(try process(gateway, list: "college-research", TestMail.message(
            id: "p1@inrae.example", from: "Hélène <h.dubois@inrae.example>", subject: "Protocole")) == .duplicate(existingRowID: 1))
        #expect(try outbox(gateway).count == 1)
    }

    @Test("a partner of another college is rejected with one notice naming the lists they may post to, from the null sender")
    func notEntitled() throws {
        let (gateway, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in 1...2 {
            _ = try process(gateway, list: "college-research", TestMail.message(
                id: "o\(n)@soilfund.example", from: "Olivia Bennett <olivia@soilfund.example>", subject: "Funding \(n)"))
        }
        let rows = try outbox(gateway)
        #expect(rows == [Row(recipient: "olivia@soilfund.example", purpose: "notice:not-entitled", envelope: "")],
                "one notice per day per reason, from <>")
        let bytes = try gateway.database.pool.read { db in
            try Data.fetchOne(db, sql: "SELECT b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id")
        }
        let text = String(decoding: try #require(bytes), as: UTF8.self)
        #expect(text.contains("Auto-Submitted: auto-replied"))
        #expect(text.contains("In-Reply-To: <o1@soilfund.example>"))
        #expect(text.contains("interface-knowledge@lists.example.org"), "names the interface she may post to")
    }

    @Test("a held post: the hold, the author told, each moderator asked with a token; approving delivers it like an accepted one")
    func heldThenApproved() throws {
        let (gateway, dir) = try makeGateway(nonMember: .hold)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try process(gateway, list: "college-research", TestMail.message(
            id: "x1@elsewhere.example", from: "Stranger <someone@elsewhere.example>", subject: "Question"))
        guard case .archived(let row, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.action == .hold)
        #expect(try outbox(gateway).map(\.purpose).sorted() == ["notice:held-for-moderation", "notice:moderation-request"])
        #expect(try outbox(gateway).first { $0.purpose == "notice:moderation-request" }?.recipient == "amelie@ird.example")
        let hold = try #require(try gateway.database.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM holds WHERE message_id = ?", arguments: [row])
        })
        let decided = try gateway.decideHold(hold, action: .approve, reason: nil, by: "cli:test")
        #expect(decided.action == .approve)
        let posts = try outbox(gateway).filter { $0.purpose == "post" }.map(\.recipient).sorted()
        #expect(posts == ["amelie@ird.example", "helene@inrae.example"], "the moderator gets the post too")
        let status = try gateway.database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT status || ' ' || decision_rule FROM messages WHERE id = ?", arguments: [row])
        }
        #expect(status == "accepted moderator-approved")
        #expect(throws: ModerationError.self) { try gateway.decideHold(hold, action: .approve, reason: nil, by: "cli:test") }
    }

    @Test("the review's token message (l14.eml) (expiry 2^63-1) on a list with hold 1: no trap, read as no token, approves nothing")
    func outOfRangeTokenIsNoToken() throws {
        let (gateway, dir) = try makeGateway(nonMember: .hold)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Hold 1: a stranger's post, held.
        _ = try process(gateway, list: "college-research", TestMail.message(
            id: "h1@elsewhere.example", from: "Stranger <someone@elsewhere.example>", subject: "Question"))
        func holdStatus() throws -> String? {
            try gateway.database.pool.read { db in try String.fetchOne(db, sql: "SELECT status FROM holds WHERE id = 1") }
        }
        #expect(try holdStatus() == "pending")
        let raw = Array("""
            From: anyone@evil.example
            To: college-research@lists.4p1000.org
            Subject: MOD-1-9223372036854775807-0123456789abcdef0123456789abcdef
            Message-ID: <l14@evil.example>
            Date: Sat, 05 Dec 2026 07:50:00 +0000

            approve

            """.utf8)
        let outcome = try process(gateway, list: "college-research", raw)
        guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.rule != "moderator-reply", "an ordinary post from a stranger, not a moderator command")
        #expect(try holdStatus() == "pending")
        let posts = try outbox(gateway).filter { $0.purpose == "post" }
        #expect(posts.isEmpty, "nothing approved, nothing distributed")
    }

    @Test("30,000 nested message/rfc822 parts (0.9 MB): quarantined raw with the reason, no crash, nothing else done")
    func deepMIMEIsQuarantined() throws {
        let (gateway, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = "From: Hélène <helene@inrae.example>\r\nSubject: bomb\r\nMessage-ID: <bomb@inrae.example>\r\n"
        text += String(repeating: "Content-Type: message/rfc822\r\n\r\n", count: 30_000) + "x\r\n"
        let raw = Array(text.utf8)
        let outcome = try process(gateway, list: "college-research", raw)
        guard case .quarantined(let id, let reason) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason.contains("MIME structure may nest"))
        let entries = try gateway.database.pool.read { db in try ArchiveQueries.quarantine(db, list: "college-research") }
        #expect(entries.map(\.id) == [id])
        #expect(entries.first?.error == reason && entries.first?.rawStored == true && entries.first?.size == raw.count)
        #expect(try outbox(gateway).isEmpty)
    }

    @Test("loops and auto-replies are archived as discarded and answered by nobody")
    func loopsAndAutoReplies() throws {
        let (gateway, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let loop = TestMail.message(id: "l1@inrae.example", from: "Hélène <helene@inrae.example>", subject: "Loop",
                                    extraHeaders: ["List-Id: <college-research.lists.example.org>"])
        let auto = TestMail.message(id: "a1@elsewhere.example", from: "Someone <someone@elsewhere.example>",
                                    subject: "Absence", extraHeaders: ["Auto-Submitted: auto-replied"])
        for raw in [loop, auto] {
            guard case .archived(_, _, let decision) = try process(gateway, list: "college-research", raw) else {
                Issue.record("not archived"); continue
            }
            #expect(decision.action == .discard)
        }
        #expect(try outbox(gateway).isEmpty)
    }
}
