public import Foundation
public import GRDB

/// A row of `digest_entries`: an accepted post of a list with digest members, due in the list's next digest until
/// `sentAt` is set (written by `PostDistributor`, read by the Digest target's `DigestBacklog`).
public struct DigestEntryRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "digest_entries"

    public var listID: String
    public var messageRowID: Int64
    public var createdAt: Date
    public var sentAt: Date?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case listID = "list_id", messageRowID = "message_row_id", createdAt = "created_at", sentAt = "sent_at"
    }

    /// Records the post as due, unless it already is.
    static func insertIgnoringDuplicate(_ db: Database, listID: String, messageRowID: Int64, at date: Date) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO digest_entries (list_id, message_row_id, created_at) VALUES (?, ?, ?)
            """, arguments: [listID, messageRowID, date])
    }

    /// A due post of a list, with its message's fields and its thread.
    public struct DuePost: Sendable, Equatable, FetchableRecord {
        public var messageRowID: Int64
        public var messageID: String
        /// The author's name, else address.
        public var author: String
        public var date: Date
        public var subject: String
        public var threadID: Int64
        public var threadSubject: String

        public init(row: Row) throws {
            messageRowID = row["id"]
            messageID = row["message_id"]
            author = row["author"]
            date = row["date"]
            subject = row["subject"]
            threadID = row["thread_id"]
            threadSubject = row["thread_subject"]
        }
    }

    /// The accepted posts of `list` due in its next digest (not yet sent), by date.
    public static func duePosts(_ db: Database, list: String) throws -> [DuePost] {
        try DuePost.fetchAll(db, sql: """
            SELECT m.id, m.message_id, coalesce(m.from_name, m.from_address, '') AS author, m.date, m.subject,
                   m.thread_id, t.subject AS thread_subject
            FROM digest_entries d
            JOIN messages m ON m.id = d.message_row_id
            JOIN threads t ON t.id = m.thread_id
            WHERE d.list_id = ? AND d.sent_at IS NULL AND m.status = 'accepted'
            ORDER BY m.date, m.id
            """, arguments: [list])
    }

    /// Marks the post sent in the digest of `list` at `date`.
    public static func markSent(_ db: Database, list: String, messageRowID: Int64, at date: Date) throws {
        try db.execute(sql: "UPDATE digest_entries SET sent_at = ? WHERE list_id = ? AND message_row_id = ?",
                       arguments: [date, list, messageRowID])
    }
}
