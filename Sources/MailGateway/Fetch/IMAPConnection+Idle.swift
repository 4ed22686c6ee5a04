internal import CEtPan
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// IDLE (RFC 2177).
extension IMAPConnection {
    /// IDLE (RFC 2177): sends IDLE, waits until the server sends something, `timeout` passes, or `wakeFD`
    /// becomes readable, then sends DONE and reads the server's answer (which updates EXISTS).
    ///
    /// When EXISTS changed since the first listing after the previous wait was sent, the server reported a message
    /// the listings may not have seen: it returns `.serverActivity` at once, without waiting, so the caller lists
    /// again. (A new message and another client's expunge in the same interval leave the count unchanged: that
    /// message waits for the next wake.)
    func idle(timeout: Duration, wakeFD: Int32) throws(IMAPError) -> IMAPIdleOutcome {
        let existsBefore = imap.pointee.imap_selection_info?.pointee.sel_exists
        let listed = existsWhenListed
        existsWhenListed = nil // once only: an `idle` that follows without a new listing waits
        if let listed, let existsBefore, existsBefore != listed { return .serverActivity }
        var started = ContinuousClock.now
        var code = mailimap_idle(imap)
        guard code == MAILIMAP_NO_ERROR else { throw failure(code, command: "IDLE", mailbox: selectedFolder, started: started) }

        var outcome = IMAPIdleOutcome.timedOut
        if let stream = imap.pointee.imap_stream, stream.pointee.read_buffer_len > 0 {
            // Already buffered by libetpan: poll() on the socket would not see it.
            outcome = .serverActivity
        } else if let existsBefore, let now = imap.pointee.imap_selection_info?.pointee.sel_exists, now != existsBefore {
            // An EXISTS that arrived with IDLE's continuation was consumed by libetpan already.
            outcome = .serverActivity
        } else {
            let idleFD = mailimap_idle_get_fd(imap)
            guard idleFD >= 0 else {
                throw IMAPError(kind: .protocol, server: serverName, user: user, mailbox: selectedFolder,
                                command: "IDLE", reason: "no socket to wait on")
            }
            let deadline = ContinuousClock.now.advanced(by: timeout)
            waiting: while true {
                let left = ContinuousClock.now.duration(to: deadline)
                if left <= .zero { break }
                let milliseconds = Int32(clamping: left.components.seconds * 1000
                    + left.components.attoseconds / 1_000_000_000_000_000 + 1)
                var fds = [pollfd(fd: idleFD, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
                let ready = poll(&fds, 2, milliseconds)
                if ready < 0 {
                    if errno == EINTR { continue }
                    break
                }
                if ready == 0 { continue }
                if fds[1].revents != 0 {
                    outcome = .interrupted
                    break waiting
                }
                if fds[0].revents != 0 {
                    outcome = .serverActivity
                    break waiting
                }
            }
        }
        started = ContinuousClock.now
        code = mailimap_idle_done(imap)
        guard code == MAILIMAP_NO_ERROR else { throw failure(code, command: "DONE", mailbox: selectedFolder, started: started) }
        return outcome
    }
}
