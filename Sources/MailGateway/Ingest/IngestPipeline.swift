public import Foundation
public import GRDB
public import Logging

/// Everything the gateway does with one incoming message, parsed first (``parse(_:)``, outside any transaction), then
/// inside ONE database transaction provided by the caller
/// (DESIGN: "each arrow is a committed step"): policy, archive, thread, index, and the consequences of the
/// decision — outbox rows for the members, a hold and moderation requests, a notice — so that a crash leaves
/// either all of it or none of it, and the IMAP flag is set only after the commit.
///
/// Mailman's pipeline, with typed values: the chain (`PolicyChain`) decides; handlers here act on the decision.
public struct IngestPipeline: Sendable {
    public let config: GatewayConfig
    public let chain: PolicyChain
    public let notices: NoticeComposer
    public let distributor: PostDistributor
    /// The moderation key: verifies the HMAC `MOD-…` tokens of requests sent before requests carried a
    /// `list+confirm.<token>@` Reply-To, until they expire. New requests need none.
    public let moderationKey: ModerationKey?
    private let ownListIDs: Set<String>
    private let ownAddresses: Set<String>
    private let secretariat: Set<String>

    public init(config: GatewayConfig, chain: PolicyChain = .standard, notices: NoticeComposer,
                distributor: PostDistributor, moderationKey: ModerationKey?) {
        self.config = config
        self.chain = chain
        self.notices = notices
        self.distributor = distributor
        self.moderationKey = moderationKey
        var ids: Set<String> = []
        var addresses: Set<String> = []
        for list in config.lists {
            let identity = ListIdentity(list: list, webBaseURL: config.webBaseURL)
            ids.insert(identity.listID.lowercased())
            let own = ListAddresses(address: list.address)
            for address in [own.post, own.owner, own.request, own.join, own.leave, own.help, own.sub("bounce"),
                            own.legacy("owner"), own.legacy("request"), own.legacy("bounces")] {
                addresses.insert(MailAddress.canonicalKey(address))
            }
        }
        self.ownListIDs = ids
        self.ownAddresses = addresses
        self.secretariat = Set(config.secretariat.map { MailAddress(address: $0).normalized.lowercased() })
    }

    /// Processes one message of `list` inside the caller's transaction.
    /// - Parameters:
    ///   - fallbackDate: the IMAP internal date, used when the Date header is missing or bad.
    public func process(_ db: Database, list: ListConfig, raw: [UInt8], fallbackDate: Date?, source: ArchiveSource,
                        now: Date = Date(), logger: Logger) throws -> IngestOutcome {
        try process(db, list: list, raw: raw, parsed: Self.parse(raw), fallbackDate: fallbackDate, source: source,
                    now: now, logger: logger)
    }

    /// Parses a message, outside any database transaction: the parse of a hostile message may be slow (or crash),
    /// and it must never hold the database writer that every list and the outbox share.
    public static func parse(_ raw: [UInt8]) -> Result<ParsedMessage, MessageParseError> {
        Result { () throws(MessageParseError) in try MessageParser.parse(raw) }
    }

    /// What the router makes of `parsed` in `list`'s mailbox (pure: the headers and the list's addresses).
    public static func route(_ parsed: ParsedMessage, list: ListConfig) -> InboundRoute {
        InboundRouter(list: list).route(parsed).route
    }

    /// Processes one message of `list`, already parsed by ``parse(_:)``, inside the caller's transaction.
    /// `route`: ``route(_:list:)`` of the parsed message when the caller computed it outside the transaction (the
    /// ingest does, with the parse: the database writer has no work it can skip more easily), else computed here.
    public func process(_ db: Database, list: ListConfig, raw: [UInt8], parsed parseResult: Result<ParsedMessage, MessageParseError>,
                        route routed: InboundRoute? = nil, fallbackDate: Date?, source: ArchiveSource, now: Date = Date(),
                        logger: Logger) throws -> IngestOutcome {
        let parsed: ParsedMessage
        switch parseResult {
        case .success(let message):
            parsed = message
        case .failure(let error):
            let id = try ArchiveWriter.quarantine(db, list: list.id, raw: raw, error: error.description, source: source, at: now)
            logger.warning("message quarantined", metadata: ["list.id": "\(list.id)", "quarantine.id": "\(id)",
                                                            "reason": "\(error.description)"])
            return .quarantined(quarantineID: id, reason: error.description)
        }

        var context = try context(db, list: list, parsed: parsed, rawSize: raw.count)
        // One router before anything else: the address the message was delivered to says what it is.
        let route = routed ?? Self.route(parsed, list: list)
        // Parsed to its header while a reader's view of the register said the body could not matter: the writer's
        // view decides again here (and `PostHandler` parses whole a post that its chain holds or accepts).
        if !parsed.bodyParsed, !headerMayDecide(context, route: route) {
            context.message = try Self.withBody(parsed, raw: raw)
        }
        let message = InboundMessage(list: list, raw: raw, parsed: context.message, route: route,
                                     context: context, fallbackDate: fallbackDate, source: source, now: now,
                                     logger: logger)
        return try handler(for: route).handle(message, in: db)
    }

