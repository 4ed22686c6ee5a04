public import Foundation

/// The one writer of RFC 5322 §3.3 dates (the `Date:` fields the gateway writes, and dates shown in notices).
/// Dates are written in UTC with the `+0000` zone: `Wed, 25 Nov 2026 14:03:09 +0000`. Reading dates is the
/// parser's work (`HeaderFieldDecoder.date`, which accepts the obsolete forms as well).
public enum RFC5322Date {
    /// `date` as an RFC 5322 date-time in UTC.
    public static func string(from date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[((c.weekday ?? 1) - 1) % 7]), \(c.day ?? 1) \(months[((c.month ?? 1) - 1) % 12]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }
}
