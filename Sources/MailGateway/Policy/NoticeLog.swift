public import Foundation
public import GRDB

/// The notice rate limit: at most one notice per (sender, reason, list) per UTC day, so a misconfigured
/// autoresponder or a forged sender can't turn the gateway into a backscatter source.
///
/// Call `claim` inside the ingest transaction, before queueing a notice: it returns true (and records the
/// notice) the first time of the day, false afterwards (and counts the suppressed one).
public enum NoticeLog {
    /// Records a notice about to be sent; false when one with the same sender, reason and list was already sent
    /// today (UTC), in which case none should be sent.
    public static func claim(sender: String, reason: ReasonCode, listID: String, now: Date,
                             in db: Database) throws -> Bool {
        let key = MailAddress(address: sender).normalized
        let day = dayString(now)
        try db.execute(sql: """
            INSERT OR IGNORE INTO notice_log (sender, reason, list_id, day, sent_at) VALUES (?, ?, ?, ?, ?)
            """, arguments: [key, reason.rawValue, listID, day, now])
        if db.changesCount == 1 { return true }
        try db.execute(sql: """
            UPDATE notice_log SET suppressed = suppressed + 1 WHERE sender = ? AND reason = ? AND list_id = ? AND day = ?
            """, arguments: [key, reason.rawValue, listID, day])
        return false
    }

    /// Deletes log rows older than `days` days (housekeeping).
    public static func prune(olderThan days: Int, now: Date, in db: Database) throws {
        try db.execute(sql: "DELETE FROM notice_log WHERE day < ?",
                       arguments: [dayString(now.addingTimeInterval(-Double(days) * 86_400))])
    }

    static func dayString(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        let y = c.year ?? 0, m = c.month ?? 0, d = c.day ?? 0
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }
}
