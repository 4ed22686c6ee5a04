import Foundation
import GRDB
import Logging
import Testing
@testable import MailGateway
import TestSupport

/// The fuzzer's entry point: the whole inbound path on raw bytes, rolled back.
@Suite("Inbound probe")
struct InboundProbeTests {
    let base = IngestPipelineTests()

    func counts(_ gateway: Gateway) throws -> [Int] {
        try gateway.database.pool.read { db in
            try ["messages", "outbox", "holds", "thread_nodes"].map { try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? -1 }
        }
    }

    @Test("an accepted post is composed for the members; a rejected one is decided as a moderator would; nothing stays")
    func rolledBack() throws {
        let (gateway, dir) = try base.makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let probe = InboundProbe(gateway: gateway)
        let list = try #require(gateway.config.list(id: "college-research"))
        let before = try counts(gateway)

        let post = TestMail.message(id: "p1@inrae.example", from: "Hélène <helene@inrae.example>",
                                    to: "college-research@lists.example.org", subject: "Protocole")
        let accepted = try probe.run(post, list: list, approve: true, now: Date(), logger: base.logger)
        guard case .archived(_, _, let decision) = accepted.outcome else { Issue.record("\(accepted)"); return }
        // Amélie's copy and Hélène's own (authors receive their own posts by default).
        #expect(decision.action == .accept && accepted.moderatorAction == nil && accepted.queued == 2)

        let stranger = TestMail.message(id: "s1@example.net", from: "Someone <someone@example.net>",
                                        to: "college-research@lists.example.org", subject: "Hello")
        let approved = try probe.run(stranger, list: list, approve: true, now: Date(), logger: base.logger)
        guard case .archived(_, _, let refused) = approved.outcome else { Issue.record("\(approved)"); return }
        #expect(refused.action == .reject && approved.moderatorAction == .approve)
        #expect(approved.queued == 3, "the rejection notice, then a copy for each immediate member (Hélène, Amélie)")
        let rejected = try probe.run(stranger, list: list, approve: false, now: Date(), logger: base.logger)
        #expect(rejected.moderatorAction == .reject)

        #expect(try counts(gateway) == before, "every run was rolled back")
    }
}
