import Foundation
import GRDB

/// A row of `attachments`: one part of an archived message, described; its content is in the message's `raw`
/// (or, for an archive written before "archive-v4-attachments-in-raw", also in `blobs` under `sha256`).
struct AttachmentRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    static let databaseTableName = "attachments"

    var id: Int64?
    /// Row id of the message in `messages`.
    var messageRow: Int64
    var position: Int
    var filename: String?
    var contentType: String
    var size: Int
    var sha256: String
    var contentID: String?
    var isInline: Bool

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id
        case messageRow = "message_id"
        case position, filename
        case contentType = "content_type"
        case size, sha256
        case contentID = "content_id"
        case isInline = "inline"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The description shown by the archive views.
    var info: AttachmentInfo {
        AttachmentInfo(position: position, filename: filename, contentType: contentType, size: size, sha256: sha256,
                       contentID: contentID, isInline: isInline)
    }
}

extension AttachmentRecord {
    /// Inserts the row (one cached statement, on the ingest path).
    func insertCached(_ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO attachments (message_id, position, filename, content_type, size, sha256, content_id, inline)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [messageRow, position, filename, contentType, size, sha256, contentID, isInline])
    }

    /// The raw bytes of (at most `limit`) messages carrying an attachment of this hash, each once, oldest first.
    static func carriers(_ db: Database, sha256: String, limit: Int) throws -> [[UInt8]] {
        try Data.fetchAll(db, sql: """
            SELECT raw FROM messages WHERE id IN (SELECT message_id FROM attachments WHERE sha256 = ?)
            ORDER BY id LIMIT ?
            """, arguments: [sha256, limit]).map { [UInt8]($0) }
    }

    /// The attachments of a message, in order.
    static func infos(_ db: Database, messageRow: Int64) throws -> [AttachmentInfo] {
        try AttachmentRecord.filter(CodingKeys.messageRow == messageRow).order(CodingKeys.position)
            .fetchAll(db).map(\.info)
    }
}
