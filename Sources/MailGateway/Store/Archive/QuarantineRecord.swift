import Foundation
import GRDB

/// A row of `quarantine`: a message that could not be archived, kept for the operator (`raw` is nil for an
/// oversize message, of which only the headers were kept).
struct QuarantineRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    static let databaseTableName = "quarantine"

    var id: Int64?
    var listID: String
    var raw: Data?
    var size: Int
    var headersExcerpt: String
    var error: String
    /// `imap` or `import` (``ArchiveSource/kind``).
    var source: String
    var uidValidity: Int64?
    var uid: Int64?
    var created: Date

    enum CodingKeys: String, CodingKey {
        case id
        case listID = "list_id"
        case raw, size
        case headersExcerpt = "headers_excerpt"
        case error, source
        case uidValidity = "uidvalidity"
        case uid, created
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension QuarantineRecord {
    /// Quarantined messages, newest first, optionally of one list (without their bytes).
    static func entries(_ db: Database, list: String?, limit: Int) throws -> [QuarantineEntry] {
        var sql = """
            SELECT id, list_id, size, raw IS NOT NULL, headers_excerpt, error, source, uidvalidity, uid, created
            FROM quarantine
            """
        var arguments: StatementArguments = []
        if let list {
            sql += " WHERE list_id = ?"
            arguments += [list]
        }
        sql += " ORDER BY created DESC, id DESC LIMIT ?"
        arguments += [max(0, limit)]
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
            QuarantineEntry(id: $0[0], list: $0[1], size: $0[2], rawStored: $0[3], headersExcerpt: $0[4], error: $0[5],
                            source: $0[6], uidValidity: $0[7], uid: $0[8], created: $0[9])
        }
    }

    /// The raw bytes of a quarantined message (nil for an oversize one, or an unknown id).
    static func raw(_ db: Database, id: Int64) throws -> Data? {
        try Data.fetchOne(db, sql: "SELECT raw FROM quarantine WHERE id = ?", arguments: [id])
    }
}
