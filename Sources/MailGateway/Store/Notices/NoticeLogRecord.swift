import Foundation
import GRDB

/// One row of `notice_log` (migration `notices-v1`): the notice sent to one sender, for one reason (and
/// outcome), about one list, on one UTC day (`YYYY-MM-DD`), and how many more were suppressed that day.
/// The rate limit itself is `NoticeLog`'s.
struct NoticeLogRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "notice_log"

    /// The sender's case-insensitive key (`MailAddress.normalized`).
    var sender: String
    /// The reason code, with `:<outcome>` for a hold's outcome notice.
    var reason: String
    var listID: String
    var day: String
    var sentAt: Date
    var suppressed: Int

    enum CodingKeys: String, CodingKey {
        case sender, reason, day, suppressed
        case listID = "list_id"
        case sentAt = "sent_at"
    }

    // MARK: Queries

    /// Records the day's notice for (sender, reason, list) and returns true; when it was already recorded,
    /// counts one more suppressed notice and returns false.
    static func claim(sender: String, reason: String, listID: String, day: String, now: Date,
                      in db: Database) throws -> Bool {
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO notice_log (sender, reason, list_id, day, sent_at) VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [sender, reason, listID, day, StoreDate.value(now)])
        if db.changesCount == 1 { return true }
        try db.cachedStatement(sql: """
            UPDATE notice_log SET suppressed = suppressed + 1 WHERE sender = ? AND reason = ? AND list_id = ? AND day = ?
            """).execute(arguments: [sender, reason, listID, day])
        return false
    }

    /// Deletes the rows of days before `day`.
    static func delete(before day: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM notice_log WHERE day < ?", arguments: [day])
    }
}
