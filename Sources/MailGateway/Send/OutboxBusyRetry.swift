import GRDB
import Logging

/// How the outbox waits for another process holding the database's write lock beyond the store's busy timeout
/// (`SQLITE_BUSY`: a long `archive import` transaction, an operator's `sqlite3` session). The transaction rolled
/// back, so trying it again writes nothing twice. Each failure is logged, as an error once it has lasted a few
/// minutes (a lock that never clears would stall the outbox quietly); the waits between tries grow from
/// ``base`` to ``cap``. One value per write that is being retried: ``OutboxWorker`` and ``OutboxSender/recover``.
struct OutboxBusyRetry {
    /// The first wait, in seconds (the write already waited the store's busy timeout).
    static let base = 0.1
    /// The longest wait between two tries, in seconds.
    static let cap = 5.0
    /// Failed tries after which each one is logged as an error (with the store's 10 s busy timeout and waits up to
    /// 5 s, about three minutes).
    static let attemptsBeforeError = 12

    private var attempt = 0

    /// Whether `error` is another process's write lock, which this type waits out.
    static func isBusy(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_BUSY
    }

    /// Counts and logs one more failed try; returns the wait before the next, in seconds.
    mutating func failed(_ error: DatabaseError, logger: Logger?) -> Double {
        attempt += 1
        let wait = min(Self.base * Double(1 << min(attempt - 1, 16)), Self.cap)
        logger?.log(level: attempt >= Self.attemptsBeforeError ? .error : .warning,
                    "database busy: another process holds its write lock; trying again", metadata: [
                        "error": "\(error)", "attempt": "\(attempt)", "retry.in": "\(wait)s"])
        return wait
    }
}
