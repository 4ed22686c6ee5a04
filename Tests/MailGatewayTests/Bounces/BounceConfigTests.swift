import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// The `bounces` configuration object, and the former `-bounces+user=domain@` form still understood on input.
@Suite struct BounceConfigTests {
    static let exampleURL = Corpora.repositoryRoot.appendingPathComponent("config.example.json")

    @Test("bounces: the defaults of BN-5..BN-7, the values read when given, a value out of range refused with its path")
    func settings() throws {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.exampleURL)) as? [String: Any])
        func decode(_ object: [String: Any]) throws(ConfigError) -> GatewayConfig {
            try ConfigLoader(environment: [:]).decode(object, file: "test.json",
                                                      base: Self.exampleURL.deletingLastPathComponent(), checkSecrets: false)
        }
        #expect(try decode(object).bounces == BounceSettings())
        #expect(BounceSettings().threshold == 5 && BounceSettings().probeWait == 48 * 3600
                && BounceSettings().maxWarnings == 3 && BounceSettings().warningInterval == 7 * 86_400
                && BounceSettings().successesToReset == 3 && BounceSettings().policyAlertMin == 3)
        object["bounces"] = ["threshold": 3, "probe_wait_hours": 24, "warnings": 2, "warning_interval_days": 5,
                             "successes_to_reset": 4, "policy_alert_min": 10]
        let read = try decode(object).bounces
        #expect(read == BounceSettings(probeWaitHours: 24, maxWarnings: 2, warningIntervalDays: 5, successesToReset: 4,
                                       policyAlertMin: 10).with(threshold: 3))
        object["bounces"] = ["threshold": 0, "colour": "blue"]
        let error = try #require(throws: ConfigError.self) { try decode(object) }
        #expect(Set(error.problems.map(\.path)) == ["$.bounces.threshold", "$.bounces.colour"], "\(error.problems)")
    }

    @Test("a bounce to the former list-bounces+user=domain@ form counts only when a copy went out from exactly that address in the last 30 days, and the report names that recipient")
    func legacyForm() throws {
        let w = try BounceWorld()
        defer { w.close() }
        let legacy = "interface-knowledge-bounces+jose=cirad.example@lists.example.org"
        try w.deliver(try BounceWorld.bounce("postfix-user-unknown.eml", to: legacy))
        #expect(try w.events().isEmpty, "no copy was sent from it")
        // A copy sent before the upgrade, from the readable form.
        try w.gateway.database.pool.write { db in
            try Outbox.enqueue(db, listID: w.list, messageID: nil, purpose: .event("old-copy"), copies: [
                OutgoingCopy(recipient: "jose@cirad.example", envelopeFrom: legacy, headerPrefix: [],
                             shared: Array("Subject: x\r\n\r\nx\r\n".utf8)),
            ])
        }
        // That form is no secret (it spells the member's address): a report naming someone else is not his.
        try w.deliver(try BounceWorld.bounce("postfix-user-unknown.eml", to: legacy))
        #expect(try w.events().isEmpty, "the report names marie.dupont@partner.example, not José")
        let genuine = String(decoding: try BounceWorld.bounce("postfix-user-unknown.eml", to: legacy), as: UTF8.self)
            .replacingOccurrences(of: "marie.dupont@partner.example", with: "jose@cirad.example")
        try w.deliver(Array(genuine.utf8))
        #expect(try w.events().map(\.address) == ["jose@cirad.example"])
    }
}

extension BounceSettings {
    func with(threshold: Double) -> BounceSettings {
        var copy = self
        copy.threshold = threshold
        return copy
    }
}
