/// How a connection to a mail server is secured.
public enum TLSMode: String, Sendable, Codable, CaseIterable {
    /// Plain text. Only for servers on the loopback interface or a trusted private network.
    case none
    /// Plain connection upgraded with STARTTLS (RFC 3501 §6.2.1, RFC 3207); refused if the server can't.
    case starttls
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    case tls
}

/// A mail server: where it is, how to secure the connection and how to log in.
/// The password is never in the configuration: `passwordEnv` names the environment variable holding it,
/// and `passwordFile` (alternative) a file holding it.
public struct ServerConfig: Sendable, Codable, Equatable {
    public var host: String
    public var port: Int
    public var tls: TLSMode
    /// Login name; nil for servers that need no authentication (a local relay).
    public var user: String?
    /// Name of the environment variable that holds the password.
    public var passwordEnv: String?
    /// Path of a file whose first line is the password (for secrets mounted as files).
    public var passwordFile: String?
    /// PEM file of certificates to trust for this server in addition to (not instead of) the system store,
    /// e.g. a self-signed certificate. Host names are always checked.
    public var caFile: String?

    public init(host: String, port: Int, tls: TLSMode, user: String? = nil, passwordEnv: String? = nil,
                passwordFile: String? = nil, caFile: String? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
        self.user = user
        self.passwordEnv = passwordEnv
        self.passwordFile = passwordFile
        self.caFile = caFile
    }
}
