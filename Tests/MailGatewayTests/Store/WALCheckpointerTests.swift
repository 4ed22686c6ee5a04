import Foundation
import GRDB
import Testing
@testable import MailGateway

/// `WALCheckpointer` takes SQLite's automatic checkpoint off the writer's commits: a PASSIVE checkpoint on a
/// connection of its own every `backgroundPages` pages, and the committing connection's own checkpoint once the
/// WAL reaches `inlinePages`, which keeps the WAL bounded whatever happens to the background.
@Suite("WAL checkpoints off the writer")
struct WALCheckpointerTests {
    static let pageSize = 4096
    /// A WAL frame: a page and its 24-byte header.
    static let frameSize = pageSize + 24

    /// A fresh database file in WAL mode with the checkpointer installed, and a table to fill.
    static func pool(_ checkpointer: WALCheckpointer, at path: String) throws -> DatabasePool {
        var config = Configuration()
        config.prepareDatabase { db in checkpointer.install(on: db) }
        let pool = try DatabasePool(path: path, configuration: config)
        try pool.write { db in try db.execute(sql: "CREATE TABLE filler(id INTEGER PRIMARY KEY, data BLOB NOT NULL)") }
        return pool
    }

    /// `transactions` commits of two pages of new data each (a row of 6,000 bytes spills into an overflow page).
    static func fill(_ pool: DatabasePool, transactions: Int) throws {
        let data = Data(repeating: 0x61, count: 6_000)
        for _ in 0..<transactions {
            try pool.write { db in try db.execute(sql: "INSERT INTO filler(data) VALUES (?)", arguments: [data]) }
        }
    }

    static func walSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wal-checkpointer-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A checkpointer with small bounds (50 and 400 pages) on a fresh database in `folder`, whose background
    /// connection opens `backgroundPath` (the database itself when nil), after 1,200 commits of two pages.
    static func filled(in folder: URL, backgroundPath: String? = nil) throws -> (WALCheckpointer, DatabasePool, String) {
        let path = folder.appendingPathComponent("db.sqlite").path
        let checkpointer = WALCheckpointer(path: backgroundPath ?? path, backgroundPages: 50, inlinePages: 400)
        let pool = try Self.pool(checkpointer, at: path)
        try Self.fill(pool, transactions: 1_200)
        checkpointer.settle()
        return (checkpointer, pool, path)
    }

    @Test("commits start background checkpoints; the WAL is rewritten from its start at the inline bound")
    func backgroundThenInline() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // About 2,400 pages of commits: six times the inline bound.
        let (checkpointer, pool, path) = try Self.filled(in: folder)
        #expect(checkpointer.completed.load(ordering: .relaxed) >= 5)
        #expect(checkpointer.failures.load(ordering: .relaxed) == 0)
        // Without a restart the WAL would hold every frame written (at least 2,400); the restarts keep it near the
        // bound, plus what the writer adds while a background checkpoint it waits for finishes (timing-dependent, so
        // the check is only that the WAL was rewritten: under half of what was written).
        #expect(try Self.walSize(path) <= 1_200 * Self.frameSize)
        let (rows, integrity) = try pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM filler"), try String.fetchOne(db, sql: "PRAGMA integrity_check"))
        }
        #expect(rows == 1_200)
        #expect(integrity == "ok")
    }

    @Test("a background checkpoint that cannot run leaves the WAL bounded by the committing connection's")
    func failingBackground() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The background checkpoints are given a database that does not exist: every attempt fails.
        let (checkpointer, pool, path) = try Self.filled(in: folder,
                                                          backgroundPath: folder.appendingPathComponent("missing/db.sqlite").path)
        #expect(checkpointer.failures.load(ordering: .relaxed) >= 5)
        #expect(checkpointer.completed.load(ordering: .relaxed) == 0)
        #expect(try Self.walSize(path) <= 500 * Self.frameSize)
        #expect(try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM filler") } == 1_200)
    }

    @Test("the gateway's store checkpoints in the background, and leaves no WAL behind when it is released")
    func storeInstallsIt() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("gateway.sqlite").path
        do {
            let store = try GatewayStore(path: path)
            try store.pool.write { db in
                try db.execute(sql: "CREATE TABLE filler(id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
            }
            // Past the 1,000 pages of the first background checkpoint (the migrations wrote some already).
            try Self.fill(store.pool, transactions: 600)
            store.checkpointer.settle()
            #expect(store.checkpointer.completed.load(ordering: .relaxed) >= 1)
            #expect(store.checkpointer.failures.load(ordering: .relaxed) == 0)
            #expect(try Self.walSize(path) > 0)
        }
        // The background keeps no connection open: the pool's last one, closing, checkpoints the WAL and removes it.
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }
}
