/// The body fetch of the next batch of a pass, started while the current batch is processed (``MailboxSync``):
/// the `IMAPClient` works on its own queue, so the wire and the database overlap. At most one batch is ahead, so
/// memory stays bounded by two batches.
struct BatchPrefetch {
    private var uids: [UInt32] = []
    private var task: Task<[IMAPFetchedMessage], any Error>?

    /// Starts fetching `uids` with `body` (a fetch already started for other UIDs is abandoned).
    mutating func start(_ uids: [UInt32], _ body: @escaping @Sendable () async throws -> [IMAPFetchedMessage]) {
        cancel()
        self.uids = uids
        task = Task { try await body() }
    }

    /// The prefetched messages when the fetch started was for `uids` (its error rethrown), else nil.
    mutating func take(_ uids: [UInt32]) async throws -> [IMAPFetchedMessage]? {
        guard let task, self.uids == uids else {
            cancel()
            return nil
        }
        self.task = nil
        return try await task.value
    }

    /// Abandons a fetch in progress (its result is dropped; the client finishes the command on its queue).
    mutating func cancel() {
        task?.cancel()
        task = nil
    }
}
