import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the process lock could not be taken.
public struct ProcessLockError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Another process holds it (a daemon, or another `run --once`).
        case held
        /// The lock file could not be opened or locked (`errno`).
        case unavailable(Int32)
    }

    public var kind: Kind
    /// The lock file.
    public var path: String
    /// The database as configured (the lock sits beside its resolved path, which the operator may not recognise).
    public var database: String?

    public init(kind: Kind, path: String, database: String? = nil) {
        self.kind = kind
        self.path = path
        self.database = database
    }

    public var description: String {
        let lock = database.map { "lock \(path), for the database \($0)" } ?? "lock \(path)"
        return switch kind {
        case .held:
            "another mailgateway run is using this database (\(lock) is held); stop it first, or let it work"
        case .unavailable(let code):
            "cannot take the \(lock): \(String(cString: strerror(code)))"
        }
    }
}

/// The exclusive lock `run` and `run --once` hold for their whole life (`flock(2)` on `<database>.lock`, the
/// database's path resolved first: see ``lockPath(forDatabase:)``): two processes sending from one outbox would take
/// over each other's in-flight copies. The kernel releases it when
/// the process exits, however it exits, so a crash never leaves a stale lock; with it held, every other process
/// that claimed outbox rows or left a progress marker is gone.
public final class ProcessLock: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// Takes the lock next to `databasePath`, without waiting.
    public init(databasePath: String) throws(ProcessLockError) {
        let path = Self.lockPath(forDatabase: databasePath)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ProcessLockError(kind: .unavailable(errno), path: path, database: databasePath) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            throw ProcessLockError(kind: code == EWOULDBLOCK ? .held : .unavailable(code), path: path,
                                   database: databasePath)
        }
        self.path = path
        self.descriptor = fd
    }

    /// Takes the lock, waiting up to `timeout` for a holder that may be about to let go (a command migrating the
    /// database at the same moment, a daemon that is stopping); still held then: ``ProcessLockError/Kind/held``.
    public static func acquire(databasePath: String, waiting timeout: Double) throws(ProcessLockError) -> ProcessLock {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do {
                return try ProcessLock(databasePath: databasePath)
            } catch where error.kind == .held && Date() < deadline {
                usleep(100_000)
            }
        }
    }

    /// `<database>.lock`, where `<database>` is `databasePath` with symbolic links, `.` and `..` resolved
    /// (`realpath(3)`). Two configurations that reach one folder by different paths (a symlinked or bind-mounted
    /// folder) already open one lock file; resolving also catches a symbolic link to the database file itself,
    /// whose lock would otherwise sit beside the link. (A hard link to the database in another folder is not
    /// caught.) A database that does not exist yet is resolved through its folder, and a dangling symbolic link
    /// through its target's folder (SQLite creates the database there). A path that cannot be resolved (a missing
    /// folder) is kept as written; opening the lock file then fails with the folder's own error.
    static func lockPath(forDatabase databasePath: String) -> String {
        resolved(databasePath) + ".lock"
    }

    private static func resolved(_ path: String) -> String {
        if let full = realpath(path, nil) {
            defer { free(full) }
            return String(cString: full)
        }
        // Any failure but a missing file (a loop, a folder that cannot be searched...): the path as written, and
        // opening the lock file reports the problem.
        guard errno == ENOENT else { return path }
        // The file does not exist (yet). A dangling symbolic link is followed by hand, as SQLite will follow it
        // when it creates the database, so that the lock is the same before and after.
        var target = path
        for _ in 0..<40 {
            guard let next = linkTarget(target) else { break }
            target = next.hasPrefix("/") ? next : folderAndName(target).folder + "/" + next
        }
        let (folder, name) = folderAndName(target)
        guard !name.isEmpty, name != ".", name != "..", let real = realpath(folder, nil) else { return path }
        defer { free(real) }
        let parent = String(cString: real)
        return parent == "/" ? "/" + name : parent + "/" + name
    }

    /// The text of the symbolic link at `path`, or nil when `path` is not one.
    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path` split at its last `/` as written (no `~` expansion, no `..` folded): `("a/b", "c")`, `("/", "c")`,
    /// `(".", "c")` for a bare name.
    private static func folderAndName(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = slash == path.startIndex ? "/" : String(path[..<slash])
        return (folder, String(path[path.index(after: slash)...]))
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
