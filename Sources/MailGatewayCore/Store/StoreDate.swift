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

    /// `value(_:)` for an optional date (NULL for nil).
    package static func value(_ date: Date?) -> DatabaseValue {
        date.map { value($0) } ?? .null
    }
}
