public import Foundation
public import GRDB
import Crypto

/// Turns an accepted post into deliveries, inside the ingest (or approval) transaction: one outbox row per
/// `immediate` member (VERP envelope, list headers, subject prefix, footer; see `OutgoingComposer`) and one
/// digest entry for the list when it has members in a digest format (the digest run reads them: `created_at`
/// is the instant the post was accepted, approval included).
///
/// Each copy's footer is in its reader's language and states their delivery mode (`FooterReader`,
/// `ReaderComposer`): the post is composed once per (language, mode) among its recipients, at most three bodies
/// on a discussion list (every recipient is `immediate`), and the outbox stores each body once.
///
/// The author does not get their own post back (Mailman's default "not metoo"); they have it already.
///
/// An announcement list (kind `announce`) sends a copy at once to every member whose delivery is not `none`,
/// digest members included (their next digest lists it "sent separately", from its digest entry and their `post`
/// copy), with `List-Post: NO` and `Reply-To:` the secretariat (`ListIdentity(list:webBaseURL:secretariat:)`).
///
/// One copy per person per message across lists: a recipient who already has a `post` copy of a message with the
/// same Message-ID accepted on another list (a cross-post, or a second list accepting it hours later) gets none.
public struct PostDistributor: Sendable {
    public let webBaseURL: String?
    public let footers: [Language: FooterTemplate]
    public let dmarc: DMARCLookup
    /// Key bytes for the one-click unsubscribe tokens (RFC 8058); without one, List-Unsubscribe is mailto only.
    public let unsubscribeKey: [UInt8]?
    /// The secretariat's address (the configuration's first): `Reply-To:` of announcements.
    public let secretariat: String?
    /// Key bytes for the copies' VERP tokens (``BounceToken``).
    public let bounceKey: [UInt8]?

    public init(webBaseURL: String?, footers: [Language: FooterTemplate], dmarc: DMARCLookup,
                unsubscribeKey: [UInt8]?, secretariat: String? = nil, bounceKey: [UInt8]? = nil) {
        self.bounceKey = bounceKey
        self.webBaseURL = webBaseURL
        self.footers = footers
        self.dmarc = dmarc
        self.unsubscribeKey = unsubscribeKey
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
            (announce ? $0.delivery != DeliveryMode.none : $0.delivery == .immediate) && $0.personID != authorID
                && AddressSyntax.isValid($0.address) && !alreadySent.contains(MailAddress.canonicalKey($0.address))
                && !disabled.contains(MailAddress.canonicalKey($0.address))
        }.map { member in
            composer.post(for: FooterReader(member: member))
                .copy(for: member.address, unsubscribeToken: unsubscribeToken(list: list.id, address: member.address),
                      bounceKey: bounceKey)
        }
        try Outbox.enqueue(db, listID: list.id, messageID: messageRowID, purpose: .post, copies: copies, now: now)
        if members.contains(where: { $0.delivery.isDigest }) {
            try DigestEntryRecord.insertIgnoringDuplicate(db, listID: list.id, messageRowID: messageRowID, at: now)
        }
        return copies.count
    }

    /// An unforgeable token naming (list, address) for the https one-click unsubscribe link.
    func unsubscribeToken(list: String, address: String) -> String? {
        guard let keyBytes = unsubscribeKey, webBaseURL != nil else { return nil }
        let key = SymmetricKey(data: keyBytes)
        let normalized = MailAddress(address: address).normalized
        let mac = HMAC<SHA256>.authenticationCode(for: Data("unsubscribe\n\(list)\n\(normalized)".utf8), using: key)
        let hex = mac.prefix(16).map { String(format: "%02x", $0) }.joined()
        let addressPart = Data(normalized.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "\(addressPart).\(hex)"
    }
}
