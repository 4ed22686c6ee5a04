import Digest
import Foundation
import GRDB
@testable import MailGateway
import MailGatewayHTTP
import Testing
import TestSupport

/// `/healthz` and `/metrics` through the real listener and curl. Serialized: the outbox gauges are process-wide
/// and only these tests scrape them.
@Suite(.serialized) struct HealthMetricsHTTPTests {
    /// Anne and Carla (immediate) and Bob (digest) in list a, and one accepted post from Anne: two copies queued,
    /// for Carla and for Anne (authors get their own posts by default; Bob reads the digest).
    func seed(_ world: HTTPTestWorld) throws {
        try world.member("anne@partner.example", language: .fr, lists: [world.a])
        try world.member("bob@partner.example", language: .en, lists: [world.a], delivery: .digest)
        try world.member("carla@partner.example", language: .es, lists: [world.a])
        let raw = TestMail.message(id: "hm1@partner.example", from: "Anne <anne@partner.example>",
                                   to: world.a.address, subject: "Sol")
        let logger = IngestTestGateway.quietLogger("health")
        let outcome = try world.gateway.database.pool.write { db in
            try world.gateway.pipeline.process(db, list: world.a, raw: raw, fallbackDate: nil, source: .import, logger: logger)
        }
        guard case .archived(_, _, let decision) = outcome, decision.action == .accept else {
            Issue.record("not accepted: \(outcome)")
            return
        }
    }

    @Test("/healthz: database ok, each list's last pass, the outbox backlog; 503 when the database is unreachable")
    func healthz() async throws {
        let world = try await HTTPTestWorld.start(prefix: "health")
        try seed(world)
        let first = try await world.curl("/healthz")
        #expect(first.status == 200)
        #expect(first.headers.lowercased().contains("content-type: application/json"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as? [String: Any])
        #expect(json["status"] as? String == "ok")
        #expect(json["database"] as? String == "ok")
        let outbox = try #require(json["outbox"] as? [String: Any])
        #expect(outbox["pending"] as? Int == 2, "Carla's and Anne's copies: \(first.body)")
        #expect(outbox["due"] as? Int == 2)
        #expect(outbox["failed"] as? Int == 0)
        let mailboxes = try #require(json["mailboxes"] as? [[String: Any]])
        #expect(mailboxes.compactMap { $0["list"] as? String } == [world.a.id, world.b.id])
        #expect(mailboxes.allSatisfy { $0["last_pass"] == nil }, "no pass yet: \(first.body)")

        let passed = Date(timeIntervalSince1970: 1_800_000_000)
        world.gateway.mailboxPasses.record(list: world.a.id, at: passed)
        let second = try await world.curl("/healthz")
        let json2 = try #require(try JSONSerialization.jsonObject(with: Data(second.body.utf8)) as? [String: Any])
        let mailboxes2 = try #require(json2["mailboxes"] as? [[String: Any]])
        #expect(mailboxes2.first?["last_pass"] as? String == "2027-01-15T08:00:00Z")
        #expect(mailboxes2.last?["last_pass"] == nil)

        try world.gateway.database.pool.close()
        let down = try await world.curl("/healthz")
        #expect(down.status == 503)
        let json3 = try #require(try JSONSerialization.jsonObject(with: Data(down.body.utf8)) as? [String: Any])
        #expect(json3["database"] as? String == "unreachable")
        #expect(json3["outbox"] == nil)
        #expect(!down.body.contains(world.dir.path), "no path in the answer")
        try await world.stop()
    }

    @Test("/metrics is Prometheus text with the gateway's counters after real work")
    func metrics() async throws {
        let world = try await HTTPTestWorld.start(prefix: "metrics")
        try seed(world)
        // One one-click unsubscribe, and Bob's digest issue (the one due within a day covers the post).
        let path = world.path("carla@partner.example", world.a)
        #expect(try await world.oneClick(path).status == 200)
        let run = DigestRun(config: world.gateway.config,
                            renderer: try makeDigestRenderer(templatesDirectory: world.gateway.config.templatesDirectory))
        let report = try run.run(world.gateway.database.pool, at: Date().addingTimeInterval(86_400))
        #expect(report.issues == 1)
        GatewayMetrics.bounce(class: "policy-\(world.a.id)")

        let reply = try await world.curl("/metrics")
        #expect(reply.status == 200)
        #expect(reply.headers.lowercased().contains("content-type: text/plain; version=0.0.4"))
        let text = try PrometheusText(reply.body)
        let list = [("list", world.a.id)]
        #expect(text.value("mailgateway_one_click_unsubscribes_total", list) == 1, "\(reply.body)")
        #expect(text.types["mailgateway_one_click_unsubscribes_total"] == "counter")
        #expect(text.value("mailgateway_digests_sent_total", list) == 1)
        #expect(text.value("mailgateway_bounces_total", [("class", "policy-\(world.a.id)")]) == 1)
        // The outbox gauges are read at the scrape: Carla's and Anne's post copies and Bob's digest copy wait.
        #expect(text.value("mailgateway_outbox_copies", [("status", "pending")]) == 3)
        #expect(text.value("mailgateway_outbox_copies", [("status", "sent")]) == 0)
        #expect(text.types["mailgateway_outbox_copies"] == "gauge")
        try await world.stop()
    }
}
