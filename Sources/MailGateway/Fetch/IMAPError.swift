/// A failed IMAP operation, with enough context for an operator to act on it.
///
/// The description names the server, the account, the folder and the command, and quotes the server's own
/// reply text (e.g. `[AUTHENTICATIONFAILED] Authentication failed.`). It never contains a password, a message
/// body or an address taken from mail.
public struct IMAPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarsely, so callers can decide whether to retry.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The TCP connection could not be made, or the server did not greet us.
        case connect
        /// TLS could not be negotiated, or the server's certificate was refused.
        case tls
        /// The server refused the account's credentials.
        case login
        /// The server answered NO or BAD to a command.
        case command
        /// The connection broke or the server sent something that could not be understood.
        case `protocol`
        /// The server did not answer within the configured timeout.
        case timeout
    }

    /// What went wrong.
    public var kind: Kind
    /// The server, as `host:port`.
    public var server: String
    /// The login name, when known.
    public var user: String?
    /// The folder the command was about, when there is one.
    public var mailbox: String?
    /// The IMAP command that failed, e.g. `UID FETCH`, `LOGIN`, `STARTTLS`.
    public var command: String
    /// The server's last response text, when it sent one.
    public var serverText: String?
    /// Our own explanation, when the server said nothing useful (e.g. why a certificate was refused).
    public var reason: String?

    /// Creates an error value.
    public init(kind: Kind, server: String, user: String? = nil, mailbox: String? = nil, command: String,
                serverText: String? = nil, reason: String? = nil) {
        self.kind = kind
        self.server = server
        self.user = user
        self.mailbox = mailbox
        self.command = command
        self.serverText = serverText
        self.reason = reason
    }

    /// Whether trying again later may succeed (network trouble) as opposed to needing an operator
    /// (wrong password, refused certificate, missing folder).
    /// A command refused with `[SERVERBUG]` or `[UNAVAILABLE]` (RFC 5530: the server's own failure, e.g. a Dovecot
    /// shutting down, not this command's) is transient too.
    public var isTransient: Bool {
        switch kind {
        case .connect, .protocol, .timeout: true
        case .command: serverText.map(Self.isServerFailure) ?? false
        case .tls, .login: false
        }
    }

    /// True when a response text carries RFC 5530's `[SERVERBUG]` or `[UNAVAILABLE]`: the server failed, not the
    /// request; the session is then dropped and a later one may succeed.
    static func isServerFailure(_ text: String) -> Bool {
        let upper = text.uppercased()
        return upper.contains("[SERVERBUG]") || upper.contains("[UNAVAILABLE]")
    }

    /// True when the server refused the account's credentials for good: a `login` failure without the
    /// `[UNAVAILABLE]` response code (RFC 5530: a temporary failure of the server's authentication backend).
    public var isRefusedLogin: Bool {
        kind == .login && serverText?.uppercased().contains("[UNAVAILABLE]") != true
    }

    /// A sentence an operator understands, e.g.
    /// `login failed for user alice on 127.0.0.1:10143: [AUTHENTICATIONFAILED] Authentication failed.`
    public var description: String {
        var text: String
        switch kind {
        case .connect: text = "could not connect to \(server)"
        case .tls: text = "TLS failed with \(server)"
        case .login: text = "login failed for user \(user ?? "?") on \(server)"
        case .command: text = "IMAP \(command) refused by \(server)"
        case .protocol: text = "IMAP \(command) failed on \(server) (connection lost or unreadable reply)"
        case .timeout: text = "IMAP \(command) timed out on \(server)"
        }
        if kind != .login, let user { text += " as \(user)" }
        if let mailbox { text += " in folder \(mailbox)" }
        var details: [String] = []
        if let reason, !reason.isEmpty { details.append(reason) }
        if let serverText, !serverText.isEmpty { details.append(serverText) }
        if !details.isEmpty { text += ": " + details.joined(separator: "; ") }
        return text
    }
}
