public import Foundation
public import GRDB

/// The notice rate limit: at most one notice per (sender, reason, list) per UTC day, so a misconfigured
/// autoresponder or a forged sender can't turn the gateway into a backscatter source. The sender is keyed
/// without case (`MailAddress.normalized`): `Victim@` and `VICTIM@` are one sender. A moderator's rejection and
/// an expired hold are rate-limited apart from the hold's own notice (`outcome`), so that an author held and
/// rejected on the same day hears of both.
///
/// Call `claim` inside the ingest transaction, before queueing a notice: it returns true (and records the
/// notice) the first time of the day, false afterwards (and counts the suppressed one).
public enum NoticeLog {
    /// Records a notice about to be sent; false when one with the same sender, reason and list was already sent
    /// today (UTC), in which case none should be sent.
    public static func claim(sender: String, reason: ReasonCode, outcome: NoticeKind? = nil, listID: String,
                             now: Date, in db: Database) throws -> Bool {
        let key = MailAddress(address: sender).normalized
        let reasonKey = outcome.map { "\(reason.rawValue):\($0.rawValue)" } ?? reason.rawValue
        let day = dayString(now)
        return try NoticeLogRecord.claim(sender: key, reason: reasonKey, listID: listID, day: day, now: now, in: db)
    }

    /// Deletes log rows older than `days` days (housekeeping).
    public static func prune(olderThan days: Int, now: Date, in db: Database) throws {
        try NoticeLogRecord.delete(before: dayString(now.addingTimeInterval(-Double(days) * 86_400)), in: db)
    }

    /// The UTC calendar day of `date`, `YYYY-MM-DD`, by civil-from-days arithmetic (H. Hinnant's algorithm):
    /// it runs for every notice decision, and building a `Calendar` each time was measurable.
    static func dayString(_ date: Date) -> String {
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }
}
