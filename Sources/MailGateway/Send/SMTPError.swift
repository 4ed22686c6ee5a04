/// A failed SMTP delivery attempt: the server's reply code and text (or libcurl's description when the
/// server said nothing), the command it answered, and whether retrying can help.
/// Its description names no address and no message content.
public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Whether a later attempt can succeed.
    public enum Kind: String, Sendable, Codable {
        /// 4xx replies, connection failures, timeouts, TLS or login problems: retry later.
        case transient
        /// 5xx reply to MAIL, RCPT or DATA: the server refuses this copy for good (a bounce).
        case permanent
    }

    public var kind: Kind
    /// The SMTP reply code (RFC 5321 §4.2), 0 when there was no reply (connection, TLS, timeout).
    public var code: Int
    /// The server's last reply text (without the code), or libcurl's error text when there was no reply.
    public var reply: String
    /// The SMTP verb the reply answered (`MAIL`, `RCPT`, `DATA`, `.` for end of data, `STARTTLS`, `AUTH`...),
    /// or `CONNECT`.
    public var command: String

    public init(kind: Kind, code: Int, reply: String, command: String) {
        self.kind = kind
        self.code = code
        self.reply = reply
        self.command = command
    }

    public var description: String {
        "SMTP \(kind.rawValue) failure at \(command): \(code == 0 ? "" : "\(code) ")\(reply)"
    }
}
