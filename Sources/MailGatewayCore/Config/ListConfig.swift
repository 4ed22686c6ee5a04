/// What happens to a post from someone who is not a partner.
public enum NonMemberAction: String, Sendable, Codable, CaseIterable {
    case reject, hold, discard
}

/// When the From header of outgoing copies is rewritten to the list address (DMARC, RFC 7489).
public enum FromRewrite: String, Sendable, Codable, CaseIterable {
    case always, never
    case whenDMARC = "when_dmarc"
}

/// Where a member's plain Reply to a list copy goes (`reply_to`).
public enum ReplyTo: String, Sendable, Codable, CaseIterable {
    /// `Reply-To:` the list address: Reply answers everyone.
    case list
    /// No `Reply-To:` added (the author's own is kept): Reply answers the author, "Reply all" everyone.
    case author
}

/// Who may read a list's roster with the `who` email command (CM-7; Mailman 3's `member_roster_visibility`). The
/// answer always goes to the From only.
public enum RosterVisibility: String, Sendable, Codable, CaseIterable {
    /// The list's moderators and owners (the default, as in Mailman 3).
    case moderators
    /// Every member of the list.
    case members
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
    /// Where Reply goes (`reply_to`, default `author`). An announcement list always answers to the secretariat.
    public var replyTo: ReplyTo = .author
    /// Who may read the roster by email (`roster_visibility`, default `moderators`).
    public var rosterVisibility: RosterVisibility = .moderators
    /// The list's digest time or time zone, before the configuration's `digest` (`digest` object of the list).
    public var digest: DigestOverride?
    /// `personalize` (default true), Mailman 3's personalization and VERP in one switch. True: each member's copy
    /// of a post has its own envelope sender (`list+bounce.<token>@`, BN-1: a bounce names the copy) and, with the
    /// HTTP listener, its own one-click List-Unsubscribe URL (RFC 8058), so every copy is its own SMTP transaction.
    /// False: the copies of a post that read the same footer (language and mode) are byte-identical, sent from
    /// `list+bounce@` with the mailto List-Unsubscribe only, up to 100 recipients per SMTP transaction; a
    /// recipient the server refuses is that copy's failure (and bounce event), and a later DSN to `list+bounce@`
    /// names no copy (docs/bounces.md). For announcement lists of thousands, where the send time matters more.
    public var personalize: Bool = true

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
