#if os(Linux)
@preconcurrency import Dispatch
#else
import Dispatch
#endif
public import Foundation
public import Logging

/// An IMAP session for one account, safe to use from any task.
///
/// Every call runs on the actor's own serial dispatch queue, so libetpan's blocking I/O never occupies
/// Swift's cooperative pool. One `IMAPClient` holds at most one connection; after a network error
/// (`IMAPError.isTransient`) the connection is dropped and `isConnected` is false until `connect` is called again.
///
/// Folder names are plain Swift strings (`Traités`); they are encoded to modified UTF-7 on the wire.
/// While `idle` waits, other calls on the same client wait too (one session, one command at a time): call
/// `interruptIdle()` first to get the session back at once.
///
/// TLS (`ServerConfig.tls` = `.tls` or `.starttls`) is verified before the password is sent: the chain must lead
/// to the system trust store or to `ServerConfig.caFile`, and the certificate must name `ServerConfig.host`.
///
/// Typical pass:
/// ```swift
/// let client = IMAPClient(server: server, logger: logger)
/// try await client.connect(password: secret)
/// let status = try await client.select("INBOX")
/// let new = try await client.messages(after: lastUID)
/// let bodies = try await client.fetchMessages(uids: new.map(\.uid))
/// // ... commit ...
/// try await client.markSeen(uids: bodies.map(\.uid))
/// let outcome = try await client.idle(timeout: .seconds(29 * 60))
/// ```
public actor IMAPClient {
    /// The server this client talks to (host, port, TLS mode, account, caFile).
    public nonisolated let server: ServerConfig
    private let timeoutSeconds: Int
    private let logger: Logger
    private let executor: SerialQueueExecutor
    private let wakeup: IdleWakeup
    private var connection: IMAPConnection?
    private var tlsVerifier: TLSVerifier?

    /// The actor runs on its own serial dispatch queue (the GRDB `DispatchQueueActor` pattern).
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// Creates a client; nothing touches the network until `connect(password:)`.
    /// - Parameters:
    ///   - server: where to connect and as whom (`user`); the password is passed to `connect` separately.
    ///   - timeout: network timeout for connecting and for each command (rounded up to whole seconds).
    ///   - logger: receives debug/info events with `imap.server` / `imap.user` metadata, never the password.
    public init(server: ServerConfig, timeout: Duration = .seconds(30), logger: Logger) {
        self.server = server
        let seconds = timeout.components.seconds + (timeout.components.attoseconds > 0 ? 1 : 0)
        self.timeoutSeconds = Int(max(1, seconds))
        self.logger = logger
        self.executor = SerialQueueExecutor(queue: DispatchQueue(label: "mailgateway.imap.\(server.host):\(server.port)"),
                                            guardingBrokenPipe: true)
        self.wakeup = IdleWakeup()
    }

    /// Whether a session is open and usable.
    public var isConnected: Bool { connection.map { !$0.isBroken } ?? false }

    /// The capabilities the server announced after login (empty before).
    public var capabilities: IMAPCapabilities { connection?.capabilities ?? IMAPCapabilities(names: []) }

    /// Connects, negotiates and verifies TLS as configured, and logs in with `server.user` and `password`.
    /// Replaces any previous session. Returns the server's capabilities.
    @discardableResult
    public func connect(password: String) async throws(IMAPError) -> IMAPCapabilities {
        dropConnection()
        guard let user = server.user else {
            throw IMAPError(kind: .login, server: "\(server.host):\(server.port)", command: "LOGIN",
                            reason: "no user configured for this server")
        }
        let candidate = try IMAPConnection(host: server.host, port: server.port, tls: server.tls,
                                           timeoutSeconds: timeoutSeconds, logger: logger)
        try candidate.open()
        if server.tls != .none {
            let chain = candidate.peerCertificateChain()
            do throws(TLSVerificationFailure) {
                // The trusted roots are parsed once per client (the system bundle holds ~150 certificates).
                let verifier: TLSVerifier
                if let loaded = tlsVerifier {
                    verifier = loaded
                } else {
                    verifier = try TLSVerifier(caFile: server.caFile)
                    tlsVerifier = verifier
                }
                try await verifier.verify(chain: chain, host: server.host)
            } catch {
                candidate.logout()
                throw IMAPError(kind: .tls, server: candidate.serverName, user: user,
                                command: server.tls == .starttls ? "STARTTLS" : "connect",
                                reason: "certificate refused: \(error.reason)")
            }
        }
        try candidate.login(user: user, password: password)
        connection = candidate
        logger.debug("imap.connected", metadata: ["imap.server": "\(candidate.serverName)", "imap.user": "\(user)"])
        return candidate.capabilities
    }

    /// SELECT `folder`; returns UIDVALIDITY, UIDNEXT and EXISTS.
    public func select(_ folder: String) throws(IMAPError) -> IMAPMailboxStatus {
        try withConnection { connection throws(IMAPError) in try connection.select(folder) }
    }

    /// The messages of the selected folder whose UID is greater than `uid`, ascending, with size and
    /// arrival date (one `UID FETCH uid+1:*`).
    public func messages(after uid: UInt32) throws(IMAPError) -> [IMAPMessageInfo] {
        try withConnection { connection throws(IMAPError) in try connection.messages(after: uid) }
    }

    /// Whole messages (`BODY.PEEK[]`, does not set \Seen) for `uids`, in one round trip, ascending by UID.
    /// UIDs that no longer exist are absent from the result. Keep batches bounded by the sizes from `messages`.
    /// `knownDates`: the INTERNALDATEs `messages` listed; when they cover the batch, they are not asked again.
    public func fetchMessages(uids: [UInt32], knownDates: [UInt32: Date] = [:]) throws(IMAPError)
        -> [IMAPFetchedMessage] {
        try withConnection { connection throws(IMAPError) in
            try connection.fetchMessages(uids: uids, knownDates: knownDates)
        }
    }

    /// Header sections only (`BODY.PEEK[HEADER]`), for messages too large to load.
    public func fetchHeaders(uids: [UInt32]) throws(IMAPError) -> [IMAPFetchedMessage] {
        try withConnection { connection throws(IMAPError) in try connection.fetchHeaders(uids: uids) }
    }

    /// UIDs within `range` that are not \Seen, ascending (`UID SEARCH UID a:b UNSEEN`).
    public func unseenUIDs(in range: ClosedRange<UInt32>) throws(IMAPError) -> [UInt32] {
        try withConnection { connection throws(IMAPError) in try connection.unseenUIDs(in: range) }
    }

    /// UIDs within `range` not flagged \Deleted, ascending (`UID SEARCH UID a:b UNDELETED`).
    public func undeletedUIDs(in range: ClosedRange<UInt32>) throws(IMAPError) -> [UInt32] {
        try withConnection { connection throws(IMAPError) in try connection.undeletedUIDs(in: range) }
    }

    /// Sets \Seen on `uids` (`UID STORE +FLAGS.SILENT (\Seen)`). An empty list sends nothing.
    public func markSeen(uids: [UInt32]) throws(IMAPError) {
        try withConnection { connection throws(IMAPError) in try connection.markSeen(uids: uids) }
    }

    /// Moves `uids` to `folder` (`UID MOVE`, or COPY + \Deleted + `UID EXPUNGE` without MOVE).
    public func move(uids: [UInt32], to folder: String) throws(IMAPError) {
        try withConnection { connection throws(IMAPError) in try connection.move(uids: uids, to: folder) }
    }

    /// NOOP: keeps the session alive; returns the selected folder's EXISTS as the server last reported it
    /// (nil with no folder selected). For servers without IDLE, poll with `noop()` or `messages(after:)`.
    @discardableResult
    public func noop() throws(IMAPError) -> UInt32? {
        try withConnection { connection throws(IMAPError) in try connection.noop() }
    }

    /// Creates `folder`; one that already exists is fine. Returns whether it was created.
    @discardableResult
    public func createFolder(_ folder: String) throws(IMAPError) -> Bool {
        try withConnection { connection throws(IMAPError) in try connection.createFolder(folder) }
    }

    /// Appends a message to `folder` (for tests and the demo). Returns its UID when the server has UIDPLUS.
    @discardableResult
    public func append(_ bytes: [UInt8], to folder: String, flags: [IMAPFlag] = [], internalDate: Date? = nil)
        throws(IMAPError) -> UInt32?
    {
        try withConnection { connection throws(IMAPError) in
            try connection.append(bytes, to: folder, flags: flags, internalDate: internalDate)
        }
    }

    /// IDLE on the selected folder until the server sends something, `timeout` passes, the calling task is
    /// cancelled, or `interruptIdle()` is called; then DONE. Cancellation ends the wait within milliseconds and
    /// returns `.interrupted` (it does not throw), leaving the session usable.
    ///
    /// `stopRequested` closes the race with a shutdown that sets its flag and then calls `interruptIdle()` just
    /// before this wait begins (the interrupt is cleared here): it is read after the clearing, so either the flag
    /// is seen or the interrupt arrives during the wait.
    public func idle(timeout: Duration, unless stopRequested: @Sendable () -> Bool = { false }) async throws(IMAPError)
        -> IMAPIdleOutcome
    {
        let wakeup = self.wakeup
        wakeup.drain()
        // Cancelled before the wait: the flag is set before any cancellation handler runs, so no wake-up is lost.
        if Task.isCancelled || stopRequested() { return .interrupted }
        let result: Result<IMAPIdleOutcome, IMAPError> = await withTaskCancellationHandler {
            do throws(IMAPError) {
                return .success(try withConnection { connection throws(IMAPError) in
                    try connection.idle(timeout: timeout, wakeFD: wakeup.readFD)
                })
            } catch {
                return .failure(error)
            }
        } onCancel: {
            wakeup.wake()
        }
        return try result.get()
    }

    /// Ends a running `idle` (e.g. on graceful shutdown) from any thread; a no-op when none is running
    /// (the next `idle` clears it before waiting).
    public nonisolated func interruptIdle() {
        wakeup.wake()
    }

    /// LOGOUT and drop the session.
    public func logout() {
        dropConnection()
    }

    private func dropConnection() {
        connection?.logout()
        connection = nil
    }

    private func withConnection<T>(_ body: (IMAPConnection) throws(IMAPError) -> T) throws(IMAPError) -> T {
        guard let connection, !connection.isBroken else {
            self.connection = nil
            throw IMAPError(kind: .connect, server: "\(server.host):\(server.port)", user: server.user,
                            command: "(none)", reason: "not connected")
        }
        do {
            return try body(connection)
        } catch {
            if connection.isBroken { self.connection = nil }
            throw error
        }
    }
}

/// A self-pipe that interrupts an IDLE wait: `poll()` watches `readFD` beside the IMAP socket.
/// Sendable without locks: both descriptors are immutable, and `write`/`read` on a pipe are thread-safe.
final class IdleWakeup: Sendable {
    let readFD: Int32
    let writeFD: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        if readFD >= 0 { close(readFD) }
        if writeFD >= 0 { close(writeFD) }
    }

    /// Makes `readFD` readable (a full pipe is already readable, so a failed write loses nothing).
    func wake() {
        guard writeFD >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Empties the pipe before a new wait.
    func drain() {
        guard readFD >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readFD, &buffer, buffer.count) > 0 {}
    }
}
