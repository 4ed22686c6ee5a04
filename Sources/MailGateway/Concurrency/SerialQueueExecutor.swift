#if os(Linux)
@preconcurrency import Dispatch
#else
import Dispatch
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A `SerialExecutor` that runs an actor's jobs on a serial `DispatchQueue` (after GRDB's
/// `DispatchQueueExecutor`): work isolated to the actor, blocking C calls included, runs on that queue's thread,
/// never on the cooperative pool. Used by `IMAPClient` (libetpan) and the outbox workers (libcurl).
final class SerialQueueExecutor: SerialExecutor {
    private let queue: DispatchQueue
    private let guardsBrokenPipe: Bool

    /// - Parameter guardingBrokenPipe: run each job inside `BrokenPipeGuard` (for C libraries that write to
    ///   sockets with plain `write()`).
    init(queue: DispatchQueue, guardingBrokenPipe: Bool = false) {
        self.queue = queue
        self.guardsBrokenPipe = guardingBrokenPipe
    }

    func enqueue(_ job: UnownedJob) {
        queue.async {
            if self.guardsBrokenPipe {
                BrokenPipeGuard.run { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
            } else {
                job.runSynchronously(on: self.asUnownedSerialExecutor())
            }
        }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}

#if os(Linux) || os(Android) || os(Windows)
// Safe: the stored properties are immutable, a Bool and a reference to a DispatchQueue, which is thread-safe
// (corelibs-libdispatch does not yet mark it Sendable on these platforms; Apple's Dispatch does).
extension SerialQueueExecutor: @unchecked Sendable {}
#endif

/// Keeps a write to a socket the server closed from killing the process: libetpan writes with plain
/// `write()`, which raises SIGPIPE, whose default action is to terminate. SIGPIPE is blocked on the current
/// thread while `body` runs (the write then fails with EPIPE, which libetpan reports as a stream error), a
/// SIGPIPE left pending by it is consumed, and the thread's mask is restored. No process-wide state changes.
enum BrokenPipeGuard {
    static func run(_ body: () -> Void) {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        body()
        var pending = sigset_t()
        sigpending(&pending)
        if sigismember(&pending, SIGPIPE) == 1 {
            var noWait = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipeSignal, nil, &noWait)
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
    }
}
