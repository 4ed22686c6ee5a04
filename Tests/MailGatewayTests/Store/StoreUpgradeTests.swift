import Foundation
import GRDB
import Testing
@testable import MailGateway

/// An upgrade migrates only under the process lock: the daemon of the previous version, still running, must not
/// go on writing under a schema it does not know.
@Suite("Store upgrades and the process lock")
struct StoreUpgradeTests {
    /// A database as an earlier version left it: every migration up to `last` (default `ingest-v2-guards`).
    static func previousVersion(upTo last: String = "ingest-v2-guards") throws -> (URL, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-upgrade-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("archive.sqlite").path
        let pool = try DatabasePool(path: path)
        try StoreMigrations.migrator.migrate(pool, upTo: last)
        try pool.close()
        return (folder, path)
    }

    @Test("a pending migration while another process holds the lock: refused, nothing changed; once released it runs")
    func upgradeWaitsForTheOldDaemon() throws {
        let (folder, path) = try Self.previousVersion()
        defer { try? FileManager.default.removeItem(at: folder) }
        var daemon: ProcessLock? = try ProcessLock(databasePath: path)  // the old daemon (flock: per open file)
        #expect(daemon != nil)
        #expect {
            _ = try GatewayStore(path: path)
        } throws: { error in
            guard let error = error as? StoreUpgradeError else { return false }
            return error.lock.kind == .held && error.description.contains("stop that process")
        }
        let untouched = try DatabaseQueue(path: path)
        #expect(try untouched.read { try StoreMigrations.migrator.appliedIdentifiers($0) }
                .contains(KeysAndDatesMigration.identifier) == false)
        try untouched.close()

        daemon = nil  // the old daemon stopped
        let store = try GatewayStore(path: path)
        #expect(try store.pool.read(StoreMigrations.migrator.hasCompletedMigrations))
    }

    @Test("an up-to-date database opens while the daemon holds the lock; the daemon itself migrates under its own lock")
    func upToDateOpensBesideTheDaemon() throws {
        let (folder, path) = try Self.previousVersion()
        defer { try? FileManager.default.removeItem(at: folder) }
        let lock = try ProcessLock(databasePath: path)
        let daemonStore = try GatewayStore(path: path, holdingProcessLock: true)
        #expect(try daemonStore.pool.read(StoreMigrations.migrator.hasCompletedMigrations))
        let adminStore = try GatewayStore(path: path)  // nothing to migrate: no lock needed
        #expect(try adminStore.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM outbox") } == 0)
        withExtendedLifetime(lock) {}
    }

    /// Holds a lock until told to let go, from another thread.
    final class Holder: @unchecked Sendable {
        var lock: ProcessLock?
        init(_ lock: ProcessLock) { self.lock = lock }
    }

    @Test("a lock held for a moment (a command migrating) is waited for; one held longer than the wait is refused")
    func shortHoldIsWaitedFor() throws {
        let (folder, path) = try Self.previousVersion()
        defer { try? FileManager.default.removeItem(at: folder) }
        let holder = Holder(try ProcessLock(databasePath: path))
        #expect {
            _ = try ProcessLock.acquire(databasePath: path, waiting: 0.2)
        } throws: { ($0 as? ProcessLockError)?.kind == .held }
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { holder.lock = nil }
        let started = Date()
        let store = try GatewayStore(path: path)  // migrates once the holder let go
        #expect(Date().timeIntervalSince(started) >= 0.2)
        #expect(try store.pool.read(StoreMigrations.migrator.hasCompletedMigrations))
    }
}
