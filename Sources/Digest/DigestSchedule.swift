public import Foundation
import MailGateway

/// When a member's digest is due: every day (or one weekday) at a local time in their time zone. Pure: the
/// instants come from Foundation's `Calendar` in that zone, so a daylight-saving change moves the UTC instant and
/// never the local time. A local time that does not exist that day (skipped by a spring-forward change) is due at
/// the first instant after the gap; one that exists twice (autumn) is due the first time.
public struct DigestSchedule: Sendable, Equatable {
    public var timeZone: TimeZone
    public var hour: Int
    public var minute: Int
    /// 1 = Monday ... 7 = Sunday (ISO 8601); nil = every day.
    public var weekday: Int?

    public init(timeZone: TimeZone, hour: Int, minute: Int, weekday: Int? = nil) {
        self.timeZone = timeZone
        self.hour = hour
        self.minute = minute
        self.weekday = weekday
    }

    /// The schedule of `time` (`HH:MM`) in the zone named `timeZone`; nil when either is not valid.
    public init?(timeZone: String, time: String, weekday: Int? = nil) {
        guard let zone = TimeZone(identifier: timeZone), let (hour, minute) = DigestSettingsTime.parse(time),
              weekday.map({ (1...7).contains($0) }) ?? true else { return nil }
        self.init(timeZone: zone, hour: hour, minute: minute, weekday: weekday)
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The instant the digest is due on the local day that contains `day`, nil when it is not a due day.
    private func instant(onDayOf day: Date) -> Date? {
        let calendar = self.calendar
        var components = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
        if let weekday, components.weekday != weekday % 7 + 1 { return nil }
        components.weekday = nil
        components.hour = hour
        components.minute = minute
        components.second = 0
        return calendar.date(from: components)
    }

    /// The due instants in `(after, at]`, oldest first. With no `after` (the member's first issue), only the latest
    /// due instant at or before `at` (no issue for days before the member's first).
    public func dueInstants(after: Date?, at: Date) -> [Date] {
        let calendar = self.calendar
        let lower = after ?? at.addingTimeInterval(-8 * 86_400)
        var day = calendar.startOfDay(for: lower)
        var instants: [Date] = []
        while day <= at {
            if let instant = instant(onDayOf: day), instant > lower, instant <= at { instants.append(instant) }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { break }
            day = calendar.startOfDay(for: next)
        }
        if after == nil, let last = instants.last { return [last] }
        return instants
    }

    /// The latest due instant in `(after, at]`: the end of the issue due at `at`; nil when none is due.
    public func latestDue(after: Date?, at: Date) -> Date? {
        dueInstants(after: after, at: at).last
    }

    /// The first due instant after `date`.
    public func next(after date: Date) -> Date? {
        let calendar = self.calendar
        var day = calendar.startOfDay(for: date)
        for _ in 0..<9 {
            if let instant = instant(onDayOf: day), instant > date { return instant }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = calendar.startOfDay(for: next)
        }
        return nil
    }

    /// The last due instant strictly before `date` (where a member's first issue starts collecting).
    public func previous(before date: Date) -> Date? {
        let calendar = self.calendar
        var day = calendar.startOfDay(for: date)
        for _ in 0..<9 {
            if let instant = instant(onDayOf: day), instant < date { return instant }
            guard let previous = calendar.date(byAdding: .day, value: -1, to: day) else { return nil }
            day = calendar.startOfDay(for: previous)
        }
        return nil
    }
}

/// `HH:MM` parsing shared with the configuration's check.
enum DigestSettingsTime {
    static func parse(_ text: String) -> (Int, Int)? {
        DigestSettings.parseTime(text).map { ($0.hour, $0.minute) }
    }
}
