public import Foundation
public import GRDB

/// The gateway's SQLite database: one GRDB `DatabasePool` (WAL mode, foreign keys on, `synchronous = NORMAL`,
/// a busy timeout) with every table of every area migrated (``StoreMigrations``).
///
/// The store is the only place that knows the schema: the `Store/` folder holds the migrations, one record type
/// per table and the queries, as methods of the table's owner. Stages call those methods inside the
/// transactions they open on ``pool``.
public final class GatewayStore: Sendable {
    /// The database file.
    public let path: String
    /// The connection pool: `read` for queries (concurrent), `write` for one transaction per durable step.
    public let pool: DatabasePool
    /// The WAL checkpoints, off the writer's commits.
    let checkpointer: WALCheckpointer
    /// Opens (creating if needed) the database at `path` and runs every migration not yet applied.
    ///
    /// An existing database that needs migrating is an upgrade: a daemon of the previous version may still be
    /// running on it, and it would go on writing under a schema it does not know (dates as numbers in the
    /// converted tables, for instance). So migrations run only under the process lock (``ProcessLock``, the one
    /// `run` holds); when another process holds it, opening fails with ``StoreUpgradeError`` and nothing changes.
    /// - Parameters:
    ///   - busyTimeout: how long a writer waits for a lock held by another process before failing.
    ///   - holdingProcessLock: the caller already holds the process lock (`run`, `run --once`).
    public init(path: String, busyTimeout: TimeInterval = 10, holdingProcessLock: Bool = false) throws {
        self.path = path
        let checkpointer = WALCheckpointer()
        self.checkpointer = checkpointer
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(busyTimeout)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // The WAL reaches WALCheckpointer's 10,000-page bound during a long ingest; cut back to 4 MB (SQLite's
            // automatic checkpoint's 1,000 pages) when it is rewritten from its start.
            try db.execute(sql: "PRAGMA journal_size_limit = 4194304")
            checkpointer.install(on: db)
        }
        Self.restrictFileModes(path: path, creating: true)
        pool = try DatabasePool(path: path, configuration: config)
        let migrator = StoreMigrations.migrator
        if try !pool.read(migrator.hasCompletedMigrations) {
            let lock = try Self.upgradeLock(path: path, alreadyHeld: holdingProcessLock)
            try migrator.migrate(pool)
            withExtendedLifetime(lock) {}
        }
        Self.restrictFileModes(path: path, creating: false)
    }

    /// The background checkpoint in progress finishes before the pool's connections close: the last one can then
    /// checkpoint the WAL and remove it, as without the checkpointer.
    deinit {
        checkpointer.stop()
    }

    /// The process lock for a migration, unless the caller holds it or the database is not a file.
    private static func upgradeLock(path: String, alreadyHeld: Bool) throws -> ProcessLock? {
        guard !alreadyHeld, !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return nil }
        do {
            return try ProcessLock.acquire(databasePath: path, waiting: 5)
        } catch {
            throw StoreUpgradeError(path: path, lock: error)
        }
    }

    /// The database holds members' addresses and mail: it is created 0600, and an existing file, its -wal and
    /// -shm are tightened to 0600 (SQLite gives -wal and -shm the mode of the database file).
    static func restrictFileModes(path: String, creating: Bool) {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return }
        if creating, !FileManager.default.fileExists(atPath: path) {
            // open(2), not FileManager.createFile: that one writes a temporary file and renames it over `path`,
            // which replaced a dangling symbolic link with a file beside it; open follows the link, as SQLite does.
            createFollowingLinks(path, mode: 0o600)
        }
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
    }
}

/// Creates the empty file `path` with `mode` unless it exists, through a symbolic link as SQLite would; a failure
/// is left to SQLite's open, which reports it.
private func createFollowingLinks(_ path: String, mode: mode_t) {
    let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode)
    if fd >= 0 { close(fd) }
}
