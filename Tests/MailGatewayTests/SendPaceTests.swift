import Foundation
import Testing
@testable import MailGateway

/// AN-8: the outbox sender's pace, over instants the test chooses.
@Suite("Send pace (AN-8)")
struct SendPaceTests {
    @Test("no limit configured: no pacing at all")
    func none() {
        #expect(SendPace(perMinute: nil) == nil)
        #expect(SendPace(perMinute: 0) == nil)
    }

    @Test("120 a minute: copies 0.5 s apart, whatever the workers asking at once; an idle gap is not banked")
    func spacing() throws {
        let pace = try #require(SendPace(perMinute: 120))
        let t0 = ContinuousClock.now
        // Four workers ask at the same instant: the first goes now, the others wait 0.5, 1 and 1.5 s.
        let waits = (0..<4).map { _ in pace.reserve(at: t0) }
        #expect(waits == [.zero, .milliseconds(500), .seconds(1), .milliseconds(1500)])
        // Asked again at the slot it was given, a worker waits for the next one only.
        #expect(pace.reserve(at: t0 + .milliseconds(1500)) == .milliseconds(500))
        // After ten idle seconds the next copy goes at once, and the one after waits the interval again.
        #expect(pace.reserve(at: t0 + .seconds(12)) == .zero)
        #expect(pace.reserve(at: t0 + .seconds(12)) == .milliseconds(500))
    }

    @Test("the configuration reads delivery.max_messages_per_minute, absent by default, and refuses 0")
    func configured() throws {
        let url = ConfigLoaderTests.exampleURL
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let loader = ConfigLoader(environment: try ConfigLoaderTests.exampleEnvironment())
        let plain = try loader.decode(object, file: "example.json", base: url.deletingLastPathComponent(), checkSecrets: false)
        #expect(plain.delivery.maxMessagesPerMinute == nil)
        var delivery = object["delivery"] as? [String: Any] ?? [:]
        delivery["max_messages_per_minute"] = 600
        object["delivery"] = delivery
        let paced = try loader.decode(object, file: "example.json", base: url.deletingLastPathComponent(), checkSecrets: false)
        #expect(paced.delivery.maxMessagesPerMinute == 600)
        #expect(SendPace(perMinute: paced.delivery.maxMessagesPerMinute)?.interval == .milliseconds(100))
        delivery["max_messages_per_minute"] = 0
        object["delivery"] = delivery
        #expect(throws: ConfigError.self) {
            try loader.decode(object, file: "example.json", base: url.deletingLastPathComponent(), checkSecrets: false)
        }
    }

    @Test("a paced claim holds about a minute of a worker's share, at least one copy")
    func pacedClaimsHoldAboutAMinute() throws {
        #expect(try #require(SendPace(perMinute: 60)).claimBatch(1000, workers: 4) == 15)
        #expect(try #require(SendPace(perMinute: 600)).perMinute == 600)
        #expect(try #require(SendPace(perMinute: 2)).claimBatch(1000, workers: 4) == 1)
        #expect(try #require(SendPace(perMinute: 100_000)).claimBatch(1000, workers: 4) == 1000)
    }
}
