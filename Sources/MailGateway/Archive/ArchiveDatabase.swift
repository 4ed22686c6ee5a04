public import Foundation
public import GRDB

/// The gateway's SQLite database: one GRDB `DatabasePool` (WAL mode, foreign keys on, `synchronous = NORMAL`,
/// a busy timeout) with the archive schema migrated.
///
/// Other areas (members, moderation, outbox...) add their own tables by passing migrations to
/// ``init(path:extraMigrations:busyTimeout:)``: each closure registers one or more migrations on the migrator
/// (`migrator.registerMigration("members-v1") { db in ... }`). They run after the archive migrations, in the
/// order given; a migration's identifier must never change once shipped, and new ones are only appended.
public final class ArchiveDatabase: Sendable {
    /// A function that registers migrations on the migrator.
    public typealias MigrationRegistration = @Sendable (inout DatabaseMigrator) -> Void

    /// The database file.
    public let path: String
    /// The connection pool: `read` for queries (concurrent), `write` for one transaction per durable step.
    public let pool: DatabasePool
    /// The complete migrator: the archive's migrations then the extra ones.
    public let migrator: DatabaseMigrator

    /// Opens (creating if needed) the database at `path` and runs every migration not yet applied.
    /// - Parameters:
    ///   - extraMigrations: registrations from other areas, applied after the archive's, in order.
    ///   - busyTimeout: how long a writer waits for a lock held by another process before failing.
    public init(path: String, extraMigrations: [MigrationRegistration] = [], busyTimeout: TimeInterval = 10) throws {
        self.path = path
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(busyTimeout)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        Self.restrictFileModes(path: path, creating: true)
        pool = try DatabasePool(path: path, configuration: config)
        migrator = Self.makeMigrator(extraMigrations: extraMigrations)
        try migrator.migrate(pool)
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

    /// The archive's migrations followed by `extraMigrations`. Exposed so a tool can inspect or apply them to
    /// another writer (e.g. a `DatabaseQueue` in a test).
    public static func makeMigrator(extraMigrations: [MigrationRegistration] = []) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        ArchiveSchema.register(in: &migrator)
        for register in extraMigrations { register(&migrator) }
        return migrator
    }
}
