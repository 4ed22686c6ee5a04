/// The IMAP mailbox a list receives its mail in.
public struct MailboxConfig: Sendable, Codable, Equatable {
    /// Server override for this mailbox; nil uses the top-level `imap` server.
    public var host: String?
    public var port: Int?
    public var tls: TLSMode?
    /// The IMAP account.
    public var user: String
    /// Name of the environment variable holding the account's password.
    public var passwordEnv: String?
    public var passwordFile: String?
    /// The folder to watch, usually INBOX.
    public var folder: String
    /// When set, processed messages are moved there (UID MOVE) instead of being flagged \Seen.
    public var processedFolder: String?

    public init(host: String? = nil, port: Int? = nil, tls: TLSMode? = nil, user: String, passwordEnv: String? = nil,
                passwordFile: String? = nil, folder: String = "INBOX", processedFolder: String? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
        self.user = user
        self.passwordEnv = passwordEnv
        self.passwordFile = passwordFile
        self.folder = folder
        self.processedFolder = processedFolder
    }
}
