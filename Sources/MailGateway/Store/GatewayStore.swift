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
    /// Opens (creating if needed) the database at `path` and runs every migration not yet applied.
    /// - Parameter busyTimeout: how long a writer waits for a lock held by another process before failing.
    public init(path: String, busyTimeout: TimeInterval = 10) throws {
        self.path = path
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(busyTimeout)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        Self.restrictFileModes(path: path, creating: true)
        pool = try DatabasePool(path: path, configuration: config)
        try StoreMigrations.migrator.migrate(pool)
        Self.restrictFileModes(path: path, creating: false)
    }

    /// The database holds members' addresses and mail: it is created 0600, and an existing file, its -wal and
    /// -shm are tightened to 0600 (SQLite gives -wal and -shm the mode of the database file).
    static func restrictFileModes(path: String, creating: Bool) {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return }
        if creating, !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
    }
}
