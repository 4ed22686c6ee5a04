public import Foundation
public import GRDB

/// The poison-message guard's durable marker (table `ingest_progress`, one row per list): which message of a list's
/// mailbox is being processed, and by which run of the gateway.
///
/// The marker is committed before the message is parsed and cleared in the transaction that commits the message,
/// so a row that belongs to another run was left by a process that died while processing that message (a crash, a
/// kill). Each such run counts once in `crashes`; when a message reaches ``maxCrashes``, the mailbox stops
/// retrying it: it is quarantined raw with the reason ``quarantineReason`` and the cursor moves on.
public enum IngestProgress {
    /// Abnormal exits during one message after which it is quarantined instead of processed again.
    public static let maxCrashes = 3
    /// The reason a poison message is quarantined with (shown by `archive quarantine`).
    public static let quarantineReason = "crashed-the-gateway"

    /// Records that `run` starts processing `uid`, committed by the caller before parsing.
    /// - Returns: how many earlier runs ended abnormally while this same message was in progress.
    public static func begin(_ db: Database, list: String, uidValidity: UInt32, uid: UInt32, run: String,
                             now: Date = Date()) throws -> Int {
        var crashes = 0
        if let row = try IngestProgressRecord.find(db, list: list),
           row.uidValidity == Int64(uidValidity), row.uid == Int64(uid) {
            crashes = row.crashes + (row.runID == run ? 0 : 1)
        }
        try IngestProgressRecord.upsert(db, IngestProgressRecord(
            listID: list, uidValidity: Int64(uidValidity), uid: Int64(uid), runID: run, crashes: crashes, startedAt: now))
        return crashes
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
