/// Work on the next step of a pass started while the current step runs (``MailboxSync``), keyed by the UIDs it is
/// for: the body fetch of the next batch while this one is processed (the `IMAPClient` works on its own queue, so
/// the wire and the database overlap), and the parse of the next group while this one is written (the parse runs on
/// the cooperative pool: an unstructured `Task` does not inherit the pass's executor preference; the transaction runs
/// on the pass's own thread, ``QueueTaskExecutor``). At most one step is ahead, so memory stays bounded by two batches
/// (two groups).
struct Lookahead<Value: Sendable> {
    private var uids: [UInt32] = []
    private var task: Task<Value, any Error>?

    /// Starts `body` for `uids` (work already started for other UIDs is abandoned).
    mutating func start(_ uids: [UInt32], _ body: @escaping @Sendable () async throws -> Value) {
        cancel()
        self.uids = uids
        task = Task { try await body() }
    }

    /// Waits for the work started for `uids` and returns its value without taking it (``take(_:)`` still returns it,
    /// and rethrows its error); nil when it failed, or for other UIDs.
    func result(_ uids: [UInt32]) async -> Value? {
        guard let task, self.uids == uids else { return nil }
        return try? await task.value
    }

    /// The result of the work started for `uids` (its error rethrown), else nil (work for other UIDs is abandoned).
    mutating func take(_ uids: [UInt32]) async throws -> Value? {
        guard let task, self.uids == uids else {
            cancel()
            return nil
        }
        self.task = nil
        // A pass cancelled while it waits cancels the work it waits for.
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }

    /// Abandons the work in progress and waits until it has stopped (a preparation stops before its next message):
    /// what it does must not outlive the pass, whose marker is cleared when it ends.
    mutating func settle() async {
        task?.cancel()
        _ = try? await task?.value
        task = nil
    }

    /// Abandons the work in progress (its result is dropped; a fetch finishes its command on the client's queue, a
    /// preparation stops before its next message).
    mutating func cancel() {
        task?.cancel()
        task = nil
    }
}
