
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

/// Localized names: French is required, English and Spanish strongly expected.
public struct LocalizedName: Sendable, Codable, Equatable {
    public var fr: String
    public var en: String
    public var es: String?

    public init(fr: String, en: String, es: String? = nil) {
        self.fr = fr
        self.en = en
        self.es = es
    }

    public func value(for language: Language) -> String {
        switch language {
        case .fr: fr
        case .en: en
        case .es: es ?? en
        }
    }
}

/// The languages the platform speaks. Notices, digests and help exist in each (`templates/<lang>/`).
public enum Language: String, Sendable, Codable, CaseIterable, Comparable {
    case fr, en, es
    public static func < (a: Language, b: Language) -> Bool { a.rawValue < b.rawValue }
}

/// What kind of group a list is; it decides who belongs and who may post (docs/DESIGN.md).
public enum ListKind: String, Sendable, Codable, CaseIterable {
    /// One of the five colleges: representatives of partners of that college.
    case college
    /// The transversal funders group: representatives of partners flagged as funders.
    case funders
    /// Individual members (farmers, foresters) without an organisation.
    case individuals
    /// A thematic interface, open to every partner (joining is opt-in).
    case interface
    /// An announcement address: moderators and the secretariat only.
    case announce
}

/// The five colleges of the Initiative.
public enum College: String, Sendable, Codable, CaseIterable {
    case states, research, producers
    case civilSociety = "civil-society"
    case `private`
}

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

/// What happens to a post from someone who is not a partner.
public enum NonMemberAction: String, Sendable, Codable, CaseIterable {
    case reject, hold, discard
}

/// When the From header of outgoing copies is rewritten to the list address (DMARC, RFC 7489).
public enum FromRewrite: String, Sendable, Codable, CaseIterable {
    case always, never
    case whenDMARC = "when_dmarc"
}

/// Who may post to a list (docs/DESIGN.md). Defaults from the list's kind.
public enum PostingRight: String, Sendable, Codable, CaseIterable {
    /// The people entitled to the group: a college's partners' representatives, funders, individuals.
    case members
    /// Any partner of the Initiative (the interfaces).
    case partners
    /// The list's moderators and the secretariat (announcement addresses).
    case moderators

    /// The right that goes with a kind of list.
    public static func `default`(for kind: ListKind) -> PostingRight {
        switch kind {
        case .college, .funders, .individuals: .members
        case .interface: .partners
        case .announce: .moderators
        }
    }
}

/// One mailing list (one group of the platform).
public struct ListConfig: Sendable, Codable, Equatable {
    /// Stable identifier, e.g. `college-research`; used in the database and on the command line.
    public var id: String
    public var kind: ListKind
    /// For `kind == .college` only.
    public var college: College?
    public var name: LocalizedName
    /// The list's posting address.
    public var address: String
    /// The list's language for notices and footers when a recipient's is unknown.
    public var language: Language
    /// Subject tag added once to outgoing copies, e.g. `[Recherche]`; nil for none.
    public var subjectPrefix: String?
    public var mailbox: MailboxConfig
    /// Who may post.
    public var posting: PostingRight
    /// Messages larger than this are held for a moderator (bytes); nil uses the global limit.
    public var maxPostBytes: Int?
    public var nonMemberAction: NonMemberAction
    public var fromRewrite: FromRewrite

    public init(id: String, kind: ListKind, college: College? = nil, name: LocalizedName, address: String,
                language: Language, subjectPrefix: String? = nil, mailbox: MailboxConfig, posting: PostingRight? = nil,
                maxPostBytes: Int? = nil,
                nonMemberAction: NonMemberAction = .reject, fromRewrite: FromRewrite = .whenDMARC) {
        self.id = id
        self.kind = kind
        self.college = college
        self.name = name
        self.address = address
        self.language = language
        self.subjectPrefix = subjectPrefix
        self.mailbox = mailbox
        self.posting = posting ?? .default(for: kind)
        self.maxPostBytes = maxPostBytes
        self.nonMemberAction = nonMemberAction
        self.fromRewrite = fromRewrite
    }
}

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
    /// Domains known to publish a DMARC policy of quarantine or reject (no DNS lookups are made): with
    /// `from_rewrite: when_dmarc`, posts from these domains (and their subdomains) get a rewritten From.
    public var dmarcStrictDomains: [String]
    /// Folder holding templates (`fr/`, `en/`, `es/`).
    public var templatesDirectory: String
    public var moderation: ModerationSettings
    public var delivery: DeliverySettings
    public var digest: DigestSettings
    public var lists: [ListConfig]

    public init(platformName: String, database: String, pollIntervalSeconds: Int = 60,
                maxMessageBytes: Int = 50 * 1024 * 1024, imap: ServerConfig, smtp: ServerConfig,
                webBaseURL: String? = nil, trustedAuthservID: String? = nil, secretariat: [String] = [],
                dmarcStrictDomains: [String] = GatewayConfig.defaultDMARCStrictDomains, templatesDirectory: String = "templates", moderation: ModerationSettings = .init(),
                delivery: DeliverySettings = .init(), digest: DigestSettings = .init(), lists: [ListConfig]) {
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
        self.templatesDirectory = templatesDirectory
        self.moderation = moderation
        self.delivery = delivery
        self.digest = digest
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

/// Moderation queue settings.
public struct ModerationSettings: Sendable, Codable, Equatable {
    /// Held messages expire after this many days (the author is told).
    public var holdDays: Int
    /// Name of the environment variable holding the HMAC key that signs moderation tokens.
    public var keyEnv: String
    /// Alternative: a file holding the key.
    public var keyFile: String?
    /// At most this many holds of one list get an emailed moderation request in any hour (the others are only
    /// listed by `moderation list`), so that a flood of held posts cannot flood the moderators' mailboxes.
    public var requestsPerHour: Int

    public init(holdDays: Int = 14, keyEnv: String = "MAILGATEWAY_MODERATION_KEY", keyFile: String? = nil,
                requestsPerHour: Int = ModerationQueue.defaultRequestsPerListPerHour) {
        self.holdDays = holdDays
        self.keyEnv = keyEnv
        self.keyFile = keyFile
        self.requestsPerHour = requestsPerHour
    }
}

/// Outgoing delivery settings.
public struct DeliverySettings: Sendable, Codable, Equatable {
    /// SMTP connections used in parallel by the outbox sender.
    public var connections: Int
    /// How long transient failures (4xx, connection errors) are retried before a copy is given up, in hours.
    public var retryHours: Int
    /// First retry delay in seconds; doubles at each attempt up to `maxBackoffSeconds`.
    public var backoffSeconds: Int
    public var maxBackoffSeconds: Int
    /// The name announced in EHLO.
    public var heloName: String

    public init(connections: Int = 4, retryHours: Int = 120, backoffSeconds: Int = 60, maxBackoffSeconds: Int = 3600,
                heloName: String = "mailgateway.localdomain") {
        self.connections = connections
        self.retryHours = retryHours
        self.backoffSeconds = backoffSeconds
        self.maxBackoffSeconds = maxBackoffSeconds
        self.heloName = heloName
    }
}

/// Daily digest settings.
public struct DigestSettings: Sendable, Codable, Equatable {
    /// Hour of the day (0-23, UTC) at which digests are sent.
    public var hourUTC: Int

    public init(hourUTC: Int = 6) {
        self.hourUTC = hourUTC
    }
}
