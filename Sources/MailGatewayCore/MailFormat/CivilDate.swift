package import Foundation

/// Days since 1970-01-01 to and from a proleptic Gregorian (year, month, day), by H. Hinnant's algorithms: the stored
/// dates (`StoreDate`), mbox `From ` lines, the header and IMAP dates and the notice log's day read and write dates
/// without a `Calendar`.
package enum CivilDate {
    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days-from-civil).
    package static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The inverse of ``days(year:month:day:)``.
    package static func civil(fromDays z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// The UTC calendar day of `date`, `YYYY-MM-DD` (the notice log's and the bounce ledger's day keys).
    package static func utcDay(_ date: Date) -> String {
        let (y, m, d) = civil(fromDays: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }
}
