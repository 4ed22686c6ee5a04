import Foundation
import Testing
@testable import MailGateway

/// `ProcessLock` is taken on the database's resolved path: two configurations that name one database differently
/// must not both run a daemon (two senders on one outbox would take over each other's copies in flight).
@Suite("Process lock")
struct ProcessLockTests {
    /// A fresh folder holding `db/`, and a symbolic link `alias` to it.
    static func folders() throws -> (root: URL, db: URL, alias: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("process-lock-\(UUID())")
        let db = root.appendingPathComponent("db")
        let alias = root.appendingPathComponent("alias")
        try FileManager.default.createDirectory(at: db, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: alias, withDestinationURL: db)
        return (root, db, alias)
    }

    @Test("one database named three ways (as is, through a symlinked folder, with ..): the lock is held for all",
          arguments: [false, true])
    func oneDatabaseManyNames(databaseExists: Bool) throws {
        let (root, db, alias) = try Self.folders()
        defer { try? FileManager.default.removeItem(at: root) }
        let path = db.appendingPathComponent("archive.sqlite").path
        if databaseExists { #expect(FileManager.default.createFile(atPath: path, contents: Data())) }
        let held = try ProcessLock(databasePath: path)
        for other in [alias.appendingPathComponent("archive.sqlite").path,
                      root.path + "/alias/../db/./archive.sqlite"] {
            #expect(ProcessLock.lockPath(forDatabase: other) == held.path)
            #expect {
                _ = try ProcessLock(databasePath: other)
            } throws: { ($0 as? ProcessLockError)?.kind == .held }
        }
        #expect(held.path.hasSuffix("/db/archive.sqlite.lock"))
        #expect(!held.path.contains("alias"))
        withExtendedLifetime(held) {}
    }

    @Test("a symlink to the database file itself locks the file's lock; another database is not locked by it")
    func symlinkedFileAndOtherDatabase() throws {
        let (root, db, _) = try Self.folders()
        defer { try? FileManager.default.removeItem(at: root) }
        let path = db.appendingPathComponent("archive.sqlite").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let link = root.appendingPathComponent("link.sqlite").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        let held = try ProcessLock(databasePath: link)
        #expect(held.path == ProcessLock.lockPath(forDatabase: path))
        #expect(throws: ProcessLockError.self) { _ = try ProcessLock(databasePath: path) }
        let other = try ProcessLock(databasePath: db.appendingPathComponent("other.sqlite").path)
        #expect(other.path != held.path)
        withExtendedLifetime((held, other)) {}
    }

    @Test("a dangling symlink: the lock is the target's before and after the store creates the database there")
    func danglingSymlink() throws {
        let (root, db, _) = try Self.folders()
        defer { try? FileManager.default.removeItem(at: root) }
        let target = db.appendingPathComponent("archive.sqlite").path
        let link = root.appendingPathComponent("link.sqlite").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "db/archive.sqlite")  // relative
        let before = ProcessLock.lockPath(forDatabase: link)
        #expect(before == ProcessLock.lockPath(forDatabase: target))
        #expect(before.hasSuffix("/db/archive.sqlite.lock"))
        GatewayStore.restrictFileModes(path: link, creating: true)
        // The link is still a link (FileManager.createFile used to rename a new file over it), and the file is its target.
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "db/archive.sqlite")
        #expect(FileManager.default.fileExists(atPath: target))
        #expect(ProcessLock.lockPath(forDatabase: link) == before)
    }

    @Test("a bare relative name is resolved in the working directory")
    func relativeName() {
        let name = "relative-\(UUID()).sqlite"
        #expect(ProcessLock.lockPath(forDatabase: name)
                == FileManager.default.currentDirectoryPath.replacingOccurrences(of: "//", with: "/") + "/" + name + ".lock")
    }

    @Test("a database in a missing folder: the path is kept as written and opening the lock reports the folder")
    func missingFolder() {
        let path = "/nonexistent-\(UUID())/archive.sqlite"
        #expect(ProcessLock.lockPath(forDatabase: path) == path + ".lock")
        #expect {
            _ = try ProcessLock(databasePath: path)
        } throws: { error in
            guard let error = error as? ProcessLockError, case .unavailable(let code) = error.kind else { return false }
            return code == ENOENT && error.description.contains(path + ".lock") && error.database == path
                && error.description.contains("for the database \(path)")
        }
    }
}