    // MARK: Posts parsed to their header

    /// Whether the body of the message in `context` can change what the ingest does with it: always, unless the
    /// header may decide (``headerMayDecide(_:route:)``) and the chain rejects or discards the post (or records it as
    /// a bounce) on its header. For such a post the standard chain's rules read nothing else
    /// (``PolicyChain/headerDecidesStrangers``), so the decision on its header is the decision on the whole message. A
    /// post the chain would hold or accept (its size, an unproven From, a list that holds strangers, an allowed
    /// sender) is parsed whole before the transaction, so that a hostile parse never holds the writer. The ingest
    /// asks this with a reader's view of the register before the transaction
    /// (``preparation(_:list:parsed:rawSize:route:)``) and parses to its header only
    /// (``MessageParser/parseHeaders(_:)``) what it says; the writer checks ``headerMayDecide(_:route:)`` with its own
    /// view, and ``PostHandler`` parses whole a post its chain then holds or accepts (the register changed between).
    public func bodyMatters(_ context: PostContext, route: InboundRoute) -> Bool {
        guard headerMayDecide(context, route: route) else { return true }
        return !ArchiveStatus(chain.decide(context).action).isRefusal
    }

    /// Whether the header of the message in `context` may decide what the ingest does with it: a post (`route`)
    /// whose From nobody in the register has, whose Content-Type names no report, through a chain whose rules read
    /// nothing else of such a post (``PolicyChain/headerDecidesStrangers``).
    func headerMayDecide(_ context: PostContext, route: InboundRoute) -> Bool {
        guard chain.headerDecidesStrangers, route == .post, context.sender == nil else { return false }
        return !context.message.headers.contains {
            ParsedMessage.sameFieldName($0.name, "Content-Type") && HeaderScan.containsIgnoringCase($0.value, "report")
        }
    }

    /// The whole parse of a message first parsed to its header (``MessageParser/withBody(_:raw:)``), its
    /// attachments' digests computed. Throws as a processing error (the message is quarantined) if the bytes are
    /// beyond the MIME limits, which ``MessageParser/parseHeaders(_:)`` of the same bytes already ruled out.
    static func withBody(_ parsed: ParsedMessage, raw: [UInt8]) throws -> ParsedMessage {
        try MessageParser.withBody(parsed, raw: raw).withAttachmentDigests()
    }

    /// `message` parsed whole, in its context too: for a post parsed to its header that the chain holds or accepts (a
    /// hold for moderation shows the body; an accepted post is distributed and indexed). The context's facts from the
    /// register (the sender, an allowed sender, a reply to a digest) come from header fields and stay as they are.
    static func withBody(_ message: InboundMessage) throws -> InboundMessage {
        var whole = message
        whole.parsed = try withBody(message.parsed, raw: message.raw)
        whole.context.message = whole.parsed
        return whole
    }

    /// What the ingest prepares for a message parsed to its header, decided with a reader's view of the register:
    /// `body` whether to parse the rest before the transaction (``bodyMatters(_:route:)``), `dmarc` whether the
    /// post may be distributed (``mayBeDistributed(_:list:parsed:rawSize:route:)``), whose copies may need its
    /// author's DMARC policy.
    public func preparation(_ db: Database, list: ListConfig, parsed: ParsedMessage, rawSize: Int,
                            route: InboundRoute) throws -> (body: Bool, dmarc: Bool) {
        guard route == .post else { return (true, false) }
        let context = try context(db, list: list, parsed: parsed, rawSize: rawSize)
        return (bodyMatters(context, route: route), Self.mayBeDistributed(context))
    }

    /// Whether the post of `context` may be distributed, now or after a moderator approves it (see
    /// ``mayBeDistributed(_:list:parsed:rawSize:route:)``).
    static func mayBeDistributed(_ context: PostContext) -> Bool {
        SenderIdentityRule.isEntitled(context) || (context.sender == nil && context.list.nonMemberAction == .hold)
    }

    /// What the policy rules see of `parsed`, sent to `list`: the sender's identity in the register and the
    /// directory facts.
    func context(_ db: Database, list: ListConfig, parsed: ParsedMessage, rawSize: Int) throws -> PostContext {
        let identity = try parsed.from.first.flatMap { try PersonRecord.identity(of: $0.address, in: db) }
        var context = PostContext(message: parsed, rawSize: rawSize, list: list, sender: identity, lists: config.lists,
                                  ownListIDs: ownListIDs, ownAddresses: ownAddresses,
                                  trustedAuthservID: config.trustedAuthservID, secretariat: secretariat,
                                  defaultMaxPostBytes: nil)
        try context.addDirectoryFacts(in: db)
        return context
    }

