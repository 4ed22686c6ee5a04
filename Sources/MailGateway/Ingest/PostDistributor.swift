public import Foundation
public import GRDB

/// Turns an accepted post into deliveries, inside the ingest (or approval) transaction: one outbox row per
/// `immediate` member (VERP envelope, list headers, subject prefix, footer; see `OutgoingComposer`) and one
/// digest entry for the list when it has members in a digest format (the digest run reads them: `created_at`
/// is the instant the post was accepted, approval included).
///
/// Each copy's footer is in its reader's language and states their delivery mode (`FooterReader`,
/// `ReaderComposer`): the post is composed once per (language, mode) among its recipients, at most three bodies
/// on a discussion list (every recipient is `immediate`), and the outbox stores each body once.
///
/// The author gets their own post back, as every member (Mailman 3's default `receive_own_postings`: the copy
/// says the post went out), unless their membership says `own_posts` no (`members set --own-posts no`, or the
/// email command `set ownposts off`).
///
/// An announcement list (kind `announce`) sends a copy at once to every member whose delivery is not `none`,
/// digest members included (their next digest lists it "sent separately", from its digest entry and their `post`
/// copy), with `List-Post: NO` and `Reply-To:` the secretariat (`ListIdentity(list:webBaseURL:secretariat:)`).
///
/// A list with `personalize: false` gets copies without a per-copy envelope or unsubscribe link
/// (`ComposedPost.unpersonalizedCopy(for:)`): the outbox sends those of one body together (``OutboxTransaction``).
///
/// One copy per person per message across lists: a recipient who already has a `post` copy of a message with the
/// same Message-ID accepted on another list (a cross-post, or a second list accepting it hours later) gets none.
public struct PostDistributor: Sendable {
    public let webBaseURL: String?
    public let footers: [Language: FooterTemplate]
    public let dmarc: DMARCLookup
    /// The DNS side of `dmarc`, when policies are looked up in DNS: `prepareDMARC(for:list:)` fills its cache
    /// before the transaction that composes the copies.
    public let dmarcResolver: DMARCResolver?
    /// The one-click unsubscribe links (RFC 8058), only when the HTTP listener serves them; without them,
    /// List-Unsubscribe is mailto only.
    public let oneClick: OneClickLinks?
    /// The secretariat's address (the configuration's first): `Reply-To:` of announcements.
    public let secretariat: String?
    /// Key bytes for the copies' VERP tokens (``BounceToken``).
    public let bounceKey: [UInt8]?

    /// - Parameters:
    ///   - dmarc: answers "what policy does this domain publish?" with no I/O (`DMARCLookup.strictDomains`).
    ///   - dmarcResolver: when given, its cache answers first (`DMARCResolver.lookup`) and `dmarc` is its
    ///     fallback.
    public init(webBaseURL: String?, footers: [Language: FooterTemplate], dmarc: DMARCLookup,
                dmarcResolver: DMARCResolver? = nil, oneClick: OneClickLinks? = nil,
                secretariat: String? = nil, bounceKey: [UInt8]? = nil) {
        self.bounceKey = bounceKey
        self.webBaseURL = webBaseURL
        self.footers = footers
        self.dmarc = dmarcResolver?.lookup ?? dmarc
        self.dmarcResolver = dmarcResolver
        self.oneClick = oneClick
        self.secretariat = secretariat
    }

    /// Loads the footer of every language from `templates/<lang>/footer.txt.mustache`.
    public static func loadFooters(templatesDirectory: String) throws -> [Language: FooterTemplate] {
        var footers: [Language: FooterTemplate] = [:]
        for language in Language.allCases {
            footers[language] = try FooterTemplate(templatesDirectory: URL(fileURLWithPath: templatesDirectory),
                                                   language: language)
        }
        return footers
    }

