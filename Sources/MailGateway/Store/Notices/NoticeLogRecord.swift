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
    /// counts one more suppressed notice and returns false. One statement (an upsert whose `RETURNING` gives the
    /// suppressed count: 0 for a new row): it runs for every rejected post, most of them rate-limited.
    static func claim(sender: String, reason: String, listID: String, day: String, now: Date,
                      in db: Database) throws -> Bool {
        let suppressed = try Int.fetchOne(db.cachedStatement(sql: """
            INSERT INTO notice_log (sender, reason, list_id, day, sent_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (sender, reason, list_id, day) DO UPDATE SET suppressed = suppressed + 1
            RETURNING suppressed
            """), arguments: [sender, reason, listID, day, StoreDate.value(now)])
        return suppressed == 0
    }

    /// Deletes the rows of days before `day`.
    static func delete(before day: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM notice_log WHERE day < ?", arguments: [day])
    }
}
