internal import CEtPan
import Foundation

/// libetpan return codes as `IMAPError`s, with the server's last response text.
extension IMAPConnection {
    func outOfMemory(_ command: String) -> IMAPError {
        IMAPError(kind: .protocol, server: serverName, user: user, mailbox: selectedFolder, command: command,
                  reason: "libetpan could not allocate memory")
    }

    /// Turns a libetpan return code into an `IMAPError` carrying the server's last response text.
    /// libetpan reports a timeout as a stream error: one that took the whole timeout is called a timeout.
    func failure(_ code: Int32, command: String, mailbox: String? = nil, started: ContinuousClock.Instant)
        -> IMAPError
    {
        let elapsed = ContinuousClock.now - started
        let kind: IMAPError.Kind
        var reason: String?
        switch Int(code) {
        case MAILIMAP_ERROR_STREAM:
            if elapsed >= .seconds(timeoutSeconds) - .milliseconds(500) {
                kind = .timeout
                reason = "no answer within \(timeoutSeconds) s"
            } else {
                kind = .protocol
                reason = "connection closed"
            }
            broken = true
        case MAILIMAP_ERROR_PARSE, MAILIMAP_ERROR_PROTOCOL, MAILIMAP_ERROR_FATAL:
            kind = .protocol
            reason = "unexpected reply"
            broken = true
        case MAILIMAP_ERROR_CONNECTION_REFUSED:
            kind = elapsed >= .seconds(timeoutSeconds) - .milliseconds(500) ? .timeout : .connect
            reason = kind == .timeout ? "no answer within \(timeoutSeconds) s" : nil
            broken = true
        case MAILIMAP_ERROR_SSL, MAILIMAP_ERROR_STARTTLS:
            kind = .tls
        case MAILIMAP_ERROR_LOGIN:
            kind = .login
        case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
            kind = .connect
            reason = "the server refused the session"
        case MAILIMAP_ERROR_BAD_STATE:
            // Refused by libetpan before anything was sent (e.g. a message command with no folder selected):
            // the last response text belongs to an earlier command.
            return IMAPError(kind: .command, server: serverName, user: user, mailbox: mailbox, command: command,
                             reason: "not allowed in this session state (no folder selected, or not logged in)")
        default:
            kind = .command
        }
        let error = IMAPError(kind: kind, server: serverName, user: user, mailbox: mailbox, command: command,
                              serverText: serverText(), reason: reason)
        // A refused command that is transient is the server's own failure (RFC 5530 `[SERVERBUG]`, `[UNAVAILABLE]`):
        // the session is not trusted further.
        if kind == .command, error.isTransient { broken = true }
        return error
    }

    /// Whether the session broke (stream error, timeout): it must be dropped and a new one opened.
    var isBroken: Bool { broken }

    /// The server's last response text, with its response code when libetpan kept one
    /// (e.g. `[AUTHENTICATIONFAILED] Authentication failed.`, RFC 5530).
    func serverText() -> String? {
        guard let text = imap.pointee.imap_response else { return nil }
        var value = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
        if let info = imap.pointee.imap_response_info, let atom = info.pointee.rsp_atom {
            var code = String(cString: atom)
            if let extra = info.pointee.rsp_value { code += " " + String(cString: extra) }
            if !code.isEmpty, !value.hasPrefix("[") { value = "[\(code)] " + value }
        }
        return value.isEmpty ? nil : value
    }
}
