#if os(Linux)
@preconcurrency import Dispatch
#else
import Dispatch
#endif

/// A `TaskExecutor` that runs a task's nonisolated code on one serial `DispatchQueue`, a thread of its own instead of
/// the cooperative pool (`withTaskExecutorPreference`). ``MailboxSync`` runs a pass on one, so that its group commits
/// can call GRDB's blocking `write`: `DispatchQueue.sync` onto the database writer's queue runs the transaction on
/// this very thread when the writer is free, where the `async` write hopped to the writer's thread and back for each
/// group (two thread wake-ups on the writer's critical path; docs/benchmarks.md, stop 24). Blocking here blocks no
/// thread of the cooperative pool.
final class QueueTaskExecutor: TaskExecutor {
    private let queue: DispatchQueue
    private let key = DispatchSpecificKey<ObjectIdentifier>()

    init(label: String) {
        queue = DispatchQueue(label: label)
        queue.setSpecific(key: key, value: ObjectIdentifier(self))
    }

    /// True on this executor's queue.
    var isCurrent: Bool {
        DispatchQueue.getSpecific(key: key) == ObjectIdentifier(self)
    }

    func enqueue(_ job: UnownedJob) {
        queue.async {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Stops the process unless the caller runs on this executor's queue (a blocking call made elsewhere would block
    /// a thread of the cooperative pool).
    func preconditionOnQueue() {
        precondition(isCurrent, "a blocking call of a mailbox pass ran off the pass's own thread")
    }
}

#if os(Linux) || os(Android) || os(Windows)
// Safe: both stored properties are immutable: a reference to a DispatchQueue, which is thread-safe, and the key of
// its specific value (corelibs-libdispatch does not yet mark them Sendable on these platforms; Apple's Dispatch does).
extension QueueTaskExecutor: @unchecked Sendable {}
#endif
