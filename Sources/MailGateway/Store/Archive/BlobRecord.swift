import Foundation
import GRDB

/// A row of `blobs`: attachment content, stored once per SHA-256 (hex).
struct BlobRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "blobs"

    var sha256: String
    var data: Data
}

extension BlobRecord {
    /// Stores `data` under `sha256` unless that content is already stored.
    static func insertIfAbsent(_ db: Database, sha256: String, data: Data) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO blobs (sha256, data) VALUES (?, ?)")
            .execute(arguments: [sha256, data])
    }

    /// The content stored under `sha256`.
    static func data(_ db: Database, sha256: String) throws -> Data? {
        try BlobRecord.fetchOne(db, key: sha256)?.data
    }
}
