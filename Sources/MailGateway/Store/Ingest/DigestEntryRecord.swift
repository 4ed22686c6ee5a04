public import Foundation
public import GRDB

/// A row of `digest_entries`: an accepted post of a list with digest members, written by `PostDistributor` in the
/// transaction that accepts it; `DigestRun` selects each member's issue by `createdAt` (`DigestItemRow`). `sentAt`
/// is a column of the first schema that nothing sets any more (issues are recorded in `digest_issues`).
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
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO digest_entries (list_id, message_row_id, created_at) VALUES (?, ?, ?)
            """).execute(arguments: [listID, messageRowID, date])
    }
}
