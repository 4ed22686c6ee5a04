import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Runs the WAL checkpoints of the gateway's database on a thread and a connection of their own, so that the writer's
/// commits no longer wait for them.
///
/// SQLite's automatic checkpoint runs inside the commit that brings the WAL to 1,000 pages: it copies those pages into
/// the database file, then syncs the WAL and the database (`synchronous = NORMAL` syncs nothing else). On the 20k
/// corpus those syncs were about 1 s of the ingest's wall time (251 `fdatasync`s), all of it on the writer's critical
/// path (docs/benchmarks.md, stop 24). Installed on a connection (``install(on:)``), the checkpointer replaces that
/// automatic checkpoint with SQLite's WAL hook:
/// - after every 1,000 pages the writer adds to the WAL, a PASSIVE checkpoint is started on the checkpointer's queue
///   (one at a time; a PASSIVE checkpoint never blocks the writer nor a reader);
/// - at 10,000 pages the committing connection checkpoints itself, as SQLite's own would: what the background left
///   is copied, and the WAL is rewritten from its start at the next transaction. Without that, a writer that never
///   pauses would grow the WAL for ever (a PASSIVE checkpoint never copies the frames committed while it runs, so the
///   WAL is never all copied when the next transaction starts). No background checkpoint starts past that size, so
///   the WAL stays at about 10,000 pages (40 MB with 4 KB pages), plus what is committed while a background
///   checkpoint already running finishes (the inline one is refused, BUSY, until then), also when the background
///   ones fail.
///
/// Against a process crash, durability is unchanged: a commit is in the WAL before the hook runs, and a checkpoint
/// only moves committed pages. Against a power loss (`synchronous = NORMAL` never promised more), the commits not yet
/// synced are those since the last checkpoint: up to 1,000 pages as before while the background keeps up, up to
/// 10,000 when it lags or fails. With `journal_size_limit` (``GatewayStore``), the WAL file is cut back when it is
/// rewritten from its start; during a long ingest it reaches the 10,000-page bound (about 40 MB).
///
/// ``stop()`` (the store's `deinit`) lets the checkpoint in progress finish and starts no other, so that the pool's
/// last connection, closing, can checkpoint the WAL and remove it.
final class WALCheckpointer: Sendable {
    /// Pages added to the WAL between two background checkpoints (1,000: SQLite's automatic checkpoint).
    let backgroundPages: Int32
    /// Pages in the WAL at which the committing connection checkpoints itself (10,000).
    let inlinePages: Int32

    private let queue: DispatchQueue
    /// The database file the background checkpoints open, when given; else the one SQLite names for the committing
    /// connection (a `file:` URI or a relative path resolved).
    private let path: String?
    /// The WAL's size when the last background checkpoint was started, whether one is queued or running, and whether
    /// the checkpointer was stopped.
    private let state = Mutex<(startedAt: Int32, running: Bool, stopped: Bool)>((0, false, false))
    /// Background checkpoints that failed (also counted in `mailgateway_wal_checkpoint_failures_total`; the inline
    /// checkpoint still bounds the WAL).
    let failures = Atomic<Int>(0)
    /// Background checkpoints that ran (SQLite may have found the checkpoint lock held: ``refused``).
    let completed = Atomic<Int>(0)
    /// Background checkpoints that found the checkpoint lock held (by the committing connection's own).
    let refused = Atomic<Int>(0)

    /// - Parameter path: the database the background checkpoints open (default: the committing connection's file).
    init(path: String? = nil, backgroundPages: Int32 = 1_000, inlinePages: Int32 = 10_000) {
        self.path = path
        self.backgroundPages = backgroundPages
        self.inlinePages = inlinePages
        queue = DispatchQueue(label: "mailgateway.store.checkpoint")
    }

    /// Starts no background checkpoint any more, and waits for the one in progress (the committing connection still
    /// checkpoints itself at ``inlinePages``).
    func stop() {
        state.withLock { $0.stopped = true }
        settle()
    }

    /// Replaces SQLite's automatic checkpoint on `db` with this checkpointer's (a connection that never writes never
    /// calls it). The hook's context is this object, unretained: the pool's configuration, which installs it on each
    /// connection, keeps it alive as long as the pool's connections.
    func install(on db: Database) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(db.sqliteConnection, { context, connection, name, pages in
            guard let context else { return SQLITE_OK }
            Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue()
                .committed(connection: connection, name: name, pages: pages)
            return SQLITE_OK
        }, context)
    }

    /// Called by SQLite on the committing connection, after a commit, with the WAL's size in pages.
    private func committed(connection: OpaquePointer?, name: UnsafePointer<CChar>?, pages: Int32) {
        if pages >= inlinePages {
            // What SQLite's own hook does (sqlite3WalDefaultHook); BUSY while the background one runs: left to it.
            _ = sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            state.withLock { $0.startedAt = 0 }
            return
        }
        let start = state.withLock { state -> Bool in
            if pages < state.startedAt { state.startedAt = 0 }  // the WAL was rewritten from its start
            guard !state.running, !state.stopped, pages - state.startedAt >= backgroundPages else { return false }
            state.startedAt = pages
            state.running = true
            return true
        }
        guard start else { return }
        // Empty for an in-memory database (which has no WAL anyway).
        let file = path ?? sqlite3_db_filename(connection, name).map { String(cString: $0) } ?? ""
        queue.async { self.checkpoint(file) }
    }

    /// A PASSIVE checkpoint on a connection of its own, opened for it and closed after it (on `queue`): a connection
    /// kept open would outlive the pool's, and the WAL would then stay on disk at exit (the last connection to close
    /// is the one that checkpoints it all and removes it).
    private func checkpoint(_ path: String) {
        defer { state.withLock { $0.running = false } }
        do {
            // Never create a database where a removed one was (DatabaseQueue would); none for an in-memory one.
            guard FileManager.default.fileExists(atPath: path) else { throw CocoaError(.fileNoSuchFile) }
            let database = try DatabaseQueue(path: path)
            defer { try? database.close() }
            // As SQL, not sqlite3_wal_checkpoint_v2: on a connection that has not read the database yet, the C call
            // does nothing (it does not know the database is in WAL mode), the pragma reads it first. Its row:
            // busy (1 when the checkpoint lock was held), the WAL's frames, the frames copied.
            let busy = try database.writeWithoutTransaction { db in
                try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
            }
            if busy == 1 {
                refused.add(1, ordering: .relaxed)
            } else {
                completed.add(1, ordering: .relaxed)
            }
        } catch {
            failures.add(1, ordering: .relaxed)
            GatewayMetrics.walCheckpointFailed()
        }
    }

    /// Waits for the checkpoint in progress, if any (``stop()``, and tests).
    func settle() {
        queue.sync {}
    }
}
