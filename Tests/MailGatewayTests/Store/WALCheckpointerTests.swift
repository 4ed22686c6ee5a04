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
        try createFiller(pool)
        return pool
    }

    /// The table ``fill(_:transactions:)`` fills.
    static func createFiller(_ pool: DatabasePool) throws {
        try pool.write { db in try db.execute(sql: "CREATE TABLE filler(id INTEGER PRIMARY KEY, data BLOB NOT NULL)") }
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

    static func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    /// A checkpointer with small bounds (50 pages, and `inlinePages`) on a fresh database in `folder`, opened as
    /// `name(path)`, whose background connection opens `backgroundPath` (by default the file SQLite names for the
    /// pool's connections), after 1,200 commits of two pages.
    static func filled(in folder: URL, inlinePages: Int32 = 400, backgroundPath: String? = nil,
                       name: (String) -> String = { $0 }) throws -> (WALCheckpointer, DatabasePool, String) {
        let path = folder.appendingPathComponent("db.sqlite").path
        let checkpointer = WALCheckpointer(path: backgroundPath, backgroundPages: 50, inlinePages: inlinePages)
        let pool = try Self.pool(checkpointer, at: name(path))
        try Self.fill(pool, transactions: 1_200)
        checkpointer.settle()
        return (checkpointer, pool, path)
    }

    @Test("the background checkpoints alone copy the WAL into the database (no inline bound), also for a database opened by a file: URI, through the file SQLite names",
          arguments: [false, true])
    func backgroundCopies(uri: Bool) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (checkpointer, pool, path) = try Self.filled(in: folder, inlinePages: .max,
                                                          name: { uri ? "file:\($0)?cache=private" : $0 })
        #expect(checkpointer.completed.load(ordering: .relaxed) >= 5)
        #expect(checkpointer.failures.load(ordering: .relaxed) == 0)
        // The writer never checkpoints here, and the pool is still open (its last connection, closing, would
        // checkpoint): the pages in the database file were copied by the background (at least 2,400 written; a
        // checkpoint that copies nothing leaves the file at its first page).
        #expect(try Self.fileSize(path) > 1_000 * Self.pageSize)
        withExtendedLifetime(pool) {}
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

    @Test("the gateway's store checkpoints in the background, and leaves no WAL behind when released right after a burst of commits")
    func storeInstallsIt() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for round in 1...10 {
            let path = folder.appendingPathComponent("gateway-\(round).sqlite").path
            let checkpointer: WALCheckpointer
            do {
                let store = try GatewayStore(path: path)
                checkpointer = store.checkpointer
                try Self.createFiller(store.pool)
                // Past the 1,000 pages of the first background checkpoint (the migrations wrote some already); the
                // store is released at once, a checkpoint likely still running.
                try Self.fill(store.pool, transactions: 600)
            }
            // Released: the checkpoint in progress finished first (the store's deinit waits for it), so the pool's
            // last connection, closing, checkpointed the WAL and removed it.
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "round \(round)")
            #expect(checkpointer.completed.load(ordering: .relaxed) + checkpointer.refused.load(ordering: .relaxed) >= 1,
                    "round \(round)")
            #expect(checkpointer.failures.load(ordering: .relaxed) == 0, "round \(round)")
        }
    }
}
