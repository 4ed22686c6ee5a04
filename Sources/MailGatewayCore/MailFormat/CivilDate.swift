package import Foundation

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day), by H. Hinnant's civil-from-days algorithm:
/// the stored dates (`StoreDate`), mbox `From ` lines and the notice log's day write dates without a `Calendar`.
package enum CivilDate {
    /// The inverse of `HeaderFieldDecoder.daysFromCivil`.
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
