public import Foundation
public import GRDB

/// The poison-message guard's durable marker (table `ingest_progress`, one row per list): which messages of a list's
/// mailbox are being processed (a UID range: a group committed in one transaction and the group parsed while it is
/// written, or one message), and by which run of the gateway.
///
/// The marker is committed before the messages are parsed and cleared in the transaction that commits them, so a
/// row that belongs to another run was left by a process that died while processing them (a crash, a kill). Each
/// such run counts once in `crashes`. A group's crash is pinned on one message by replaying the group's UIDs one
/// message per transaction (``MailboxSync``), each starting from zero; when a message reaches
/// ``maxCrashes``, the mailbox stops retrying it: it is quarantined raw with the reason ``quarantineReason`` and
/// the cursor moves on.
public enum IngestProgress {
    /// Abnormal exits during one message after which it is quarantined instead of processed again.
    public static let maxCrashes = 3
    /// The reason a poison message is quarantined with (shown by `archive quarantine`).
    public static let quarantineReason = "crashed-the-gateway"

    /// Records that `run` starts processing the messages `uids` (a group and the group after it, or one message),
    /// committed by the caller before they are parsed.
    /// - Parameter carried: the crashes counted when the marker names other UIDs: a message a dead run was
    ///   processing alone (``interrupted(_:list:uidValidity:run:)``) starts from that run's count.
    /// - Returns: how many earlier runs ended abnormally while these same UIDs were in progress (else `carried`).
    public static func begin(_ db: Database, list: String, uidValidity: UInt32, uids: ClosedRange<UInt32>, run: String,
                             carried: Int = 0, now: Date = Date()) throws -> Int {
        var crashes = carried
        if let row = try IngestProgressRecord.find(db, list: list), row.uidValidity == Int64(uidValidity),
           row.uids == uids {
            crashes = row.crashes + (row.runID == run ? 0 : 1)
        }
        try handOver(db, list: list, uidValidity: uidValidity, uids: uids, run: run, crashes: crashes, now: now)
        return crashes
    }

    /// Replaces the list's marker (that of the unit just committed, in its transaction) with the marker of the unit
    /// processed next, starting from `crashes`: what ``begin(_:list:uidValidity:uids:run:carried:now:)`` would
    /// write after ``finish(_:list:)``, without reading the row it replaces.
    public static func handOver(_ db: Database, list: String, uidValidity: UInt32, uids: ClosedRange<UInt32>, run: String,
                                crashes: Int, now: Date = Date()) throws {
        try IngestProgressRecord.upsert(db, IngestProgressRecord(
            listID: list, uidValidity: Int64(uidValidity), uid: Int64(uids.lowerBound),
            lastUID: uids.count > 1 ? Int64(uids.upperBound) : nil, runID: run, crashes: crashes, startedAt: now))
    }

    /// The marker a process that died left for `list` and `uidValidity` (a row of another run than `run`), read
    /// when a pass starts: its UIDs are replayed one message per transaction.
    /// - Returns: the UIDs that were in progress and the abnormal exits counted with this one, or nil.
    public static func interrupted(_ db: Database, list: String, uidValidity: UInt32,
                                   run: String) throws -> (uids: ClosedRange<UInt32>, crashes: Int)? {
        guard let row = try IngestProgressRecord.find(db, list: list), row.runID != run,
              row.uidValidity == Int64(uidValidity), let uids = row.uids else { return nil }
        return (uids, row.crashes + 1)
    }

    /// Clears the list's marker (in the transaction that commits the message).
    public static func finish(_ db: Database, list: String) throws {
        try IngestProgressRecord.delete(db, list: list)
    }

    /// Clears the markers `run` left (a clean exit, or a pass that failed without crashing): only a process that
    /// died leaves one behind.
    public static func clear(_ db: Database, run: String) throws {
        try IngestProgressRecord.delete(db, run: run)
    }

    /// Clears the marker `run` left for `list` (a pass that failed without crashing).
    public static func clear(_ db: Database, list: String, run: String) throws {
        try IngestProgressRecord.delete(db, list: list, run: run)
    }

    /// The quarantine text of a poison message.
    static func quarantineError(crashes: Int) -> String {
        "\(quarantineReason): the gateway stopped abnormally \(crashes) times while processing this message; kept raw, not processed"
    }
}
