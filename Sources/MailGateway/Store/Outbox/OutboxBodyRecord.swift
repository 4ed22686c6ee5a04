public import Foundation
public import GRDB

/// A row of `outbox_body`: the bytes common to every copy of a post or notice, stored once (keyed by their
/// SHA-256, `digest`). A notice's body is emptied (`redacted:<id>`) once every copy of it is sent.
public struct OutboxBodyRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "outbox_body"

    public var id: Int64
    public var digest: String
    public var bytes: Data

    /// The id of the body with `digest`, storing `bytes` under it if it is new.
    static func storedID(_ db: Database, digest: String, bytes: @autoclosure () -> Data) throws -> Int64 {
        // Most bodies are already stored (a digest shared by many members): look before binding the bytes.
        if let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM outbox_body WHERE digest = ?"),
                                       arguments: [digest]) {
            return id
        }
        try db.cachedStatement(sql: "INSERT INTO outbox_body (digest, bytes) VALUES (?, ?) ON CONFLICT(digest) DO NOTHING")
            .execute(arguments: [digest, bytes()])
        if db.changesCount > 0 { return db.lastInsertedRowID }
        guard let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM outbox_body WHERE digest = ?"),
                                          arguments: [digest]) else {
            throw DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "outbox body not stored")
        }
        return id
    }

    /// The bytes of body `id` (empty when unknown).
    static func bytes(_ db: Database, id: Int64) throws -> Data {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT bytes FROM outbox_body WHERE id = ?"), arguments: [id]) ?? Data()
    }
}