    /// Whether `parsed`, sent to `list`, may be distributed, now or after a moderator approves it: a post whose
    /// sender may post to the list (``SenderIdentityRule/isEntitled(_:)``; held or not by the other rules), or a
    /// post from an address nobody in the register has to a list that holds such posts. The only messages whose
    /// author's DMARC policy the copies need (``PostDistributor/prepareDMARC(for:list:needed:)``): a command, a
    /// confirmation, a bounce, or a post the list rejects or discards is never looked up in DNS.
    /// `route`: ``route(_:list:)`` of `parsed`, when the caller has it.
    public func mayBeDistributed(_ db: Database, list: ListConfig, parsed: ParsedMessage, rawSize: Int,
                                 route: InboundRoute? = nil) throws -> Bool {
        guard (route ?? Self.route(parsed, list: list)) == .post else { return false }
        return Self.mayBeDistributed(try context(db, list: list, parsed: parsed, rawSize: rawSize))
    }

    /// The handler of each kind of inbound message.
    func handler(for route: InboundRoute) -> any InboundHandler {
        switch route {
        case .post: PostHandler(pipeline: self)
        case .confirm: ConfirmationHandler(pipeline: self)
        case .owner: OwnerMailHandler(pipeline: self)
        case .bounce: BounceHandler(bounceKey: distributor.bounceKey)
        case .get: GetHandler(pipeline: self)
        case .request, .join, .leave, .set, .lang, .help, .unknown: CommandHandler(pipeline: self)
        }
    }

    // MARK: Moderation

    /// Holds a post: records the hold, tells the author (when the rule allows), and asks the list's moderators
    /// (within `moderation.requests_per_hour`). The request is From `list+owner@` with `Reply-To:
    /// list+confirm.<token>@`, one ``Confirmations`` token per hold (action `moderate`, expiring with the hold)
    /// shared by the list's moderators: a plain Reply decides. New requests carry no HMAC `MOD-…` token any more
    /// (see ``OwnerMailHandler`` for the ones already in flight).
    func hold(_ db: Database, list: ListConfig, messageRowID: Int64, raw: [UInt8], parsed: ParsedMessage,
              identity: SenderIdentity?, decision: PolicyDecision, now: Date, logger: Logger) throws {
        if decision.reason == .awaitingPosterConfirmation {
            return try askPoster(db, list: list, messageRowID: messageRowID, raw: raw, parsed: parsed,
                                 identity: identity, decision: decision, now: now, logger: logger)
        }
        // The author hears of the hold, and later of its outcome, only when the rule says so (not for spoofing:
        // the From is unproven); the hold records it for the outcome's notice.
        let notifyAuthor = PolicyChain.noticeAllowed(for: decision)
        let hold = try ModerationQueue.record(messageRowID: messageRowID, listID: list.id, reason: decision.reason,
                                              rule: decision.rule, now: now, lifetimeDays: config.moderation.holdDays,
                                              notifyAuthor: notifyAuthor, in: db)
        var values = noticeValues(parsed, identity: identity, reason: decision.reason, rawSize: raw.count, list: list)
        values.holdID = hold.id
        values.expiryDays = config.moderation.holdDays
        if let author = parsed.from.first, notifyAuthor {
            try notify(db, kind: decision.notice ?? .heldForModeration, to: author, identity: identity, list: list, parsed: parsed,
                       messageRowID: messageRowID, reason: decision.reason, values: values, now: now, rateLimited: true)
        }
        // Moderation requests are limited per list and hour; the holds beyond are listed by the CLI only.
        guard hold.status == .pending, hold.expiresAt > now,
              try ModerationQueue.claimRequest(for: hold, limit: config.moderation.requestsPerHour, now: now, in: db),
              let issued = try Confirmations.issue(db, listID: list.id, action: .moderate, address: "", holdID: hold.id,
                                                   now: now, lifetime: hold.expiresAt.timeIntervalSince(now))
        else { return }
        let addresses = ListAddresses(address: list.address)
        values.moderation.replyToken = issued.token.description
        values.moderation.originalAuthor = parsed.from.first.map { $0.name ?? $0.address }
        values.moderation.timeZone = noticeTimeZone
        for moderator in try moderators(of: list, in: db) {
            var v = values
            v.recipientName = moderator.name
            let moderatorIdentity = try PersonRecord.identity(of: moderator.address, in: db)
            try notify(db, kind: .moderationRequest, to: moderator, identity: moderatorIdentity, list: list, parsed: parsed,
                       messageRowID: messageRowID, reason: decision.reason, values: v, now: now, rateLimited: false,
                       attaching: raw, replyTo: MailAddress(name: list.name.value(for: list.language),
                                                            address: addresses.confirm(issued.token.description)))
        }
    }

