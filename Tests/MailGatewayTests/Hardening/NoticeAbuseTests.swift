import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// Backscatter and amplification (review F6): every notice rate-limited without case, never one to an unproven
/// sender (also at expiry or rejection), moderation requests limited per list and hour, partners recognised
/// whatever the case of their address.
@Suite("Notices: backscatter, amplification, address case")
struct NoticeAbuseTests {
    let ingest = IngestPipelineTests()

    func notices(_ gateway: Gateway, _ kind: String) throws -> [String] {
        try gateway.database.pool.read { db in
            try String.fetchAll(db, sql: "SELECT recipient FROM outbox WHERE purpose = ? ORDER BY id",
                                arguments: ["notice:\(kind)"])
        }
    }

    /// A gateway over the same database as `plain`, with its configuration changed by `change`.
    func reconfigured(_ plain: Gateway, _ change: (inout GatewayConfig) -> Void) throws -> Gateway {
        var config = plain.config
        change(&config)
        return try Gateway(config: config, environment: ["MAILGATEWAY_MODERATION_KEY": String(repeating: "k", count: 40)])
    }

    func expire(_ gateway: Gateway, daysLater: Double = 15) throws -> [Hold] {
        let actions = ModerationActions(pipeline: gateway.pipeline)
        return try gateway.database.pool.write { db in
            try actions.expireHolds(db, now: Date().addingTimeInterval(daysLater * 86_400))
        }
    }

    @Test("Victim@ and VICTIM@ get one notice in total")
    func caseInsensitiveRateLimit() throws {
        let (gateway, dir) = try ingest.makeGateway(nonMember: .reject)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (i, from) in ["victim@target.example", "Victim@target.example", "VICTIM@Target.example", "vIcTiM@target.example"].enumerated() {
            _ = try ingest.process(gateway, list: "college-research",
                                   TestMail.message(id: "v\(i)@target.example", from: from, subject: "Spam \(i)"))
        }
        #expect(try notices(gateway, "not-a-partner").count == 1)
    }

