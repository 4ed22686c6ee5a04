/// A failed SMTP delivery attempt: the server's reply code and text (or the client's description when the
/// server said nothing), the command it answered, and whether retrying can help.
/// Its description names no address and no message content.
public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Whether a later attempt can succeed.
    public enum Kind: String, Sendable, Codable {
        /// 4xx replies, connection failures, timeouts, TLS problems: retry later.
        case transient
        /// 5xx reply to MAIL, RCPT or DATA: the server refuses this copy for good (a bounce); or, with command
        /// `AUTH`, the server refuses the gateway's credentials (`isAuthenticationRefused`: no copy can be sent
        /// until the configuration is fixed); or, with code 0, an envelope the gateway refused to send
        /// (`unsafeEnvelope`).
        case permanent
    }

    public var kind: Kind
    /// The SMTP reply code (RFC 5321 §4.2), 0 when there was no reply (connection, TLS, timeout).
    public var code: Int
    /// The server's last reply text (without the code), or the client's own text (libcurl's, or the socket's) when
    /// there was no reply.
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
        if isAuthenticationRefused {
            return "SMTP authentication refused (check smtp.user and its password): \(code == 0 ? "" : "\(code) ")\(reply)"
        }
        return "SMTP \(kind.rawValue) failure at \(command): \(code == 0 ? "" : "\(code) ")\(reply)"
    }

    /// True when the server refused the gateway's login (535, or no mechanism in common): a configuration
    /// problem, not the copy's. The outbox keeps the copy pending and stops sending.
    public var isAuthenticationRefused: Bool { kind == .permanent && command == "AUTH" }

    /// An envelope address that must not reach the wire: nothing was sent.
    public static func unsafeEnvelope(command: String) -> SMTPError {
        SMTPError(kind: .permanent, code: 0, reply: unsafeEnvelopeReply, command: command)
    }

    /// The text of `unsafeEnvelope`.
    public static let unsafeEnvelopeReply =
        "envelope address refused before sending: it contains CR, LF, NUL, another control character or an angle bracket"

    /// True when `address` can be written into `MAIL FROM:<…>` or `RCPT TO:<…>`: no control character
    /// (CR, LF and NUL above all, which would end the command or smuggle in another), no angle bracket.
    public static func isSafeEnvelopeAddress(_ address: String) -> Bool {
        !address.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }
    }

    /// The envelope check before an all-or-nothing send (both clients): the sender first
    /// (`unsafeEnvelope(command: "MAIL")`), then every recipient (`unsafeEnvelope(command: "RCPT")`).
    static func checkEnvelope(from envelopeFrom: String, recipients: [String]) throws(SMTPError) {
        guard isSafeEnvelopeAddress(envelopeFrom) else { throw .unsafeEnvelope(command: "MAIL") }
        for recipient in recipients where !isSafeEnvelopeAddress(recipient) { throw .unsafeEnvelope(command: "RCPT") }
    }

    /// A server's refusal of `command` (both clients' classification): 5xx permanent, anything else transient; an
    /// empty text reads "refused".
    static func refusal(code: Int, reply: String, command: String) -> SMTPError {
        SMTPError(kind: code >= 500 ? .permanent : .transient, code: code, reply: reply.isEmpty ? "refused" : reply,
                  command: command)
    }

    /// The envelope check before a per-recipient send (both clients): throws `unsafeEnvelope(command: "MAIL")` for an
    /// unsafe sender (checked first); else each unsafe recipient's result is `unsafeEnvelope(command: "RCPT")` and
    /// `sent` lists the positions of the others, in order.
    static func screening(envelopeFrom: String, each recipients: [String]) throws(SMTPError)
        -> (results: [SMTPError?], sent: [Int]) {
        try checkEnvelope(from: envelopeFrom, recipients: [])
        var results = [SMTPError?](repeating: nil, count: recipients.count)
        var sent: [Int] = []
        for (index, recipient) in recipients.enumerated() {
            if isSafeEnvelopeAddress(recipient) { sent.append(index) } else { results[index] = .unsafeEnvelope(command: "RCPT") }
        }
        return (results, sent)
    }
}
