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
        try FetchFailureRecord.countFailure(db, list: list, uidValidity: uidValidity, uid: uid,
                                            error: String(error.prefix(500)))
    }

    /// Records the UIDs of a batch FETCH that failed, without counting an attempt: the next pass fetches each alone.
    public static func recordBatch(_ db: Database, list: String, uidValidity: UInt32, uids: [UInt32]) throws {
        try FetchFailureRecord.recordUntried(db, list: list, uidValidity: uidValidity, uids: uids,
                                             error: "batch FETCH failed")
    }

    /// Failed attempts of the UIDs of `list` not yet processed nor given up on, by UID.
    public static func pending(_ db: Database, list: String, uidValidity: UInt32) throws -> [UInt32: Int] {
        var result: [UInt32: Int] = [:]
        for row in try FetchFailureRecord.fetchAll(db, list: list, uidValidity: uidValidity, unfetchable: false) {
            result[UInt32(row.uid)] = row.failures
        }
        return result
    }

    /// UIDs of `list` given up on as unfetchable (the repair pass leaves them unflagged).
    public static func unfetchable(_ db: Database, list: String, uidValidity: UInt32) throws -> Set<UInt32> {
        Set(try FetchFailureRecord.fetchAll(db, list: list, uidValidity: uidValidity, unfetchable: true)
            .map { UInt32($0.uid) })
    }

    /// Forgets the failures of a UID that was fetched after all.
    public static func resolved(_ db: Database, list: String, uidValidity: UInt32, uid: UInt32) throws {
        try FetchFailureRecord.deletePending(db, list: list, uidValidity: uidValidity, uid: uid)
    }

    /// Gives up on `uid`: marks it unfetchable and keeps a quarantine row (no bytes) for the operator.
    /// - Returns: the quarantine row id.
    @discardableResult
    public static func giveUp(_ db: Database, list: String, uidValidity: UInt32, uid: UInt32, size: Int, failures: Int,
                              now: Date = Date()) throws -> Int64 {
        let last = try FetchFailureRecord.fetchOne(db, list: list, uidValidity: uidValidity, uid: uid)?.lastError ?? "unknown"
        try FetchFailureRecord.markUnfetchable(db, list: list, uidValidity: uidValidity, uid: uid, at: now)
        return try ArchiveWriter.quarantine(
            db, list: list, raw: [],
            error: "unfetchable: the IMAP server did not return this message in \(failures) attempts (last: \(last)); it is left unflagged on the server",
            source: .imap(uidValidity: uidValidity, uid: uid), oversize: true, originalSize: size, at: now)
    }
}
