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

    public var description: String {
        switch kind {
        case .held:
            "another mailgateway run is using this database (lock \(path) is held); stop it first, or let it work"
        case .unavailable(let code):
            "cannot take the lock \(path): \(String(cString: strerror(code)))"
        }
    }
}

/// The exclusive lock `run` and `run --once` hold for their whole life (`flock(2)` on `<database>.lock`): two
/// processes sending from one outbox would take over each other's in-flight copies. The kernel releases it when
/// the process exits, however it exits, so a crash never leaves a stale lock; with it held, every other process
/// that claimed outbox rows or left a progress marker is gone.
public final class ProcessLock: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// Takes the lock next to `databasePath`, without waiting.
    public init(databasePath: String) throws(ProcessLockError) {
        let path = databasePath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ProcessLockError(kind: .unavailable(errno), path: path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            throw ProcessLockError(kind: code == EWOULDBLOCK ? .held : .unavailable(code), path: path)
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

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
