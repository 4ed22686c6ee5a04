public import Foundation
public import GRDB

/// A row of `ingest_progress`: the message a list's mailbox is processing and the run processing it
/// (``IngestProgress`` holds the poison-message guard's logic).
public struct IngestProgressRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "ingest_progress"

    public var listID: String
    public var uidValidity: Int64
    public var uid: Int64
    public var runID: String
    /// Runs that ended abnormally while this message was in progress.
    public var crashes: Int
    public var startedAt: Date

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case listID = "list_id", uidValidity = "uidvalidity", uid, runID = "run_id", crashes, startedAt = "started_at"
    }

    /// Writes the list's marker, replacing the one it had.
    static func upsert(_ db: Database, _ record: Self) throws {
        try db.execute(sql: """
            INSERT INTO ingest_progress (list_id, uidvalidity, uid, run_id, crashes, started_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(list_id) DO UPDATE SET uidvalidity = excluded.uidvalidity, uid = excluded.uid,
                run_id = excluded.run_id, crashes = excluded.crashes, started_at = excluded.started_at
            """, arguments: [record.listID, record.uidValidity, record.uid, record.runID, record.crashes,
                             record.startedAt])
    }

    /// Deletes the marker of `list` (of `run` only, when not nil).
    static func delete(_ db: Database, list: String, run: String? = nil) throws {
        var request = filter(CodingKeys.listID == list)
        if let run { request = request.filter(CodingKeys.runID == run) }
        try request.deleteAll(db)
    }

    /// Deletes every marker `run` left.
    static func delete(_ db: Database, run: String) throws {
        try filter(CodingKeys.runID == run).deleteAll(db)
    }
}
