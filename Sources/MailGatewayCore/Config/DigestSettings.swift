public import Foundation

/// When digests go out: a member's local time (`HH:MM`) in their time zone (IANA name). A member's own settings
/// come first (`memberships.digest_time`, `people.time_zone`), then the list's ``ListConfig/digest``, then these.
public struct DigestSettings: Sendable, Codable, Equatable {
    /// `HH:MM`, local time of the member.
    public var time: String
    /// IANA time zone name.
    public var timeZone: String

    /// Defaults: 07:00 UTC.
    public init(time: String = "07:00", timeZone: String = "UTC") {
        self.time = time
        self.timeZone = timeZone
    }

    /// Deprecated `hour_utc` (read by no version): the same hour, UTC.
    public init(hourUTC: Int) {
        self.init(time: String(format: "%02d:00", hourUTC), timeZone: "UTC")
    }

    /// `HH:MM` (00:00-23:59) as hour and minute; nil for anything else.
    public static func parseTime(_ text: String) -> (hour: Int, minute: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        return (hour, minute)
    }

    /// Whether Foundation knows the IANA time zone `name`.
    public static func isTimeZone(_ name: String) -> Bool { TimeZone(identifier: name) != nil }
}

/// A list's own digest time or time zone (nil: the configuration's).
public struct DigestOverride: Sendable, Codable, Equatable {
    public var time: String?
    public var timeZone: String?

    public init(time: String? = nil, timeZone: String? = nil) {
        self.time = time
        self.timeZone = timeZone
    }
}