    /// The moderators and owners of a list, as addresses with their names.
    func moderators(of list: ListConfig, in db: Database) throws -> [MailAddress] {
        try MembershipRecord.members(listID: list.id, in: db).filter(\.role.canModerate).map {
            MailAddress(name: $0.personName, address: $0.address)
        }
    }

    /// The time zone notices write dates in: the gateway's digest time zone (UTC by default).
    var noticeTimeZone: TimeZone {
        TimeZone(identifier: config.digest.timeZone) ?? TimeZone(identifier: "UTC") ?? .current
    }

    // MARK: Notices

    func noticeValues(_ parsed: ParsedMessage, identity: SenderIdentity?, reason: ReasonCode, rawSize: Int,
                      list: ListConfig) -> NoticeValues {
        var values = NoticeValues(platformName: config.platformName, originalSubject: parsed.subject,
                                  originalSender: parsed.from.first.map(HeaderEncoding.mailbox) ?? "",
                                  originalDate: parsed.date)
        values.reason = reason
        values.recipientName = identity?.name ?? parsed.from.first?.name
        values.size = rawSize
        values.limit = list.maxPostBytes
        values.secretariatAddress = config.secretariat.first
        if let identity {
            values.postableLists = PostingRights.postableLists(identity, among: config.lists)
        }
        return values
    }

    /// Queues a notice through the outbox (so it is delivered, retried and never duplicated like any copy),
    /// at most once per sender, reason and list per day unless `rateLimited` is false (a moderator's rejection
    /// and an expired hold are counted apart from the hold's notice). A recipient whose address is not valid
    /// (`AddressSyntax`, e.g. a From taken from mail with control or non-ASCII characters) gets none. `values` are
    /// only built for a notice actually composed (most rejections of a busy sender are rate-limited).
    func notify(_ db: Database, kind: NoticeKind, to recipient: MailAddress, identity: SenderIdentity?, list: ListConfig,
                parsed: ParsedMessage?, messageRowID: Int64, reason: ReasonCode,
                values: @autoclosure () -> NoticeValues, now: Date,
                rateLimited: Bool = true, attaching raw: [UInt8]? = nil, replyTo: MailAddress? = nil) throws {
        guard AddressSyntax.isValid(recipient.address) else { return }
        if rateLimited {
            let outcome: NoticeKind? = (kind == .rejectedByModerator || kind == .heldExpired) ? kind : nil
            guard try NoticeLog.claim(sender: recipient.address, reason: reason, outcome: outcome, listID: list.id,
                                      now: now, in: db) else { return }
        }
        // A known person gets their language; an unknown sender the one their mail's Content-Language (or
        // Accept-Language) names, else the notice in the three languages (the list's first).
        let named = identity == nil ? parsed.flatMap { parsed in Language.requested(by: { parsed.header($0) }) } : nil
        let language = named ?? NoticeComposer.language(for: identity, list: list)
        let alsoIn = identity == nil && named == nil ? Language.allCases.filter { $0 != language } : []
        // From `list+owner@`, the address the gateway reads (a Reply reaches the moderators, never the list);
        // Reply-To the secretariat, a person, unless the notice names its own (a moderation request's confirm
        // address).
        let from = MailAddress(name: list.name.value(for: language), address: ListAddresses(address: list.address).owner)
        let answerTo = replyTo ?? config.secretariat.first.map { MailAddress(address: $0) }
        let notice = try notices.compose(kind, to: recipient, language: language, alsoIn: alsoIn, list: list, values: values(),
                                         original: parsed, from: from, replyTo: answerTo, attachingOriginal: raw,
                                         now: now)
        // Notices go out with the null reverse-path (RFC 3834 §3.3, RFC 5321 §4.5.5): nobody answers an
        // automatic message, and a notice that can't be delivered must not bounce back into a list.
        try Outbox.enqueue(db, listID: list.id, messageID: messageRowID, purpose: .notice(kind.rawValue),
                           copies: [OutgoingCopy(recipient: recipient.address, envelopeFrom: notice.envelopeSender,
                                                 headerPrefix: [], shared: notice.bytes)], now: now)
    }
}

extension ArchiveStatus {
    /// The archive status recording a policy action.
    init(_ action: PolicyAction) {
        switch action {
        case .accept: self = .accepted
        case .hold: self = .held
        case .reject: self = .rejected
        case .discard: self = .discarded
        case .bounce: self = .bounce
        }
    }
}
