import Foundation
import GRDB
import Testing
@testable import MailGateway

/// The database as the commands that only read open it: read-only, no migration, nothing written, and a schema
/// older than the binary refused with words.
@Suite("Read-only store")
struct ReadOnlyStoreTests {
    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mg-readonly-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("a migrated database is read; a write through the read-only store fails and changes nothing")
    func readsAndRefusesWrites() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("archive.sqlite").path
        let store = try GatewayStore(path: path)
        try store.pool.write { db in try ArchiveWriter.registerList(db, id: "l", address: "l@lists.example.org") }
        let reader = try ReadOnlyStore(path: path)
        #expect(try reader.queue.read { db in try ArchiveQueries.lists(db) }.map(\.id) == ["l"])
        #expect(throws: DatabaseError.self) {
            try reader.queue.write { db in try ArchiveWriter.registerList(db, id: "m", address: "m@lists.example.org") }
        }
        #expect(try store.pool.read { db in try ArchiveQueries.lists(db) }.map(\.id) == ["l"])
    }

    @Test("a database an older version wrote is refused, named, and left untouched")
    func olderSchemaIsRefused() throws {
        let copy = try MigrationFromMainTests.copy()
        defer { try? FileManager.default.removeItem(at: copy.folder) }
        let before = try Data(contentsOf: URL(fileURLWithPath: copy.path))
        let error = #expect(throws: ReadOnlyStoreError.self) { try ReadOnlyStore(path: copy.path) }
        guard case .needsUpgrade(let path, let missing)? = error else {
            Issue.record("expected needsUpgrade, got \(String(describing: error))")
            return
        }
        #expect(path == copy.path && !missing.isEmpty)
        #expect(error?.description.contains("older version of mailgateway") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy.path)) == before)
        // The writing store upgrades it; then it reads.
        _ = try GatewayStore(path: copy.path)
        #expect(try ReadOnlyStore(path: copy.path).queue.read { db in try ArchiveQueries.lists(db) }.isEmpty == false)
    }

    @Test("no database yet: refused with words, nothing created")
    func missingDatabase() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("none.sqlite").path
        #expect(throws: ReadOnlyStoreError.missing(path: path)) { try ReadOnlyStore(path: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
