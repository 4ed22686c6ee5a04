import Digest
import Foundation
import Testing

@Suite("Digest schedule")
struct DigestScheduleTests {
    static func utc(_ text: String) -> Date {
        let f = ISO8601DateFormatter()
        return f.date(from: text)!
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var zone: String
        var time: String
        var weekday: Int?
        var after: String?
        var at: String
        var expected: [String]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Nairobi 07:00 is 04:00 UTC", zone: "Africa/Nairobi", time: "07:00",
             after: "2026-03-02T04:00:00Z", at: "2026-03-03T12:00:00Z", expected: ["2026-03-03T04:00:00Z"]),
        Case(name: "Lima 07:00 is 12:00 UTC; a first issue is only the latest due", zone: "America/Lima", time: "07:00",
             after: nil, at: "2026-03-03T11:59:00Z", expected: ["2026-03-02T12:00:00Z"]),
        Case(name: "Lima, three days missed: three instants", zone: "America/Lima", time: "07:00",
             after: "2026-03-01T12:00:00Z", at: "2026-03-04T12:00:00Z",
             expected: ["2026-03-02T12:00:00Z", "2026-03-03T12:00:00Z", "2026-03-04T12:00:00Z"]),
        Case(name: "Paris spring forward: 07:00 stays 07:00 local", zone: "Europe/Paris", time: "07:00",
             after: "2026-03-27T06:00:00Z", at: "2026-03-30T23:00:00Z",
             expected: ["2026-03-28T06:00:00Z", "2026-03-29T05:00:00Z", "2026-03-30T05:00:00Z"]),
        Case(name: "Paris autumn back", zone: "Europe/Paris", time: "07:00",
             after: "2026-10-23T05:00:00Z", at: "2026-10-25T23:00:00Z",
             expected: ["2026-10-24T05:00:00Z", "2026-10-25T06:00:00Z"]),
        Case(name: "weekly on Monday (1), Lima", zone: "America/Lima", time: "07:00", weekday: 1,
             after: "2026-03-02T12:00:00Z", at: "2026-03-16T13:00:00Z",
             expected: ["2026-03-09T12:00:00Z", "2026-03-16T12:00:00Z"]),
        Case(name: "weekly on Sunday (7), Nairobi 18:30", zone: "Africa/Nairobi", time: "18:30", weekday: 7,
             after: nil, at: "2026-03-10T00:00:00Z", expected: ["2026-03-08T15:30:00Z"]),
        Case(name: "not yet due", zone: "UTC", time: "07:00", after: "2026-03-02T07:00:00Z",
             at: "2026-03-03T06:59:59Z", expected: []),
        Case(name: "due exactly at the instant", zone: "UTC", time: "07:00", after: "2026-03-02T07:00:00Z",
             at: "2026-03-03T07:00:00Z", expected: ["2026-03-03T07:00:00Z"]),
    ]

    @Test("due instants", arguments: cases)
    func due(_ c: Case) throws {
        let schedule = try #require(DigestSchedule(timeZone: c.zone, time: c.time, weekday: c.weekday))
        let due = schedule.dueInstants(after: c.after.map(Self.utc), at: Self.utc(c.at))
        #expect(due == c.expected.map(Self.utc))
    }

    @Test("next and previous instants across the Paris spring change")
    func nextAndPrevious() throws {
        let schedule = try #require(DigestSchedule(timeZone: "Europe/Paris", time: "07:00"))
        #expect(schedule.next(after: Self.utc("2026-03-28T06:00:00Z")) == Self.utc("2026-03-29T05:00:00Z"))
        #expect(schedule.previous(before: Self.utc("2026-03-29T05:00:00Z")) == Self.utc("2026-03-28T06:00:00Z"))
        let weekly = try #require(DigestSchedule(timeZone: "UTC", time: "07:00", weekday: 3))
        #expect(weekly.next(after: Self.utc("2026-03-04T07:00:00Z")) == Self.utc("2026-03-11T07:00:00Z"))
    }

    @Test("invalid settings are refused", arguments: [("Mars/Olympus", "07:00", nil), ("UTC", "7:00", nil),
                                                      ("UTC", "24:00", nil), ("UTC", "07:00", 8 as Int?)])
    func invalid(_ zone: String, _ time: String, _ weekday: Int?) {
        #expect(DigestSchedule(timeZone: zone, time: time, weekday: weekday) == nil)
    }
}
