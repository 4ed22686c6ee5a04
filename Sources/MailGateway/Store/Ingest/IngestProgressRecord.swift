public import Foundation
public import GRDB

/// A row of `ingest_progress`: the messages (UIDs `uid...lastUID`, one message when `lastUID` is nil) a list's
/// mailbox is processing and the run processing them (``IngestProgress`` holds the poison-message guard's logic).
public struct IngestProgressRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "ingest_progress"

    public var listID: String
    public var uidValidity: Int64
    public var uid: Int64
    /// The last UID of a group committed together (since `ingest-v3-groups`); nil: the message `uid` alone.
    public var lastUID: Int64?
    public var runID: String
    /// Runs that ended abnormally while this message was in progress.
    public var crashes: Int
    public var startedAt: Date

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case listID = "list_id", uidValidity = "uidvalidity", uid, lastUID = "last_uid", runID = "run_id", crashes, startedAt = "started_at"
    }

    /// The UIDs the marker names (nil for a row that no valid range describes).
    var uids: ClosedRange<UInt32>? {
        guard let first = UInt32(exactly: uid), let last = UInt32(exactly: lastUID ?? uid), first <= last else { return nil }
        return first...last
    }

    /// Writes the list's marker, replacing the one it had.
    static func upsert(_ db: Database, _ record: Self) throws {
        try db.cachedStatement(sql: """
            INSERT INTO ingest_progress (list_id, uidvalidity, uid, last_uid, run_id, crashes, started_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(list_id) DO UPDATE SET uidvalidity = excluded.uidvalidity, uid = excluded.uid,
                last_uid = excluded.last_uid, run_id = excluded.run_id, crashes = excluded.crashes,
                started_at = excluded.started_at
            """).execute(arguments: [record.listID, record.uidValidity, record.uid, record.lastUID, record.runID,
                                     record.crashes, StoreDate.value(record.startedAt)])
    }

    /// Deletes the marker of `list` (of `run` only, when not nil).
    static func delete(_ db: Database, list: String, run: String? = nil) throws {
        if let run {
            try db.cachedStatement(sql: "DELETE FROM ingest_progress WHERE list_id = ? AND run_id = ?")
                .execute(arguments: [list, run])
        } else {
            try db.cachedStatement(sql: "DELETE FROM ingest_progress WHERE list_id = ?").execute(arguments: [list])
        }
    }

    /// The marker of `list`, if any.
    static func find(_ db: Database, list: String) throws -> Self? {
        try fetchOne(db.cachedStatement(sql: "SELECT * FROM ingest_progress WHERE list_id = ?"), arguments: [list])
    }

    /// Deletes every marker `run` left.
    static func delete(_ db: Database, run: String) throws {
        try filter(CodingKeys.runID == run).deleteAll(db)
    }
}
