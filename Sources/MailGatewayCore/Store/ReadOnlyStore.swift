public import Foundation
public import GRDB

/// The gateway's database opened only to read it: one read-only SQLite connection (GRDB
/// `Configuration.readonly`), no migrations, no list rows registered, nothing written, no templates or keys.
/// What the administrative commands that only read (`archive` queries, `moderation list/show`, `members list`,
/// `outbox list`, `digest status`) open, so that they start in a few milliseconds beside a running daemon.
///
/// A database whose schema is older than this binary expects (migrations not yet applied) is refused with
/// ``ReadOnlyStoreError/needsUpgrade(path:missing:)``: it would be read with queries written for a schema it
/// does not have. The upgrade is done by `run` (or any command that writes), under the process lock.
public final class ReadOnlyStore: Sendable {
    /// The database file.
    public let path: String
    /// The read-only connection. A write through it fails with SQLite's `SQLITE_READONLY`.
    public let queue: DatabaseQueue

    /// Opens `path` read-only and checks that every migration this binary knows was applied.
    /// - Throws: ``ReadOnlyStoreError``.
    public init(path: String, busyTimeout: TimeInterval = 10) throws {
        self.path = path
        guard path != ":memory:", FileManager.default.fileExists(atPath: path) else {
            throw ReadOnlyStoreError.missing(path: path)
        }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(busyTimeout)
        // Foreign keys are checked by writes only: one `PRAGMA` fewer to prepare and run.
        config.foreignKeysEnabled = false
        // Pages read from the OS page cache through a mapping instead of `pread` into SQLite's own cache: a fresh
        // process of `archive search` spends 0.6-0.8 ms less CPU (docs/benchmarks.md). Safe beside a writing daemon
        // in WAL mode: the file only grows (no VACUUM, no auto_vacuum), and a read-only connection never writes
        // through the mapping.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA mmap_size = 1073741824") }
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            let missing = try queue.read { db in try Self.missingMigrations(db) }
            if !missing.isEmpty { throw ReadOnlyStoreError.needsUpgrade(path: path, missing: missing) }
        } catch let error as DatabaseError {
            throw ReadOnlyStoreError.unreadable(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }

    /// The migrations of ``StoreMigrations`` not applied to the database, in their order (all of them for a file
    /// that is not a gateway database).
    package static func missingMigrations(_ db: Database) throws -> [String] {
        // What `DatabaseMigrator.appliedIdentifiers` reads, as rows: its `Set<String>` fetch instantiates GRDB's
        // generic cursor, whose first use costs a scan of every protocol conformance of the binary (0.4 M
        // instructions). A database without `grdb_migrations` has applied none, as GRDB decides it.
        let applied: [String]
        do {
            applied = try Row.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations").map { $0[0] }
        } catch {
            guard (try? !db.tableExists("grdb_migrations")) ?? false else { throw error }
            applied = []
        }
        return StoreMigrations.migrator.migrations.filter { !applied.contains($0) }
    }

    /// Opens the database the configuration names, read-only.
    public static func open(config: GatewayConfig, busyTimeout: TimeInterval = 10) throws -> ReadOnlyStore {
        try ReadOnlyStore(path: config.database, busyTimeout: busyTimeout)
    }
}

/// Why the database could not be opened for reading.
public enum ReadOnlyStoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No database file yet.
    case missing(path: String)
    /// Written by an older version of mailgateway: `missing` migrations not applied yet.
    case needsUpgrade(path: String, missing: [String])
    /// SQLite could not read it (not a database, permissions).
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path):
            "there is no database at \(path) yet: `mailgateway run` creates it (so does any command that changes "
                + "something, such as `partners import`)"
        case .needsUpgrade(let path, let missing):
            "the database \(path) was written by an older version of mailgateway (\(missing.count) migration(s) "
                + "not applied, from \(missing.first ?? "?")): start this version's `mailgateway run` once to upgrade "
                + "it, then run this command again"
        case .unreadable(let path, let reason):
            "cannot read the database \(path): \(reason)"
        }
    }
}
