public import Foundation

/// Everything one SMTP connection needs: the server, the resolved password (never from the JSON config:
/// from the environment variable or file that `ServerConfig` names), the EHLO name and timeouts.
public struct SMTPSettings: Sendable {
    public var server: ServerConfig
    /// The password for AUTH, when `server.user` is set.
    public var password: String?
    /// The name sent in EHLO (the gateway's host name).
    public var ehloName: String
    /// Seconds allowed to connect (TCP + TLS).
    public var connectTimeout: Int
    /// Seconds allowed for one server reply.
    public var replyTimeout: Int
    /// Seconds allowed for a whole transaction (MAIL to the final 250).
    public var transactionTimeout: Int

    public init(server: ServerConfig, password: String? = nil, ehloName: String, connectTimeout: Int = 30,
                replyTimeout: Int = 120, transactionTimeout: Int = 600) {
        self.server = server
        self.password = password
        self.ehloName = ehloName
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
        self.transactionTimeout = transactionTimeout
    }

    /// Settings for `server` with its password resolved from `environment[server.passwordEnv]` or the first
    /// line of `server.passwordFile`. Throws `SMTPError` (transient, command `CONFIG`) when a named source is
    /// missing.
    public static func resolving(server: ServerConfig, ehloName: String,
                                 environment: [String: String] = ProcessInfo.processInfo.environment) throws(SMTPError) -> SMTPSettings {
        var password: String?
        if let name = server.passwordEnv {
            guard ConfigLoader.isEnvName(name) else {
                // Never repeat it: an operator may have written the password there.
                throw SMTPError(kind: .transient, code: 0,
                                reply: "the value of password_env is not a valid environment variable name", command: "CONFIG")
            }
            guard let value = environment[name] else {
                throw SMTPError(kind: .transient, code: 0, reply: "environment variable \(name) is not set", command: "CONFIG")
            }
            password = value
        } else if let path = server.passwordFile {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw SMTPError(kind: .transient, code: 0, reply: "password file \(path) is unreadable", command: "CONFIG")
            }
            password = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        }
        return SMTPSettings(server: server, password: password, ehloName: ehloName)
    }
}