    /// Looks up (or finds cached) the DMARC policy of the author of `parsed` when `list` rewrites From by DMARC
    /// policy: called before the transaction that may compose the copies (DNS may take the resolver's timeout).
    /// A domain not cached is looked up only when `needed` says the message may be distributed (an inbound
    /// message's ingest asks ``IngestPipeline/mayBeDistributed(_:list:parsed:rawSize:)``: mail the list rejects never
    /// costs a DNS query). Returns the resolution, nil when nothing was looked up.
    @discardableResult
    public func prepareDMARC(for parsed: ParsedMessage, list: ListConfig,
                             needed: () async -> Bool = { true }) async -> DMARCResolution? {
        guard list.fromRewrite == .whenDMARC, let resolver = dmarcResolver,
              let domain = parsed.from.first?.domainKey else { return nil }
        if let cached = resolver.fresh(domain) { return cached }
        guard await needed() else { return nil }
        return await resolver.resolve(domain)
    }

    /// Queues the copies of archived message `messageRowID`; returns how many were queued.
    @discardableResult
    public func distribute(_ db: Database, list: ListConfig, messageRowID: Int64, raw: [UInt8], parsed: ParsedMessage,
                           now: Date) throws -> Int {
        let identity = ListIdentity(list: list, webBaseURL: webBaseURL, secretariat: secretariat)
        var composer = ReaderComposer(list: identity, footers: footers, dmarc: dmarc, raw: raw,
                                      subject: parsed.subject, author: parsed.from.first)
        let authorID = try parsed.from.first.flatMap { try AddressRecord.personID(address: $0.address, in: db) }
        let members = try MembershipRecord.members(listID: list.id, in: db)
        // Addresses disabled by bounces (BN-6) get nothing until they are enabled again.
        let disabled = try BounceAddressRecord.disabledKeys(db)
        // A member address that is no longer valid (`AddressSyntax`, e.g. stored before addresses were checked)
        // would only be refused by the server: it gets no copy.
        let announce = list.kind == .announce
        // Recipients who already have this message (same Message-ID) from another list, by canonical key.
        let alreadySent = try OutboxCopyRecord.postRecipientsOfSameMessage(db, messageRowID: messageRowID)
        let copies = members.filter {
            (announce ? $0.delivery != DeliveryMode.none : $0.delivery == .immediate)
                && ($0.personID != authorID || $0.ownPosts)
                && AddressSyntax.isValid($0.address)
                && { key in !alreadySent.contains(key) && !disabled.contains(key) }(MailAddress.canonicalKey($0.address))
        }.map { member in
            let post = composer.post(for: FooterReader(member: member))
            return list.personalize
                ? post.copy(for: member.address, oneClickURL: oneClick?.url(list: list.id, address: member.address),
                            bounceKey: bounceKey)
                : post.unpersonalizedCopy(for: member.address)
        }
        try Outbox.enqueue(db, listID: list.id, messageID: messageRowID, purpose: .post, copies: copies, now: now)
        if members.contains(where: { $0.delivery.isDigest }) {
            try DigestEntryRecord.insertIgnoringDuplicate(db, listID: list.id, messageRowID: messageRowID, at: now)
        }
        return copies.count
    }

    /// The copy `address` would receive of this post, composed by the same code as ``distribute(_:list:messageRowID:raw:parsed:now:)``
    /// for a reader in `reader`'s language and mode: the preview an announcement's poster confirms (AN-2).
    public func preview(list: ListConfig, raw: [UInt8], parsed: ParsedMessage, for address: String,
                        reader: FooterReader) -> [UInt8] {
        copy(list: list, raw: raw, parsed: parsed, for: address, reader: reader).bytes
    }

    /// The one copy of this post for `address` (its VERP envelope, list headers, footer for `reader`): a
    /// poster's preview, or a member's "get" of an archived post (DG-12), which keeps the original Message-ID,
    /// Subject, In-Reply-To and References so that a Reply threads.
    public func copy(list: ListConfig, raw: [UInt8], parsed: ParsedMessage, for address: String,
                     reader: FooterReader) -> OutgoingCopy {
        let identity = ListIdentity(list: list, webBaseURL: webBaseURL, secretariat: secretariat)
        var composer = ReaderComposer(list: identity, footers: footers, dmarc: dmarc, raw: raw,
                                      subject: parsed.subject, author: parsed.from.first)
        return composer.post(for: reader)
            .copy(for: address, oneClickURL: oneClick?.url(list: list.id, address: address),
                  bounceKey: bounceKey)
    }
}
