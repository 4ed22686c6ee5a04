/// The outbox's SMTP session over plain TCP, written for the relay the gateway is meant to use: a local MTA on
/// loopback (`tls: none`, no AUTH). It sends a transaction's commands together when the server announced
/// PIPELINING (RFC 2920), so a copy costs two round trips (MAIL, RCPT and DATA together, then the message) instead
/// of one per command as through libcurl, which cannot pipeline SMTP. Without PIPELINING it sends one command at
/// a time, with the same results. TLS and AUTH stay with ``SMTPConnection`` (libcurl, verified TLS): see
/// ``OutboxSMTPClient``.
///
/// The same interface and errors as ``SMTPConnection``: the connection stays open between sends; after a
/// failure it is closed and the next send reconnects. A reused connection found closed before the first reply of
/// a transaction (a server that ended an idle session) is opened again and the transaction sent again, once;
/// never once the message was written. All calls block: one thread at a time (the worker's serial queue). Not
/// `Sendable` on purpose; the socket is closed in `deinit`, after QUIT when the session is healthy.
public final class PipelinedSMTPConnection {
    let settings: SMTPSettings
    var socket: SMTPSocket?
    var parser = SMTPReplyParser()
    /// Replies parsed but not yet consumed (from `receivedNext` on).
    var received: [SMTPReply] = []
    var receivedNext = 0
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)
    /// The command bytes of the next write (kept to reuse its storage).
    var commands: [UInt8] = []
    /// Replies consumed in the current transaction (the greeting and EHLO not counted).
    var repliesThisTransaction = 0
    /// True once the message went to the socket: the transaction is never sent again after that.
    var wroteMessage = false
    /// True when the connection was found closed (or the server said 421) before the first reply of the transaction.
    var closedBeforeFirstReply = false
    /// The recipients' results known so far in this transaction (their RCPT refusals), kept when it then fails.
    var knownResults: [SMTPError?]?

    /// How many TCP connections this client has opened so far: 1 after any number of successful sends to a server
    /// that keeps the session open.
    public internal(set) var connectionsOpened = 0

    /// The extension keywords of the server's EHLO reply (`PIPELINING`, `8BITMIME`, `SIZE`…), upper-cased;
    /// empty until a first transaction has connected.
    public internal(set) var serverExtensions: Set<String> = []

    /// Nothing is connected until the first `send`. Throws (transient, `CONFIG`) when the settings name TLS or
    /// AUTH, which this client does not do, or an EHLO name that cannot go on a command line.
    public init(settings: SMTPSettings) throws(SMTPError) {
        guard OutboxSMTPClient.canPipeline(settings) else {
            throw SMTPError(kind: .transient, code: 0, reply: "the pipelined client serves only plaintext relays without AUTH",
                            command: "CONFIG")
        }
        guard !settings.ehloName.isEmpty, SMTPError.isSafeEnvelopeAddress(settings.ehloName),
              !settings.ehloName.utf8.contains(UInt8(ascii: " ")) else {
            throw SMTPError(kind: .transient, code: 0, reply: "the EHLO name is empty or holds a space or control character",
                            command: "CONFIG")
        }
        self.settings = settings
    }

    deinit {
        quit()
        buffer.deallocate()
    }

    /// Sends one message in one SMTP transaction to every recipient or to none: one refused RCPT fails the whole
    /// transaction and the message is not sent (with several recipients DATA waits for every RCPT's answer; with
    /// one it goes in the same write and the server refuses it when the RCPT was refused).
    /// - Throws: `SMTPError`, classified as ``SMTPConnection`` does; an unsafe envelope address is refused before
    ///   anything is sent (`SMTPError.unsafeEnvelope`, command `MAIL` for the sender, checked first).
    public func send(envelopeFrom: String, recipients: [String], message: [UInt8]) throws(SMTPError) {
        try SMTPError.checkEnvelope(from: envelopeFrom, recipients: recipients)
        guard !recipients.isEmpty else { return }
        let results = transaction(envelopeFrom: envelopeFrom, recipients: recipients, message: message, each: false)
        if let failure = results.lazy.compactMap({ $0 }).first { throw failure }
    }

    /// Sends one message to several recipients in ONE transaction, where a refused RCPT fails only its recipient.
    /// - Returns: for each recipient, in order, nil when the server accepted the message for it, else why not (see
    ///   ``SMTPConnection/send(envelopeFrom:each:message:)``).
    /// - Throws: `SMTPError.unsafeEnvelope` (command `MAIL`) for an unsafe envelope sender: nothing is sent.
    public func send(envelopeFrom: String, each recipients: [String], message: [UInt8]) throws(SMTPError) -> [SMTPError?] {
        var (results, sent) = try SMTPError.screening(envelopeFrom: envelopeFrom, each: recipients)
        guard !sent.isEmpty else { return results }
        let outcome = transaction(envelopeFrom: envelopeFrom, recipients: sent.map { recipients[$0] }, message: message,
                                  each: true)
        for (position, index) in sent.enumerated() { results[index] = outcome[position] }
        return results
    }

    /// One transaction, timed (`GatewayMetrics.smtpSend`), bounded by `transactionTimeout`, connecting first when
    /// needed; sent again once on a new connection when a reused one turns out closed before its first reply.
    private func transaction(envelopeFrom: String, recipients: [String], message: [UInt8], each: Bool) -> [SMTPError?] {
        let started = ContinuousClock.now
        defer { GatewayMetrics.smtpSend(started: started) }
        let deadline = started + .seconds(settings.transactionTimeout)
        let data = SMTPDataEncoding(message: message)
        var retried = false
        while true {
            // Nothing may wait on a reused connection between transactions: bytes there (an idle session's 421, the
            // server's close, or replies out of step) mean it cannot be trusted; a new one is opened before anything
            // is written.
            if let socket, socket.hasUnrequestedInput() { drop() }
            let reused = socket != nil
            repliesThisTransaction = 0
            wroteMessage = false
            closedBeforeFirstReply = false
            knownResults = nil
            do throws(SMTPError) {
                if socket == nil { try open(deadline: deadline) }
                return try exchange(envelopeFrom: envelopeFrom, recipients: recipients, message: message, data: data,
                                    each: each, deadline: deadline)
            } catch {
                if reused, !retried, closedBeforeFirstReply, !wroteMessage {
                    retried = true
                    continue
                }
                // The refusals already known (a RCPT refused before the failure) stay theirs, as through libcurl.
                guard let knownResults, knownResults.count == recipients.count else {
                    return Array(repeating: error, count: recipients.count)
                }
                return knownResults.map { $0 ?? error }
            }
        }
    }

    /// Connects, reads the greeting (220) and sends EHLO, keeping the extensions it announces.
    private func open(deadline: ContinuousClock.Instant) throws(SMTPError) {
        let connectBy = min(deadline, .now + .seconds(settings.connectTimeout))
        do {
            socket = try SMTPSocket.connect(host: settings.server.host, port: settings.server.port, deadline: connectBy)
        } catch {
            throw SMTPError(kind: .transient, code: 0, reply: error.text, command: "CONNECT")
        }
        connectionsOpened += 1
        parser = SMTPReplyParser()
        received.removeAll(keepingCapacity: true)
        receivedNext = 0
        let greeting = try nextReply(for: "CONNECT", deadline: deadline)
        guard greeting.code == 220 else {
            drop()
            throw SMTPError(kind: .transient, code: greeting.code, reply: greeting.text, command: "CONNECT")
        }
        try write(Array("EHLO \(settings.ehloName)\r\n".utf8), command: "EHLO", deadline: deadline)
        let ehlo = try nextReply(for: "EHLO", deadline: deadline)
        if ehlo.code == 250 {
            serverExtensions = Set(ehlo.lines.dropFirst().compactMap { line in
                line.split(separator: " ", maxSplits: 1).first.map { $0.uppercased() }
            })
        } else if ehlo.code >= 500 {
            // A server without ESMTP (RFC 5321 §4.1.4): HELO, and no extension (no pipelining), as libcurl does.
            try write(Array("HELO \(settings.ehloName)\r\n".utf8), command: "HELO", deadline: deadline)
            let helo = try nextReply(for: "HELO", deadline: deadline)
            guard helo.code == 250 else {
                drop()
                throw SMTPError(kind: .transient, code: helo.code, reply: helo.text, command: "HELO")
            }
            serverExtensions = []
        } else {
            drop()
            throw SMTPError(kind: .transient, code: ehlo.code, reply: ehlo.text, command: "EHLO")
        }
        repliesThisTransaction = 0
    }

    /// True when every reply read was asked for and none is half-received: the session is in step with the server.
    var isInStep: Bool { receivedNext == received.count && !parser.isInsideReply }

    /// The next reply, reading from the socket as needed. A connection failure, a malformed reply and a 421
    /// (the server is closing) close the connection and throw, as a transient failure of `command`.
    func nextReply(for command: String, deadline: ContinuousClock.Instant) throws(SMTPError) -> SMTPReply {
        if receivedNext == received.count {
            received.removeAll(keepingCapacity: true)
            receivedNext = 0
            repeat {
                guard let socket else { throw lost(.closed, command: command) }
                let count: Int
                do {
                    count = try socket.read(into: buffer, deadline: min(deadline, .now + .seconds(settings.replyTimeout)))
                } catch {
                    throw lost(error, command: command)
                }
                do {
                    try parser.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), into: &received)
                } catch {
                    drop()
                    throw SMTPError(kind: .transient, code: 0, reply: error.text, command: command)
                }
            } while received.isEmpty
        }
        let reply = received[receivedNext]
        receivedNext += 1
        repliesThisTransaction += 1
        if reply.code == 421 {
            if repliesThisTransaction == 1 { closedBeforeFirstReply = true }
            drop()
            throw SMTPError(kind: .transient, code: 421, reply: reply.text.isEmpty ? "service closing" : reply.text,
                            command: command)
        }
        return reply
    }

    /// Writes `parts` in order, in one system call when the kernel takes them.
    func write(_ parts: [UnsafeRawBufferPointer], command: String, deadline: ContinuousClock.Instant) throws(SMTPError) {
        guard let socket else { throw lost(.closed, command: command) }
        do {
            try socket.write(parts, idle: .seconds(settings.replyTimeout), deadline: deadline)
        } catch {
            throw lost(error, command: command)
        }
    }

    func write(_ bytes: [UInt8], command: String, deadline: ContinuousClock.Instant) throws(SMTPError) {
        try bytes.withTypedBytes { (raw) throws(SMTPError) in try write([raw], command: command, deadline: deadline) }
    }

    /// Closes the connection after an I/O failure and describes it. Only a connection the server closed (not a
    /// timeout: the server may be slow, not gone) counts as found closed for the one retry.
    private func lost(_ failure: SMTPSocket.Failure, command: String) -> SMTPError {
        if repliesThisTransaction == 0, failure == .closed { closedBeforeFirstReply = true }
        drop()
        return SMTPError(kind: .transient, code: 0, reply: failure.text, command: command)
    }

    /// Closes the connection without a word (after a failure, or when the session's state is unknown).
    func drop() {
        socket = nil
    }

    /// QUIT, its reply awaited briefly, then close: only when no reply is pending and nothing is half-received.
    private func quit() {
        guard socket != nil, isInStep else { return drop() }
        let deadline = ContinuousClock.now + .seconds(min(2, max(1, settings.replyTimeout)))
        do throws(SMTPError) {
            try write(Array("QUIT\r\n".utf8), command: "QUIT", deadline: deadline)
            _ = try nextReply(for: "QUIT", deadline: deadline)
        } catch {}
        drop()
    }
}
