package import Foundation
package import GRDB

/// The database value of a `Date` (GRDB's text, `yyyy-MM-dd HH:mm:ss.SSS` UTC), written by arithmetic. GRDB formats
/// each bound `Date` through a shared ICU `DateFormatter`: three per outbox copy, three per digest issue, and a few
/// per message ingested (~3 % of an ingest in `perf`, docs/benchmarks.md "Issue 12"). The text is GRDB's own
/// (StoreDateTests compares them), so it compares and sorts exactly as every other stored date. (Until issue 12 a
/// cache of the last few instants formatted by GRDB; the arithmetic serves every instant, without a lock.)
package enum StoreDate {
    /// The database value of `date`: the text GRDB would write (GRDB's own for years outside 1583...9999).
    package static func value(_ date: Date) -> DatabaseValue {
        // As Foundation and ICU compute it: milliseconds from the reference date, to the nearest (halves upward).
        let milliseconds = ((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down)
        guard milliseconds.isFinite, abs(milliseconds) < 4e14 else { return date.databaseValue }
        let (quotient, remainder) = Int(milliseconds).quotientAndRemainder(dividingBy: 86_400_000)
        let days = remainder < 0 ? quotient - 1 : quotient
        let inDay = remainder < 0 ? remainder + 86_400_000 : remainder
        let (year, month, day) = CivilDate.civil(fromDays: days)
        // ICU's calendar is Julian before 1582-10-15: GRDB's own text there (a Date header may say 1000-1581).
        guard (1583...9999).contains(year) else { return date.databaseValue }
        var text = [UInt8]()
        text.reserveCapacity(23)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                text.append(UInt8(48 + (value / divisor) % 10))
                divisor /= 10
            }
        }
        digits(year, 4); text.append(0x2D); digits(month, 2); text.append(0x2D); digits(day, 2); text.append(0x20)
        digits(inDay / 3_600_000, 2); text.append(0x3A); digits(inDay / 60_000 % 60, 2); text.append(0x3A)
        digits(inDay / 1000 % 60, 2); text.append(0x2E); digits(inDay % 1000, 3)
        return String(decoding: text, as: UTF8.self).databaseValue
    }

    /// The date of a stored value, as GRDB's `Date.fromDatabaseValue` reads it: GRDB's own text
    /// (`yyyy-MM-dd HH:mm:ss.SSS`, years 1583...9999) by arithmetic, anything else by GRDB. GRDB builds a UTC
    /// `Calendar` for its first date: 1.7 M instructions of a 36 M `archive search` process (callgrind,
    /// docs/benchmarks.md). StoreDateTests checks both readings agree to the bit.
    package static func date(_ value: DatabaseValue) -> Date? {
        guard case .string(let text) = value.storage, text.utf8.count == 23 else { return Date.fromDatabaseValue(value) }
        var bytes = text.utf8.makeIterator()
        func number(_ count: Int, then separator: UInt8?) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard let byte = bytes.next(), byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            if let separator, bytes.next() != separator { return nil }
            return value
        }
        guard let year = number(4, then: 0x2D), (1583...9999).contains(year), let month = number(2, then: 0x2D),
              (1...12).contains(month), let day = number(2, then: 0x20), (1...31).contains(day),
              let hour = number(2, then: 0x3A), hour < 24, let minute = number(2, then: 0x3A), minute < 60,
              let second = number(2, then: 0x2E), second < 60, let millisecond = number(3, then: nil)
        else { return Date.fromDatabaseValue(value) }
        let days = CivilDate.days(year: year, month: month, day: day)
        guard CivilDate.civil(fromDays: days) == (year, month, day) else { return Date.fromDatabaseValue(value) }
        // Rounded as Foundation's Gregorian calendar rounds (GRDB reads through it): the day's midnight plus the
        // seconds in the day with their fraction, two additions. Adding the fraction to the whole seconds at once
        // gave one bit less on about 1 text in 75,000 ("2000-12-20 14:48:29.609").
        let midnight = Double(days * 86_400 - 978_307_200)
        let inDay = Double(hour) * 3600 + Double(minute) * 60 + Double(second) + Double(millisecond) / 1000
        return Date(timeIntervalSinceReferenceDate: midnight + inDay)
    }

    /// `value(_:)` for an optional date (NULL for nil).
    package static func value(_ date: Date?) -> DatabaseValue {
        date.map { value($0) } ?? .null
    }
}
