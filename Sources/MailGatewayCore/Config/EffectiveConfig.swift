/// The configuration as it will be used (environment overrides applied), with secrets redacted: only the names
/// of the variables or files that hold them appear. Printed by `mailgateway check-config --json`.
public struct EffectiveConfig: Sendable, Codable {
    public struct Server: Sendable, Codable {
        public var host: String
        public var port: Int
        public var tls: TLSMode
        public var user: String?
        public var passwordEnv: String?
        public var passwordFile: String?
        public var caFile: String?
    }

    public struct Mailbox: Sendable, Codable {
        public var host: String
        public var port: Int
        public var tls: TLSMode
        public var user: String
        public var folder: String
        public var processedFolder: String?
        public var passwordEnv: String?
        public var passwordFile: String?
    }

    public struct List: Sendable, Codable {
        public var id: String
        public var kind: ListKind
        public var college: College?
        public var address: String
        public var name: LocalizedName
        public var language: Language
        public var posting: PostingRight
        public var subjectPrefix: String?
        public var nonMemberAction: NonMemberAction
        public var fromRewrite: FromRewrite
        public var mailbox: Mailbox
    }

    public var platformName: String
    public var database: String
    public var pollIntervalSeconds: Int
    public var maxMessageBytes: Int
    public var templatesDirectory: String
    public var webBaseURL: String?
    public var trustedAuthservID: String?
    public var dmarcStrictDomains: [String]
    public var dmarc: DMARCSettings
    public var imap: Server
    public var smtp: Server
    public var moderation: ModerationSettings
    public var delivery: DeliverySettings
    public var digest: DigestSettings
    public var http: HTTPSettings?
    public var lists: [List]

    public init(_ c: GatewayConfig) {
        func server(_ s: ServerConfig) -> Server {
            Server(host: s.host, port: s.port, tls: s.tls, user: s.user, passwordEnv: s.passwordEnv,
                   passwordFile: s.passwordFile, caFile: s.caFile)
        }
        platformName = c.platformName
        database = c.database
        pollIntervalSeconds = c.pollIntervalSeconds
        maxMessageBytes = c.maxMessageBytes
        templatesDirectory = c.templatesDirectory
        webBaseURL = c.webBaseURL
        trustedAuthservID = c.trustedAuthservID
        dmarcStrictDomains = c.dmarcStrictDomains
        dmarc = c.dmarc
        imap = server(c.imap)
        smtp = server(c.smtp)
        moderation = c.moderation
        delivery = c.delivery
        digest = c.digest
        http = c.http
        lists = c.lists.map { l in
            let s = c.imapServer(for: l)
            return List(id: l.id, kind: l.kind, college: l.college, address: l.address, name: l.name, language: l.language,
                        posting: l.posting, subjectPrefix: l.subjectPrefix, nonMemberAction: l.nonMemberAction,
                        fromRewrite: l.fromRewrite,
                        mailbox: Mailbox(host: s.host, port: s.port, tls: s.tls, user: l.mailbox.user, folder: l.mailbox.folder,
                                         processedFolder: l.mailbox.processedFolder, passwordEnv: s.passwordEnv,
                                         passwordFile: s.passwordFile))
        }
    }
}
