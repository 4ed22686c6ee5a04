public import MailGateway

/// What a raw fetch of a whole mailbox measured: the physical limit of the ingest's fetch step.
public struct RawFetchResult: Sendable, Codable, Equatable {
    /// Messages whose bodies were fetched (oversize messages count once, header only).
    public var messages: Int
    /// Bytes received (bodies, or header sections for oversize messages).
    public var bytes: Int
    /// Fetch round trips (`UID FETCH` commands).
    public var batches: Int
    /// Seconds spent listing the folder (`UID FETCH 1:* (RFC822.SIZE INTERNALDATE)`).
    public var listSeconds: Double
    /// Seconds spent fetching the bodies.
    public var fetchSeconds: Double

    /// Listing and fetching together: what a pass over the mailbox must spend on IMAP at least.
    public var totalSeconds: Double { listSeconds + fetchSeconds }
    /// Messages per second over `totalSeconds`.
    public var messagesPerSecond: Double { totalSeconds > 0 ? Double(messages) / totalSeconds : 0 }
    /// Megabytes (10^6 bytes) per second over `totalSeconds`.
    public var megabytesPerSecond: Double { totalSeconds > 0 ? Double(bytes) / 1e6 / totalSeconds : 0 }

    /// Creates a result.
    public init(messages: Int, bytes: Int, batches: Int, listSeconds: Double, fetchSeconds: Double) {
        self.messages = messages
        self.bytes = bytes
        self.batches = batches
        self.listSeconds = listSeconds
        self.fetchSeconds = fetchSeconds
    }
}

/// Fetches every body of a folder and discards it, with exactly the batching of ``MailboxSync`` (the same
/// ``MailboxSyncPlan`` over the same sizes), so that the gateway's ingest rate can be compared with the rate of
/// the IMAP transfer alone. Read-only: bodies are fetched with `BODY.PEEK[]`, no flag is changed.
public enum RawFetchBenchmark {
    /// Runs over `folder` with a connected `client`.
    public static func run(client: IMAPClient, folder: String, limits: MailboxSyncPlan.Limits) async throws(IMAPError)
        -> RawFetchResult {
        let clock = ContinuousClock()
        let start = clock.now
        let status = try await client.select(folder)
        let entries = try await client.messages(after: 0)
        let listed = clock.now
        let dates = entries.internalDates
        let plan = MailboxSyncPlan.plan(stored: nil, serverUIDValidity: status.uidValidity,
                                        entries: entries.map { MailboxEntry(uid: $0.uid, size: $0.size) }, limits: limits)
        var messages = 0
        var bytes = 0
        var batches = 0
        for step in plan.steps {
            let fetched: [IMAPFetchedMessage]
            switch step {
            case .fetch(let uids):
                fetched = try await client.fetchMessages(uids: uids, knownDates: dates)
            case .quarantineOversize(let uid, _):
                fetched = try await client.fetchHeaders(uids: [uid])
            }
            batches += 1
            messages += fetched.count
            for message in fetched { bytes += message.bytes.count }
        }
        let end = clock.now
        return RawFetchResult(messages: messages, bytes: bytes, batches: batches,
                              listSeconds: seconds(listed - start), fetchSeconds: seconds(end - listed))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
