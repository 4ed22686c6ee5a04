#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One TCP connection for ``PipelinedSMTPConnection``: the sole owner of its socket descriptor (closed in `deinit`).
/// Non-blocking underneath, blocking for the caller: every wait goes through `poll(2)` with a deadline. Writes use
/// `MSG_NOSIGNAL` (a closed peer is an error, never a SIGPIPE). Not `Sendable`: one thread at a time.
final class SMTPSocket {
    /// Why an I/O call failed; the connection is unusable after any of them.
    enum Failure: Error, Equatable {
        case timeout
        /// The server closed the connection (read returned 0, or EPIPE / ECONNRESET).
        case closed
        /// Name resolution failed.
        case resolve(String)
        /// Any other system error, as `strerror` describes it.
        case system(String)

        var text: String {
            switch self {
            case .timeout: "timed out waiting for the server"
            case .closed: "connection closed by the server"
            case let .resolve(text): "cannot resolve the server's name: \(text)"
            case let .system(text): text
            }
        }
    }

    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Resolves `host` (IPv4 and IPv6, `getaddrinfo`) and connects to the first address that answers before
    /// `deadline`, with TCP_NODELAY. Each address gets an equal share of the time left, so an address that drops
    /// packets (an unreachable IPv6 listed first) leaves time for the next one.
    static func connect(host: String, port: Int, deadline: ContinuousClock.Instant) throws(Failure) -> SMTPSocket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .resolve(String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var lastFailure = Failure.system("no address for the server")
        var left = 0
        var counted: UnsafeMutablePointer<addrinfo>? = first
        while let address = counted { left += 1; counted = address.pointee.ai_next }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let share = ContinuousClock.now + (deadline - .now) / max(1, left)
            left -= 1
            let fd = socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
                            | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { lastFailure = .system(Self.errorText()); continue }
            let connection = SMTPSocket(descriptor: fd)
            do throws(Failure) {
                try connection.finishConnect(to: address.pointee.ai_addr, length: address.pointee.ai_addrlen,
                                             deadline: entry == nil ? deadline : share)
                var one: Int32 = 1
                _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return connection
            } catch {
                lastFailure = error
            }
        }
        throw lastFailure
    }

    private func finishConnect(to address: UnsafeMutablePointer<sockaddr>?, length: socklen_t,
                               deadline: ContinuousClock.Instant) throws(Failure) {
        if Glibc.connect(descriptor, address, length) == 0 { return }
        // EINTR: the connection goes on in the background, as with EINPROGRESS.
        guard errno == EINPROGRESS || errno == EINTR else { throw .system(Self.errorText()) }
        try wait(for: Int16(POLLOUT), until: deadline)
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &size) == 0 else { throw .system(Self.errorText()) }
        guard error == 0 else { throw .system(String(cString: strerror(error))) }
    }

    /// Writes all of `parts` in order (one `sendmsg` when the kernel takes them at once), waiting for room at most
    /// `idle` at a time (every byte the kernel takes starts the wait again: a large message over a slow link is not
    /// a timeout while it moves) and never past `deadline`.
    func write(_ parts: [UnsafeRawBufferPointer], idle: Duration, deadline: ContinuousClock.Instant) throws(Failure) {
        var vectors = parts.filter { $0.count > 0 }.map {
            iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count)
        }
        var first = 0
        while first < vectors.count {
            let sent = vectors[first...].withUnsafeMutableBufferPointer { buffer -> Int in
                var header = msghdr()
                header.msg_iov = buffer.baseAddress
                header.msg_iovlen = buffer.count
                return sendmsg(descriptor, &header, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    try wait(for: Int16(POLLOUT), until: min(deadline, .now + idle))
                    continue
                }
                throw errno == EPIPE || errno == ECONNRESET ? .closed : .system(Self.errorText())
            }
            var remaining = sent
            while first < vectors.count, remaining >= vectors[first].iov_len {
                remaining -= vectors[first].iov_len
                first += 1
            }
            if remaining > 0 {
                vectors[first].iov_base += remaining
                vectors[first].iov_len -= remaining
            }
        }
    }

    /// Waits until the server sends something (or `deadline`), then reads it into `buffer`. Returns the count read
    /// (at least 1).
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant) throws(Failure) -> Int {
        while true {
            try wait(for: Int16(POLLIN), until: deadline)
            let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return count }
            if count == 0 { throw .closed }
            if errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK { continue }
            throw errno == ECONNRESET ? .closed : .system(Self.errorText())
        }
    }

    /// True when the server has sent something (or closed the connection) that nobody asked for: checked before a
    /// reused connection's transaction, where nothing may be waiting (an idle session's 421, or its end).
    func hasUnrequestedInput() -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }

    private func wait(for events: Int16, until deadline: ContinuousClock.Instant) throws(Failure) {
        while true {
            let left = deadline - .now
            guard left > .zero else { throw .timeout }
            let (seconds, attoseconds) = left.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0, errno != EINTR { throw .system(Self.errorText()) }
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