    @Test("Marie.Dupont@ is recognised as the partner marie.dupont@ (lookup and author exclusion)")
    func partnerInAnotherCase() throws {
        let (gateway, dir) = try ingest.makeGateway(nonMember: .reject)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Authors receive their own posts by default (issue 11); Hélène opted out, so the author exclusion shows.
        try MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
            .setMember(listID: "college-research", address: "helene@inrae.example", ownPosts: false)
        let outcome = try ingest.process(gateway, list: "college-research",
                                         TestMail.message(id: "case@inrae.example", from: "Hélène <H.Dubois@INRAE.example>",
                                                          subject: "Protocole"))
        guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.action == .accept, "\(decision)")
        let recipients = try ingest.outbox(gateway).filter { $0.purpose == "post" }.map(\.recipient)
        #expect(recipients == ["amelie@ird.example"], "Hélène (own posts off) gets no copy of her own post")
        #expect(try notices(gateway, "not-a-partner").isEmpty)
    }

    @Test("an unproven sender's hold sends no notice at expiry or rejection; proven ones are rate-limited")
    func unprovenSenderNeverNotified() throws {
        let (plain, dir) = try ingest.makeGateway(nonMember: .hold)
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = try reconfigured(plain) { $0.trustedAuthservID = "mx.lists.example.org" }
        // A partner's address forged (no trusted Authentication-Results): held by the spoofing rule, no notice.
        for i in 0..<3 {
            _ = try ingest.process(gateway, list: "college-research",
                                   TestMail.message(id: "forged\(i)@x.example", from: "helene@inrae.example", subject: "Forged \(i)"))
        }
        #expect(try notices(gateway, "held-for-moderation").isEmpty)
        let holds = try gateway.database.pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM holds ORDER BY id") }
        #expect(holds.count == 3)
        // One rejected by a moderator, the others expire: still nothing to the forged address.
        _ = try gateway.decideHold(holds[0], action: .reject, reason: "spam", by: "cli:test")
        #expect(try expire(gateway).count == 2)
        #expect(try notices(gateway, "rejected-by-moderator").isEmpty)
        #expect(try notices(gateway, "held-expired").isEmpty)

        // Proven strangers (aligned DKIM pass): held with a notice; at expiry one notice per sender whatever the case.
        for (i, from) in ["stranger@target.example", "STRANGER@target.example"].enumerated() {
            _ = try ingest.process(gateway, list: "college-research", TestMail.message(
                id: "s\(i)@target.example", from: from, subject: "Hello \(i)",
                extraHeaders: ["Authentication-Results: mx.lists.example.org; dkim=pass header.d=target.example"]))
        }
        #expect(try notices(gateway, "held-for-moderation").count == 1)
        #expect(try expire(gateway).count == 2)
        #expect(try notices(gateway, "held-expired").count == 1)
    }

    @Test("N+1 holds in an hour send at most N moderation requests; the next hour sends again")
    func moderationRequestsLimited() throws {
        let (gateway, dir) = try ingest.makeGateway(nonMember: .hold)
        defer { try? FileManager.default.removeItem(at: dir) }
        let limit = ModerationQueue.defaultRequestsPerListPerHour
        for i in 0...limit {
            _ = try ingest.process(gateway, list: "college-research",
                                   TestMail.message(id: "h\(i)@elsewhere.example", from: "s\(i)@elsewhere.example",
                                                    subject: "Held \(i)"))
        }
        let holds = try gateway.database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM holds") }
        #expect(holds == limit + 1, "every post is held (and listed by the CLI)")
        #expect(try notices(gateway, "moderation-request") == Array(repeating: "amelie@ird.example", count: limit))
        // An hour later the moderators hear of new holds again.
        let config = try #require(gateway.config.list(id: "college-research"))
        _ = try gateway.database.pool.write { db in
            try gateway.pipeline.process(db, list: config, raw: TestMail.message(id: "later@elsewhere.example",
                                                                               from: "later@elsewhere.example", subject: "Later"),
                                         fallbackDate: nil, source: .import, now: Date().addingTimeInterval(3700),
                                         logger: ingest.logger)
        }
        #expect(try notices(gateway, "moderation-request").count == limit + 1)
    }

    @Test("moderation.requests_per_hour set to 2: the third hold of the hour gets no request")
    func configuredRequestLimit() throws {
        let (plain, dir) = try ingest.makeGateway(nonMember: .hold)
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = try reconfigured(plain) { $0.moderation.requestsPerHour = 2 }
        for i in 0..<3 {
            _ = try ingest.process(gateway, list: "college-research",
                                   TestMail.message(id: "q\(i)@elsewhere.example", from: "q\(i)@elsewhere.example",
                                                    subject: "Held \(i)"))
        }
        #expect(try notices(gateway, "moderation-request").count == 2)
    }

    @Test("a 5 MB subject is cut to 200 characters in notices and requests")
    func hugeSubjectTruncated() throws {
        let (gateway, dir) = try ingest.makeGateway(nonMember: .hold)
        defer { try? FileManager.default.removeItem(at: dir) }
        let subject = String(repeating: "A", count: 5_000_000)
        _ = try ingest.process(gateway, list: "college-research",
                               TestMail.message(id: "big-subject@elsewhere.example", from: "s@elsewhere.example", subject: subject))
        let sizes = try gateway.database.pool.read { db in
            try Int.fetchAll(db, sql: "SELECT length(b.bytes) FROM outbox o JOIN outbox_body b ON b.id = o.body_id WHERE o.purpose LIKE 'notice:%'")
        }
        #expect(sizes.count == 2)
        // The request attaches only the header section (over 1 MB), itself capped at 1 MB.
        #expect(sizes.allSatisfy { $0 < 1_100_000 }, "\(sizes)")
    }

    @Test("a forged From on an oversize post: held by the spoofing rule, no notice at hold, expiry or rejection")
    func forgedOversizePostNeverNotified() throws {
        let (plain, dir) = try ingest.makeGateway(nonMember: .hold)
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = try reconfigured(plain) { config in
            config.trustedAuthservID = "mx.lists.example.org"
            config.lists[0].maxPostBytes = 200
        }
        let big = String(repeating: "carbone ", count: 100)
        for i in 0..<2 {
            let outcome = try ingest.process(gateway, list: "college-research", TestMail.message(
                id: "forged-big\(i)@x.example", from: "victim@target.example", subject: "Big \(i)", body: big,
                extraHeaders: ["Authentication-Results: mx.lists.example.org; dmarc=fail header.from=target.example"]))
            guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
            #expect(decision.action == .hold && decision.rule == "spoofing", "\(decision)")
        }
        let holds = try gateway.database.pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM holds ORDER BY id") }
        #expect(holds.count == 2)
        _ = try gateway.decideHold(holds[0], action: .reject, reason: "spam", by: "cli:test")
        #expect(try expire(gateway).count == 1)
        for kind in ["held-for-moderation", "rejected-by-moderator", "held-expired"] {
            #expect(try notices(gateway, kind).isEmpty, "\(kind)")
        }
        // A proven partner's oversize post is still held by the size rule, with its notice.
        let proven = try ingest.process(gateway, list: "college-research", TestMail.message(
            id: "big-partner@inrae.example", subject: "Rapport", body: big,
            extraHeaders: ["Authentication-Results: mx.lists.example.org; dkim=pass header.d=inrae.example"]))
        guard case .archived(_, _, let decision) = proven else { Issue.record("\(proven)"); return }
        #expect(decision.rule == "size", "\(decision)")
        #expect(try notices(gateway, "held-for-moderation") == ["helene@inrae.example"])
    }

    @Test("the moderation request attaches the original as members would get it: one From, no bare CR")
    func moderationRequestAttachmentIsNormalised() throws {
        let (gateway, dir) = try ingest.makeGateway(nonMember: .hold)
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = Array(("From: Stranger <someone@elsewhere.example>\r\n"
            + "Subject: Question\rReply-To: attacker@evil.example\r\n"
            + "From: Secretariat <secretariat@4p1000.example>\r\n"
            + "To: college-research@lists.example.org\r\nMessage-ID: <smuggle@elsewhere.example>\r\n"
            + "Date: Sat, 05 Dec 2026 07:50:00 +0000\r\n\r\nHello\r\n").utf8)
        let outcome = try ingest.process(gateway, list: "college-research", raw)
        guard case .archived(_, _, let decision) = outcome, decision.action == .hold else { Issue.record("\(outcome)"); return }
        let bytes = try gateway.database.pool.read { db in
            try Data.fetchOne(db, sql: """
                SELECT b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id
                WHERE o.purpose = 'notice:moderation-request'
                """)
        }
        let request = try #require(bytes).map { $0 }
        let text = String(decoding: request, as: UTF8.self)
        let attached = try #require(text.range(of: "Content-Type: message/rfc822")).upperBound
        let part = String(text[attached...])
        #expect(part.components(separatedBy: "\r\nFrom:").count == 2, "exactly one From field in the attached original")
        #expect(!part.contains("secretariat@4p1000.example"))
        // No CR that is not followed by LF: a mail client can't see the smuggled Reply-To as a field.
        let bareCR = zip(request, request.dropFirst() + [0]).contains { $0 == 13 && $1 != 10 }
        #expect(!bareCR)
    }

    @Test("a database from before: spoofing holds stop notifying their author, sent notice bodies are emptied")
    func upgradeClosesOldHoldsAndBodies() throws {
        let (gateway, dir) = try ingest.makeGateway(nonMember: .hold)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Rows as the previous version left them: a spoofing hold that would notify its author, a sent notice
        // whose body still holds a token.
        _ = try ingest.process(gateway, list: "college-research",
                               TestMail.message(id: "old@elsewhere.example", from: "s@elsewhere.example", subject: "Old"))
        try gateway.database.pool.write { db in
            try db.execute(sql: "UPDATE holds SET rule = 'spoofing', notify_author = 1")
            try db.execute(sql: "UPDATE outbox SET status = 'sent' WHERE purpose LIKE 'notice:%'")
            try db.execute(sql: """
                DELETE FROM grdb_migrations
                WHERE identifier IN ('moderation-v3-unproven-authors', 'outbox-v3-redact-sent-notices')
                """)
        }
        let bodies = "SELECT length(b.bytes) FROM outbox o JOIN outbox_body b ON b.id = o.body_id WHERE o.purpose LIKE 'notice:%'"
        #expect(try gateway.database.pool.read { db in try Int.fetchAll(db, sql: bodies) }.allSatisfy { $0 > 0 })
        let path = gateway.config.database
        let reopened = try Gateway(config: gateway.config,
                                   environment: ["MAILGATEWAY_MODERATION_KEY": String(repeating: "k", count: 40)])
        #expect(reopened.config.database == path)
        try reopened.database.pool.read { db in
            #expect(try Int.fetchAll(db, sql: "SELECT notify_author FROM holds") == [0])
            let lengths = try Int.fetchAll(db, sql: bodies)
            #expect(!lengths.isEmpty && lengths.allSatisfy { $0 == 0 }, "\(lengths)")
        }
    }
}
