public import Foundation
public import GRDB

/// UIDs the IMAP server failed to return (table `fetch_failures`): a FETCH that failed, or answered OK without
/// them. The mailbox's cursor never passes such a UID until it was processed or given up on: after
/// ``maxFailures`` failed attempts it is recorded as unfetchable (a quarantine row without bytes, reported by
/// `archive quarantine` and the log) and the mailbox moves on. Unfetchable UIDs are left unflagged on the server.
public enum FetchFailures {
    /// Failed attempts after which a UID is given up on.
    public static let maxFailures = 3

    /// Counts one failed attempt to fetch `uid`.
    /// - Returns: the number of failed attempts so far, this one included.
    public static func record(_ db: Database, list: String, uidValidity: UInt32, uid: UInt32, error: String) throws -> Int {
        try Int.fetchOne(db, sql: """
            INSERT INTO fetch_failures (list_id, uidvalidity, uid, failures, last_error) VALUES (?, ?, ?, 1, ?)
            ON CONFLICT(list_id, uidvalidity, uid) DO UPDATE SET failures = failures + 1, last_error = excluded.last_error
            RETURNING failures
            """, arguments: [list, Int64(uidValidity), Int64(uid), String(error.prefix(500))]) ?? 1
    }

    /// Failed attempts of the UIDs of `list` not yet processed nor given up on, by UID.
    public static func pending(_ db: Database, list: String, uidValidity: UInt32) throws -> [UInt32: Int] {
        var result: [UInt32: Int] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT uid, failures FROM fetch_failures WHERE list_id = ? AND uidvalidity = ? AND unfetchable_at IS NULL
            """, arguments: [list, Int64(uidValidity)]) {
            result[UInt32(row["uid"] as Int64)] = row["failures"]
        }
        return result
    }

    /// UIDs of `list` given up on as unfetchable (the repair pass leaves them unflagged).
    public static func unfetchable(_ db: Database, list: String, uidValidity: UInt32) throws -> Set<UInt32> {
        Set(try Int64.fetchAll(db, sql: """
            SELECT uid FROM fetch_failures WHERE list_id = ? AND uidvalidity = ? AND unfetchable_at IS NOT NULL
            """, arguments: [list, Int64(uidValidity)]).map { UInt32($0) })
    }

    /// Forgets the failures of a UID that was fetched after all.
    public static func resolved(_ db: Database, list: String, uidValidity: UInt32, uid: UInt32) throws {
        try db.execute(sql: "DELETE FROM fetch_failures WHERE list_id = ? AND uidvalidity = ? AND uid = ? AND unfetchable_at IS NULL",
                       arguments: [list, Int64(uidValidity), Int64(uid)])
    }

    /// Gives up on `uid`: marks it unfetchable and keeps a quarantine row (no bytes) for the operator.
    /// - Returns: the quarantine row id.
    @discardableResult
    public static func giveUp(_ db: Database, list: String, uidValidity: UInt32, uid: UInt32, size: Int, failures: Int,
                              now: Date = Date()) throws -> Int64 {
        let last = try String.fetchOne(db, sql: """
            SELECT last_error FROM fetch_failures WHERE list_id = ? AND uidvalidity = ? AND uid = ?
            """, arguments: [list, Int64(uidValidity), Int64(uid)]) ?? "unknown"
        try db.execute(sql: "UPDATE fetch_failures SET unfetchable_at = ? WHERE list_id = ? AND uidvalidity = ? AND uid = ?",
                       arguments: [now.timeIntervalSince1970, list, Int64(uidValidity), Int64(uid)])
        return try ArchiveWriter.quarantine(
            db, list: list, raw: [],
            error: "unfetchable: the IMAP server did not return this message in \(failures) attempts (last: \(last)); it is left unflagged on the server",
            source: .imap(uidValidity: uidValidity, uid: uid), oversize: true, originalSize: size, at: now)
    }
}
