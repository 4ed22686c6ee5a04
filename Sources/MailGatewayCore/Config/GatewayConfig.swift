/// The whole configuration, decoded and validated at the edge (`ConfigLoader`), then handed out in slices.
public struct GatewayConfig: Sendable, Equatable {
    /// Human name of the platform, used in notices.
    public var platformName: String
    /// Path of the SQLite archive.
    public var database: String
    /// Seconds between two polls of a mailbox whose server has no IDLE (and the IDLE re-arm period cap).
    public var pollIntervalSeconds: Int
    /// Messages larger than this are quarantined without being loaded whole (bytes; default 50 MB).
    public var maxMessageBytes: Int
    /// The default IMAP server of every list's mailbox.
    public var imap: ServerConfig
    /// The SMTP server that delivers outgoing mail.
    public var smtp: ServerConfig
    /// Base URL of the web archive / preferences, for List-Archive and https List-Unsubscribe; optional.
    public var webBaseURL: String?
    /// `authserv-id` of the receiving mail server whose Authentication-Results headers are trusted (RFC 8601).
    public var trustedAuthservID: String?
    /// Addresses of the secretariat (may post to announcement lists).
    public var secretariat: [String]
    /// Domains taken as publishing a DMARC policy of quarantine or reject when the DNS lookup fails (or when
    /// `dmarc.dns` is false): with `from_rewrite: dmarc`, posts from these domains (and their subdomains) get a
    /// rewritten From.
    public var dmarcStrictDomains: [String]
    /// DMARC policies by DNS (`DMARCResolver`).
    public var dmarc: DMARCSettings
    /// Folder holding templates (`fr/`, `en/`, `es/`).
    public var templatesDirectory: String
    public var moderation: ModerationSettings
    public var delivery: DeliverySettings
    public var digest: DigestSettings
    /// The HTTP listener (one-click unsubscribe, health, metrics); nil: none.
    public var http: HTTPSettings?
    public var lists: [ListConfig]
    /// Bounce scoring thresholds (`bounces`; docs/configuration.md, docs/bounces.md).
    public var bounces: BounceSettings

    public init(platformName: String, database: String, pollIntervalSeconds: Int = 60,
                maxMessageBytes: Int = 50 * 1024 * 1024, imap: ServerConfig, smtp: ServerConfig,
                webBaseURL: String? = nil, trustedAuthservID: String? = nil, secretariat: [String] = [],
                dmarcStrictDomains: [String] = GatewayConfig.defaultDMARCStrictDomains, dmarc: DMARCSettings = .init(),
                templatesDirectory: String = "templates", moderation: ModerationSettings = .init(),
                delivery: DeliverySettings = .init(), digest: DigestSettings = .init(), http: HTTPSettings? = nil,
                lists: [ListConfig], bounces: BounceSettings = .init()) {
        self.bounces = bounces
        self.platformName = platformName
        self.database = database
        self.pollIntervalSeconds = pollIntervalSeconds
        self.maxMessageBytes = maxMessageBytes
        self.imap = imap
        self.smtp = smtp
        self.webBaseURL = webBaseURL
        self.trustedAuthservID = trustedAuthservID
        self.secretariat = secretariat
        self.dmarcStrictDomains = dmarcStrictDomains
        self.dmarc = dmarc
        self.templatesDirectory = templatesDirectory
        self.moderation = moderation
        self.delivery = delivery
        self.digest = digest
        self.http = http
        self.lists = lists
    }

    /// Large mailbox providers that publish `p=reject` or `p=quarantine`.
    public static let defaultDMARCStrictDomains = [
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "yahoo.es", "aol.com", "outlook.com", "hotmail.com",
        "hotmail.fr", "live.com", "msn.com", "orange.fr", "laposte.net", "free.fr", "icloud.com", "me.com",
    ]

    public func list(id: String) -> ListConfig? { lists.first { $0.id == id } }

    /// The server a list's mailbox lives on: the top-level IMAP server with the mailbox's overrides and account.
    public func imapServer(for list: ListConfig) -> ServerConfig {
        var server = imap
        if let host = list.mailbox.host { server.host = host }
        if let port = list.mailbox.port { server.port = port }
        if let tls = list.mailbox.tls { server.tls = tls }
        server.user = list.mailbox.user
        if list.mailbox.passwordEnv != nil || list.mailbox.passwordFile != nil {
            server.passwordEnv = list.mailbox.passwordEnv
            server.passwordFile = list.mailbox.passwordFile
        }
        return server
    }
}
