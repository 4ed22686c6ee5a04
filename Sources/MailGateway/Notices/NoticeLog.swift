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

    /// The UTC calendar day of `date`, `YYYY-MM-DD` (by arithmetic: it runs for every notice decision, and
    /// building a `Calendar` each time was measurable).
    static func dayString(_ date: Date) -> String { CivilDate.utcDay(date) }
}
