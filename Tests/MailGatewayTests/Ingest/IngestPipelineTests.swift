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
    func makeGateway(nonMember: NonMemberAction = .reject, trustedAuthservID: String? = nil) throws -> (Gateway, URL) {
        func list(_ id: String, _ kind: ListKind, _ college: College?) -> ListConfig {
            IngestTestGateway.list(id, kind, college, nonMember: nonMember)
        }
        let (gateway, dir) = try IngestTestGateway.make(
            prefix: "mg-ingest", lists: [list("college-research", .college, .research), list("interface-knowledge", .interface, nil)],
            trustedAuthservID: trustedAuthservID)
        let config = gateway.config
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

    @Test("an accepted post: one VERP copy per immediate member, none to an author who opted out of their own posts (any of their addresses), a digest entry")
    func accepted() throws {
        let (gateway, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Authors receive their own posts by default (issue 11, `ownPostsByDefault` below); Hélène opted out.
        try MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
            .setMember(listID: "college-research", address: "helene@inrae.example", ownPosts: false)
        // Hélène writes from her second address: still herself, still no copy for her.
        let outcome = try process(gateway, list: "college-research",
                                  TestMail.message(id: "p1@inrae.example", from: "Hélène <h.dubois@inrae.example>",
                                                   to: "college-research@lists.example.org", subject: "Protocole"))
        guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.action == .accept && decision.rule == "sender-identity")
        #expect(try outbox(gateway) == [
            Row(recipient: "amelie@ird.example", purpose: "post",
                envelope: BounceEnvelope(listAddress: "college-research@lists.example.org",
                                         key: gateway.pipeline.distributor.bounceKey).address(copyID: 1)),
        ])
        let digest = try gateway.database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM digest_entries") }
        #expect(digest == 1, "José reads the list as a digest")
        // The same message again (a re-fetch): nothing more.
        #expect(try process(gateway, list: "college-research", TestMail.message(
            id: "p1@inrae.example", from: "Hélène <h.dubois@inrae.example>", subject: "Protocole")) == .duplicate(existingRowID: 1))
        #expect(try outbox(gateway).count == 1)
    }

    @Test("by default the author gets their own post, at the address their mail goes to, whichever address they wrote from")
    func ownPostsByDefault() throws {
        let (gateway, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try process(gateway, list: "college-research",
                        TestMail.message(id: "own@inrae.example", from: "Hélène <h.dubois@inrae.example>",
                                         to: "college-research@lists.example.org", subject: "Protocole"))
        #expect(try outbox(gateway).map(\.recipient).sorted() == ["amelie@ird.example", "helene@inrae.example"])
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

    @Test("a held post: the hold, the author told, each moderator asked (Reply-To +confirm.<token>); approving delivers it like an accepted one")
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

    /// The token of the moderation request queued for a hold: its `Reply-To: college-research+confirm.<token>@`
    /// (read before the notice is sent).
    func queuedToken(_ gateway: Gateway) throws -> String {
        let bytes = try gateway.database.pool.read { db in
            try Data.fetchOne(db, sql: """
                SELECT b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id
                WHERE o.purpose = 'notice:moderation-request'
                """)
        }
        let text = String(decoding: try #require(bytes), as: UTF8.self)
        return try #require(ModerationByEmailTests.replyToken(in: text))
    }

    @Test("a forged moderator reply with a valid token and a trusted dmarc=fail approves nothing; the aligned one does")
    func forgedModeratorReply() throws {
        let (gateway, dir) = try makeGateway(nonMember: .hold, trustedAuthservID: "mx.lists.example.org")
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try process(gateway, list: "college-research", TestMail.message(
            id: "spam1@elsewhere.example", from: "Stranger <someone@elsewhere.example>", subject: "Cheap pills",
            extraHeaders: ["Authentication-Results: mx.lists.example.org; spf=pass smtp.mailfrom=someone@elsewhere.example"]))
        guard case .archived(let row, _, let decision) = outcome, decision.action == .hold else {
            Issue.record("\(outcome)"); return
        }
        let token = try queuedToken(gateway)
        let forged = try process(gateway, list: "college-research", TestMail.message(
            id: "forged@ird.example", from: "Amélie Nguyen <amelie@ird.example>", to: "college-research+confirm.\(token)@lists.example.org", subject: "Re: Cheap pills",
            body: "approve\r\n",
            extraHeaders: ["Authentication-Results: mx.lists.example.org; dmarc=fail header.from=ird.example; dkim=none"]))
        guard case .moderatorReply(_, let applied, let detail) = forged else { Issue.record("\(forged)"); return }
        #expect(!applied, "refused: \(detail)")
        #expect(detail.hasPrefix("spoofing"))
        #expect(try outbox(gateway).filter { $0.purpose == "post" }.isEmpty, "nothing delivered")
        let status = try gateway.database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT h.status || ' ' || m.status FROM holds h JOIN messages m ON m.id = h.message_id WHERE m.id = ?",
                                arguments: [row])
        }
        #expect(status == "pending held")
        // An auto-reply carrying the token is refused as well, whatever its authentication.
        let auto = try process(gateway, list: "college-research", TestMail.message(
            id: "ooo@ird.example", from: "Amélie Nguyen <amelie@ird.example>", to: "college-research+confirm.\(token)@lists.example.org", subject: "Re: Cheap pills",
            body: "approve\r\n",
            extraHeaders: ["Auto-Submitted: auto-replied",
                           "Authentication-Results: mx.lists.example.org; dkim=pass header.d=ird.example"]))
        guard case .moderatorReply(_, false, _) = auto else { Issue.record("\(auto)"); return }
        // The real moderator, aligned pass: applied.
        let real = try process(gateway, list: "college-research", TestMail.message(
            id: "real@ird.example", from: "Amélie Nguyen <amelie@ird.example>", to: "college-research+confirm.\(token)@lists.example.org", subject: "Re: Cheap pills",
            body: "approve\r\n",
            extraHeaders: ["Authentication-Results: mx.lists.example.org; dkim=pass header.d=ird.example"]))
        guard case .moderatorReply(_, true, _) = real else { Issue.record("\(real)"); return }
        #expect(try outbox(gateway).filter { $0.purpose == "post" }.count == 2)
    }

    @Test("once the notices of a hold are sent, no row of any table holds the token; the files are 0600")
    func noTokenInTheDatabaseAfterSending() throws {
        let (gateway, dir) = try makeGateway(nonMember: .hold)
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try process(gateway, list: "college-research", TestMail.message(
            id: "x2@elsewhere.example", from: "Stranger <someone@elsewhere.example>", subject: "Question"))
        let token = try queuedToken(gateway)
        #expect(token.count == 26)
        func rowsHolding(_ needle: String) throws -> [String] {
            try gateway.database.pool.read { db in
                var found: [String] = []
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                for table in tables {
                    for row in try GRDB.Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") {
                        for (column, value) in row {
                            let text: String
                            switch value.storage {
                            case .blob(let data): text = String(decoding: data, as: UTF8.self)
                            case .string(let s): text = s
                            default: continue
                            }
                            if text.contains(needle) { found.append("\(table).\(column)") }
                        }
                    }
                }
                return found
            }
        }
        #expect(try !rowsHolding(token).isEmpty, "queued, the request still carries its token")
        // The outbox sends everything (the SMTP answer is simulated: this is the database's side of it).
        try gateway.database.pool.write { db in
            for job in try Outbox.claim(db, limit: 100) { try Outbox.markSent(db, id: job.id) }
        }
        #expect(try rowsHolding(token) == [], "sent: no table holds the token")
        // A reply with the token still works: the confirmations table keeps its hash.
        let reply = try process(gateway, list: "college-research", TestMail.message(
            id: "r2@ird.example", from: "Amélie Nguyen <amelie@ird.example>", to: "college-research+confirm.\(token)@lists.example.org", subject: "Re: Cheap pills", body: "approve\r\n"))
        guard case .moderatorReply(_, true, _) = reply else { Issue.record("\(reply)"); return }
        // The database, -wal and -shm files are readable by their owner only.
        let path = gateway.config.database
        for file in [path, path + "-wal", path + "-shm"] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)
            #expect(mode.intValue & 0o777 == 0o600, "\(file): \(String(mode.intValue, radix: 8))")
        }
    }

    @Test("an existing database file readable by others is tightened to 0600 when opened")
    func existingDatabaseIsTightened() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mg-mode-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("old.sqlite").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]))
        let database = try GatewayStore(path: path)
        try database.pool.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        for file in [path, path + "-wal", path + "-shm"] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)
            #expect(mode.intValue & 0o777 == 0o600, "\(file): \(String(mode.intValue, radix: 8))")
        }
        // The key file warning names the file and its mode, not its content.
        let key = dir.appendingPathComponent("key").path
        #expect(FileManager.default.createFile(atPath: key, contents: Data("s3cret-key-material".utf8),
                                               attributes: [.posixPermissions: 0o644]))
        let warning = try #require(Secrets.looseModeWarning(file: key))
        #expect(warning.contains("644") && !warning.contains("s3cret"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        #expect(Secrets.looseModeWarning(file: key) == nil)
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
