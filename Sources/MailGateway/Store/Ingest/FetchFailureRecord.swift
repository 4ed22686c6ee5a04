public import Foundation
public import GRDB

/// A row of `fetch_failures`: a UID the IMAP server failed to return, with the count of failed attempts;
/// `unfetchableAt` is set when the gateway gave up on it (``FetchFailures`` holds the logic).
public struct FetchFailureRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "fetch_failures"

    public var listID: String
    public var uidValidity: Int64
    public var uid: Int64
    public var failures: Int
    public var lastError: String
    public var unfetchableAt: Date?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case listID = "list_id", uidValidity = "uidvalidity", uid, failures, lastError = "last_error"
        case unfetchableAt = "unfetchable_at"
    }

    /// The rows of one list and UIDVALIDITY.
    private static func of(list: String, uidValidity: UInt32) -> QueryInterfaceRequest<Self> {
        filter(CodingKeys.listID == list && CodingKeys.uidValidity == Int64(uidValidity))
    }

    /// Counts one failed attempt at `uid` and records its error.
    /// - Returns: the failed attempts so far.
    static func countFailure(_ db: Database, list: String, uidValidity: UInt32, uid: UInt32, error: String) throws -> Int {
        try Int.fetchOne(db, sql: """
            INSERT INTO fetch_failures (list_id, uidvalidity, uid, failures, last_error) VALUES (?, ?, ?, 1, ?)
            ON CONFLICT(list_id, uidvalidity, uid) DO UPDATE SET failures = failures + 1, last_error = excluded.last_error
            RETURNING failures
            """, arguments: [list, Int64(uidValidity), Int64(uid), error]) ?? 1
    }

    /// Records `uids` (of a batch FETCH that failed) with no failed attempt of their own, if not yet recorded: the
    /// next pass fetches each alone.
    static func recordUntried(_ db: Database, list: String, uidValidity: UInt32, uids: [UInt32],
                                     error: String) throws {
        for uid in uids {
            try db.execute(sql: """
                INSERT INTO fetch_failures (list_id, uidvalidity, uid, failures, last_error) VALUES (?, ?, ?, 0, ?)
                ON CONFLICT DO NOTHING
                """, arguments: [list, Int64(uidValidity), Int64(uid), error])
        }
    }

    /// Rows not given up on, or given up on (`unfetchable`).
    static func fetchAll(_ db: Database, list: String, uidValidity: UInt32, unfetchable: Bool) throws -> [Self] {
        try of(list: list, uidValidity: uidValidity)
            .filter(unfetchable ? CodingKeys.unfetchableAt != nil : CodingKeys.unfetchableAt == nil)
            .fetchAll(db)
    }

    /// Deletes the row of `uid` unless it was given up on.
    static func deletePending(_ db: Database, list: String, uidValidity: UInt32, uid: UInt32) throws {
        try of(list: list, uidValidity: uidValidity)
            .filter(CodingKeys.uid == Int64(uid) && CodingKeys.unfetchableAt == nil)
            .deleteAll(db)
    }

    /// The row of `uid`, if any.
    static func fetchOne(_ db: Database, list: String, uidValidity: UInt32, uid: UInt32) throws -> Self? {
        try of(list: list, uidValidity: uidValidity).filter(CodingKeys.uid == Int64(uid)).fetchOne(db)
    }

    /// Marks `uid` given up on at `date`.
    static func markUnfetchable(_ db: Database, list: String, uidValidity: UInt32, uid: UInt32, at date: Date) throws {
        try of(list: list, uidValidity: uidValidity).filter(CodingKeys.uid == Int64(uid))
            .updateAll(db, CodingKeys.unfetchableAt.set(to: date))
    }
}
