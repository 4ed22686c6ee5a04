import Foundation
import GRDB

/// A row of `blobs`: attachment content, stored once per SHA-256 (hex), by archives written before
/// "archive-v4-attachments-in-raw" (read only since: ``ArchiveQueries/attachmentData(_:sha256:)``).
struct BlobRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "blobs"

    var sha256: String
    var data: Data
}

extension BlobRecord {
    /// The content stored under `sha256`.
    static func data(_ db: Database, sha256: String) throws -> Data? {
        try BlobRecord.fetchOne(db, key: sha256)?.data
    }
}
