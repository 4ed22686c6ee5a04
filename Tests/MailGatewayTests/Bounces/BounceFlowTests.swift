import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// Bounces arriving in the list's mailbox (BN-1, BN-3, BN-7): the per-copy token, forged bounces, the policy storm.
@Suite struct BounceFlowTests {
    @Test("a DSN to a copy's token records one hard event against that copy's recipient, once")
    func dsnRecordsOneEvent() throws {
        let w = try BounceWorld()
        defer { w.close() }
        let (id, envelope) = try w.copy(to: "jose@cirad.example")
        #expect(envelope.hasPrefix("interface-knowledge+bounce.") && envelope.hasSuffix("@lists.example.org"))
        #expect(envelope.split(separator: "@")[0].utf8.count <= 64)
        let outcome = try w.deliver(try BounceWorld.bounce("postfix-user-unknown.eml", to: envelope))
        guard case .routed(_, let route, let detail) = outcome else { Issue.record("\(outcome)"); return }
        #expect(route == "bounce" && detail == "bounce: hard")
        let events = try w.events()
        #expect(events.count == 1)
        #expect(events.first?.address == "jose@cirad.example", "the copy's recipient, not the DSN's")
        #expect(events.first?.copyID == id && events.first?.source == "dsn" && events.first?.status == "5.1.1")
        #expect(events.first?.counted == true)
        #expect(try w.state("jose@cirad.example")?.score == 1)
        // The same report again (another Message-ID): the copy already has its DSN event.
        try w.deliver(try BounceWorld.bounce("postfix-user-unknown.eml", to: envelope))
        #expect(try w.events().count == 1)
        #expect(try w.state("jose@cirad.example")?.score == 1)
    }

    @Test("forged bounces to guessed addresses change nothing: a made-up token, a valid id with a wrong MAC, another list's copy, the old readable form")
    func forgedBouncesChangeNothing() throws {
        let w = try BounceWorld()
        defer { w.close() }
        let (id, envelope) = try w.copy(to: "jose@cirad.example")
        let (_, otherList) = try w.copy(to: "helene@inrae.example", list: "college-research")
        let wrongMAC = "interface-knowledge+bounce.\(BounceToken.base32(id)).\(String(repeating: "a", count: 13))@lists.example.org"
        let guesses = [
            "interface-knowledge+bounce.b.aaaaaaaaaaaaa@lists.example.org", wrongMAC,
            // A real token of the college list, sent to the interface's mailbox.
            otherList.replacingOccurrences(of: "college-research+", with: "interface-knowledge+"),
            "interface-knowledge-bounces+jose=cirad.example@lists.example.org",
            "interface-knowledge-bounces@lists.example.org",
        ]
        for guess in guesses {
            let outcome = try w.deliver(try BounceWorld.bounce("postfix-user-unknown.eml", to: guess))
            guard case .routed(_, "bounce", let detail) = outcome else { Issue.record("\(guess): \(outcome)"); continue }
            #expect(detail == "ignored: unknown token", "\(guess)")
        }
        #expect(try w.events().isEmpty)
        #expect(try w.addressRows() == 0)
        // A token older than 30 days: ignored too.
        let (_, old) = try w.copy(to: "olivia@soilfund.example", now: Date().addingTimeInterval(-31 * 86_400))
        try w.deliver(try BounceWorld.bounce("postfix-user-unknown.eml", to: old))
        #expect(try w.events().isEmpty)
        // The genuine one still works.
        try w.deliver(try BounceWorld.bounce("postfix-user-unknown.eml", to: envelope))
        #expect(try w.events().count == 1)
    }

    @Test("a vacation reply and a delay-only report at the bounce address are not bounces")
    func autoRepliesAreNotBounces() throws {
        let w = try BounceWorld()
        defer { w.close() }
        let (_, envelope) = try w.copy(to: "jose@cirad.example")
        let outcome = try w.deliver(try BounceWorld.bounce("vacation-reply.eml", to: envelope))
        guard case .routed(_, _, let detail) = outcome else { Issue.record("\(outcome)"); return }
        #expect(detail == "ignored: auto-reply")
        #expect(try w.events().isEmpty)
    }

    @Test("a 5.7.26 storm from one author changes no member's score and sends one alert a day to the moderators")
    func policyStorm() throws {
        let w = try BounceWorld()
        defer { w.close() }
        // 23:45 UTC: the storm's alerts run at 23:55 and 00:05, still one a day (a rolling 24 hours, not the date).
        let today = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date())
        var late = today
        (late.hour, late.minute, late.second, late.nanosecond) = (23, 45, 0, 0)
        let now = try #require(late.date)
        let members = (1...10).map { "member\($0)@gmail.com" }
        for member in members {
            let (_, envelope) = try w.copy(to: member, now: now)
            try w.deliver(try BounceWorld.bounce("gmail-5.7.26.eml", to: envelope), now: now)
        }
        let events = try w.events()
        #expect(events.count == 10 && events.allSatisfy { $0.bounceClass == .policy && !$0.counted })
        #expect(try w.addressRows() == 0, "no score, no state for any member")
        let report = try w.runActions(at: now.addingTimeInterval(600))
        #expect(report.policyAlerts == 1)
        #expect(try w.runActions(at: now.addingTimeInterval(1200)).policyAlerts == 0, "once a day")
        let alerts = try w.copies("bounce-policy-alert:")
        #expect(alerts.map(\.recipient) == ["helene@inrae.example"], "the list's moderator, once")
        let text = alerts.first?.text ?? ""
        #expect(text.contains("gmail.com") && text.contains("5.7.26") && text.contains("from_rewrite"), "\(text)")
        #expect(alerts.first?.message.subject.contains("gmail.com") == true)
        // The same storm from Outlook is another receiving domain: its own alert.
        for n in 1...3 {
            let (_, envelope) = try w.copy(to: "m\(n)@outlook.com", now: now)
            try w.deliver(try BounceWorld.bounce("outlook-5.7.509.eml", to: envelope), now: now)
        }
        #expect(try w.runActions(at: now.addingTimeInterval(1800)).policyAlerts == 1)
    }
}
