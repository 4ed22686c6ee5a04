/// Everything the posting rules look at, as plain values: the rules do no I/O.
public struct PostContext: Sendable {
    /// The parsed message.
    public var message: ParsedMessage
    /// Size of the raw message in bytes.
    public var rawSize: Int
    /// The list the message arrived for.
    public var list: ListConfig
    /// Who the From address belongs to, as looked up in the directory; nil when unknown.
    public var sender: SenderIdentity?
    /// Every configured list, to name the ones a sender may post to.
    public var lists: [ListConfig]
    /// List-Id values of our lists (the part inside angle brackets, lower-cased), e.g. `college-research.example.org`.
    public var ownListIDs: Set<String>
    /// Our lists' addresses (posting, bounce, owner), normalized (`MailAddress.normalized`) and lower-cased.
    public var ownAddresses: Set<String>
    /// The trusted `authserv-id` (RFC 8601 §2.5), lower-cased; nil disables the spoofing rule.
    public var trustedAuthservID: String?
    /// Secretariat addresses from the configuration, normalized and lower-cased.
    public var secretariat: Set<String>
    /// Size limit for lists without `maxPostBytes`; nil for none.
    public var defaultMaxPostBytes: Int?
    /// Whether a moderator accepted the From address on this list from now on ("approve and accept the sender",
    /// `allowed_senders`): looked up by whoever builds the context, so the rules stay pure.
    public var isAllowedSender = false
    /// Whether the message answers one of our digests as a whole (``repliesToDigest(_:lists:)``), computed by
    /// whoever builds the context.
    public var repliesToDigest = false

    /// Creates a context. Sets are lower-cased here.
    public init(message: ParsedMessage, rawSize: Int, list: ListConfig, sender: SenderIdentity?,
                lists: [ListConfig] = [], ownListIDs: Set<String> = [], ownAddresses: Set<String> = [],
                trustedAuthservID: String? = nil, secretariat: Set<String> = [], defaultMaxPostBytes: Int? = nil) {
        self.message = message
        self.rawSize = rawSize
        self.list = list
        self.sender = sender
        self.lists = lists
        self.ownListIDs = Set(ownListIDs.map { $0.lowercased() })
        self.ownAddresses = Set(ownAddresses.map { $0.lowercased() })
        self.trustedAuthservID = trustedAuthservID?.lowercased()
        self.secretariat = Set(secretariat.map { $0.lowercased() })
        self.defaultMaxPostBytes = defaultMaxPostBytes
    }

    /// The author: the first From address.
    public var author: MailAddress? { message.from.first }
}
