import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// The score and its consequences over time, with an injected clock (BN-5, BN-6).
@Suite struct BounceTimelineTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30
    static func day(_ n: Double, hours: Double = 10) -> Date { t0.addingTimeInterval(n * 86_400 + hours * 3600) }

    @Test("BN-5: five hard days on a daily list reach the threshold; the same day counts once, with its worst class")
    func dailyList() {
        var state = BounceState(address: "a@x.example")
        let settings = BounceSettings()
        let first = state.record(.soft, at: Self.day(0))
        let worse = state.record(.hard, at: Self.day(0, hours: 12))
        let again = state.record(.hard, at: Self.day(0, hours: 13))
        #expect(first)
        #expect(worse, "a worse class the same day replaces it")
        #expect(!again, "the same day counts once")
        #expect(state.score == 1)
        for d in 1...3 { state.record(.hard, at: Self.day(Double(d))) }
        #expect(state.due(at: Self.day(3), settings: settings) == nil)
        state.record(.hard, at: Self.day(4))
        #expect(state.score == 5)
        #expect(state.due(at: Self.day(4), settings: settings) == .sendProbe)
        let policy = state.record(.policy, at: Self.day(5))
        #expect(!policy && state.score == 5, "policy never counts")
    }

    @Test("BN-5: five hard bounces over five months on a monthly list, no success between: threshold reached")
    func monthlyList() {
        var state = BounceState(address: "a@x.example")
        for month in 0..<5 { state.record(.hard, at: Self.day(Double(month * 30))) }
        #expect(state.score == 5 && state.due(at: Self.day(121), settings: BounceSettings()) == .sendProbe)
    }

    @Test("BN-5: hard, three successful deliveries, hard: the score is back to 1")
    func successesReset() throws {
        let w = try BounceWorld()
        defer { w.close() }
        try w.hardRefusal("jose@cirad.example", at: Self.day(0))
        // Three copies accepted by the server after the bounce.
        for d in 1...3 {
            let (id, _) = try w.copy(to: "jose@cirad.example", now: Self.day(Double(d)))
            try w.gateway.database.pool.write { db in
                try db.execute(sql: "UPDATE outbox SET status = 'sent', sent_at = ? WHERE id = ?",
                               arguments: [Self.day(Double(d)), id])
            }
        }
        #expect(try w.state("jose@cirad.example")?.score == 1)
        #expect(try w.runActions(at: Self.day(4)).scoresReset == 0, "the last success is not 48 hours old yet")
        #expect(try w.runActions(at: Self.day(6)).scoresReset == 1)
        #expect(try w.state("jose@cirad.example")?.score == 0)
        try w.hardRefusal("jose@cirad.example", at: Self.day(7))
        #expect(try w.state("jose@cirad.example")?.score == 1)
    }

    @Test("BN-6: threshold -> probe; the probe bounces -> disabled, moderators told, warnings with a re-enable address, no more posts; removal after the warnings")
    func fullTimeline() throws {
        let w = try BounceWorld()
        defer { w.close() }
        let jose = "jose@cirad.example"
        for d in 0..<5 { try w.hardRefusal(jose, at: Self.day(Double(d))) }
        #expect(try w.state(jose)?.score == 5)
        var report = try w.runActions(at: Self.day(4, hours: 11))
        #expect(report.probesSent == 1)
        let state = try #require(try w.state(jose))
        #expect(state.phase == .probing)
        let probes = try w.copies("bounce-probe:")
        #expect(probes.map(\.recipient) == [jose])
        #expect(probes.first?.text.contains("5.1.1") == true, "the probe shows the last errors")
        // The probe went out with its own VERP address; its DSN disables the address.
        let probeEnvelope = try w.gateway.database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT envelope_from FROM outbox WHERE id = ?", arguments: [state.probeCopyID])
        }
        let envelope = try #require(probeEnvelope)
        #expect(envelope.hasPrefix("interface-knowledge+bounce."))
        try w.deliver(try BounceWorld.bounce("postfix-user-unknown.eml", to: envelope), now: Self.day(5))
        #expect(try w.state(jose)?.phase == .disabled)
        // Delivery suspended: a post no longer reaches José, still reaches Olivia; his membership stays.
        try w.world.process(CommandWorld.command(nil, from: "Hélène Dubois <helene@inrae.example>",
                                                 subject: "Réunion"), now: Self.day(5, hours: 12))
        let posts = try w.copies("post")
        #expect(posts.map(\.recipient).contains("olivia@soilfund.example"))
        #expect(!posts.map(\.recipient).contains(jose))
        #expect(try w.world.membership(jose) != nil)
        // The moderators are told, and José gets his first warning with a re-enable address.
        report = try w.runActions(at: Self.day(5, hours: 13))
        #expect(report.disabledNotices == 1 && report.warningsSent == 1)
        #expect(try w.copies("bounce-disabled:").map(\.recipient) == ["helene@inrae.example"])
        let warning = try #require(try w.copies("bounce-warning:").first)
        #expect(warning.recipient == jose)
        let replyTo = try #require(warning.header("Reply-To"))
        #expect(replyTo.contains("interface-knowledge+confirm."))
        // Two more warnings a week apart, then removal a week after the last.
        #expect(try w.runActions(at: Self.day(8)).warningsSent == 0)
        #expect(try w.runActions(at: Self.day(12, hours: 14)).warningsSent == 1)
        #expect(try w.runActions(at: Self.day(19, hours: 15)).warningsSent == 1)
        #expect(try w.copies("bounce-warning:").count == 3)
        #expect(try w.runActions(at: Self.day(22)).removals == 0)
        #expect(try w.runActions(at: Self.day(26, hours: 16)).removals == 1)
        #expect(try w.world.membership(jose) == nil, "removed from the list")
        #expect(try w.copies("bounce-removed:").map(\.recipient) == ["helene@inrae.example"])
        #expect(try w.state(jose) == nil)
    }

    @Test("BN-6: replying to a warning re-enables delivery at once")
    func replyReenables() throws {
        let w = try BounceWorld()
        defer { w.close() }
        let jose = "jose@cirad.example"
        for d in 0..<5 { try w.hardRefusal(jose, at: Self.day(Double(d))) }
        try w.runActions(at: Self.day(4, hours: 11))
        // The probe is refused at SMTP time too: disabled.
        let probe = try #require(try w.state(jose)?.probeCopyID)
        try w.gateway.database.pool.write { db in
            _ = try BounceLedger.recordRefusal(db, copyID: probe, listID: w.list, recipient: jose, error: SMTPError(
                kind: .permanent, code: 550, reply: "5.1.1 User unknown", command: "RCPT"), now: Self.day(4, hours: 12))
        }
        #expect(try w.state(jose)?.phase == .disabled)
        try w.runActions(at: Self.day(4, hours: 13))
        let warning = try #require(try w.copies("bounce-warning:").first)
        let replyTo = try #require(warning.message.replyTo.first?.address)
        // José answers "Je suis toujours là" to the warning.
        let reply = TestMail.message(id: "reply-\(UUID().uuidString)@cirad.example", from: "José Martínez <\(jose)>",
                                     to: replyTo, subject: "Re: \(warning.message.subject)",
                                     body: "Je suis toujours là.\r\n", extraHeaders: ["Delivered-To: \(replyTo)"])
        try w.world.process(reply, now: Self.day(4, hours: 14))
        let state = try #require(try w.state(jose))
        #expect(state.phase == .active && state.score == 0)
        try w.world.process(CommandWorld.command(nil, from: "Hélène Dubois <helene@inrae.example>",
                                                 subject: "Suite"), now: Self.day(4, hours: 15))
        #expect(try w.copies("post").map(\.recipient).contains(jose), "posts reach José again")
    }

    @Test("BN-6: a probe that does not bounce within 48 hours clears the score")
    func probeSurvives() throws {
        let w = try BounceWorld()
        defer { w.close() }
        for d in 0..<5 { try w.hardRefusal("jose@cirad.example", at: Self.day(Double(d))) }
        try w.runActions(at: Self.day(4, hours: 11))
        #expect(try w.runActions(at: Self.day(5)).probesSurvived == 0)
        #expect(try w.runActions(at: Self.day(6, hours: 12)).probesSurvived == 1)
        let state = try #require(try w.state("jose@cirad.example"))
        #expect(state.phase == .active && state.score == 0)
    }
}
