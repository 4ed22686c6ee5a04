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
        let outcome = try ingest.process(gateway, list: "college-research",
                                         TestMail.message(id: "case@inrae.example", from: "Hélène <H.Dubois@INRAE.example>",
                                                          subject: "Protocole"))
        guard case .archived(_, _, let decision) = outcome else { Issue.record("\(outcome)"); return }
        #expect(decision.action == .accept, "\(decision)")
        let recipients = try ingest.outbox(gateway).filter { $0.purpose == "post" }.map(\.recipient)
        #expect(recipients == ["amelie@ird.example"], "Hélène gets no copy of her own post")
        #expect(try notices(gateway, "not-a-partner").isEmpty)
    }

    @Test("an unproven sender's hold sends no notice at expiry or rejection; proven ones are rate-limited")
    func unprovenSenderNeverNotified() throws {
        let (plain, dir) = try ingest.makeGateway(nonMember: .hold)
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = plain.config
        config.trustedAuthservID = "mx.lists.example.org"
        let gateway = try Gateway(config: config, environment: ["MAILGATEWAY_MODERATION_KEY": String(repeating: "k", count: 40)])
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
        let limit = ModerationQueue.requestsPerListPerHour
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
}
