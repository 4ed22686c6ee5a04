public import Foundation
public import GRDB

/// The mail about memberships (issue 10, "Welcome and goodbye"; CM-8..CM-10): a welcome to a person added to a
/// list (register import, `members add`, join by email), a goodbye to one who left, confirmation requests and
/// command replies. Everything goes through the outbox inside the caller's transaction, `From: list+owner@`,
/// null envelope sender, `Auto-Submitted: auto-replied`.
///
/// Outbox purposes (what the end-to-end tests look for): `welcome:<membership id>` and
/// `goodbye:<membership id>` (no message row: unique by recipient and purpose, so one welcome per membership),
/// `notice:command-reply` and `notice:confirm-request` (bound to the command mail's archive row).
public struct MembershipMail: Sendable {
    public let config: GatewayConfig
    public let notices: NoticeComposer

    /// Creates the sender of membership mail.
    public init(config: GatewayConfig, notices: NoticeComposer) {
        self.config = config
        self.notices = notices
    }

    /// Queues a welcome to a member of `list` (to their first address, in their language). Returns false when
    /// there is no such membership or it was welcomed already.
    @discardableResult
    public func welcome(_ db: Database, list: ListConfig, personID: Int64, now: Date) throws -> Bool {
        guard let row = try MembershipRecord.find(listID: list.id, personID: personID, in: db), let id = row.id,
              let person = try PersonRecord.person(id: personID, in: db), let address = person.addresses.first else {
            return false
        }
        let membership = try settings(db, list: list, personID: personID)
        return try send(db, kind: .welcome, to: MailAddress(name: person.name, address: address),
                        language: row.language ?? person.language, list: list, membership: membership,
                        recipientName: person.name, original: nil, messageID: nil, purpose: .event("welcome:\(id)"),
                        now: now)
    }

    /// Queues a goodbye to a person who left `list` (membership row `membershipID`), with an undo when the leave
    /// ran at once: an address to write to, never the Reply-To (a "Merci !" replied to a goodbye goes to the
    /// owners and must not put the person back). Returns false when the person has no address or was told
    /// already.
    @discardableResult
    public func goodbye(_ db: Database, list: ListConfig, personID: Int64, membershipID: Int64, language: Language?,
                        undo: ConfirmationToken? = nil, original: ParsedMessage? = nil, now: Date) throws -> Bool {
        guard let person = try PersonRecord.person(id: personID, in: db), let address = person.addresses.first else {
            return false
        }
        var membership = MembershipNoticeValues()
        membership.undoToken = undo
        return try send(db, kind: .goodbye, to: MailAddress(name: person.name, address: address),
                        language: language ?? person.language, list: list, membership: membership,
                        recipientName: person.name, original: original, messageID: nil,
                        purpose: .event("goodbye:\(membershipID)"), now: now)
    }

    /// The current settings of a person in a list (mode, language, digest time), for a reply; empty values when
    /// they are not a member.
    public func settings(_ db: Database, list: ListConfig, personID: Int64?) throws -> MembershipNoticeValues {
        var values = MembershipNoticeValues()
        guard let personID, let row = try MembershipRecord.find(listID: list.id, personID: personID, in: db) else {
            return values
        }
        values.delivery = row.delivery
        let person = try PersonRecord.person(id: personID, in: db)
        values.language = row.language ?? person?.language
        let own = try DigestMemberRow.member(db, list: list.id, person: personID)?.digestTime
        values.digestTime = own ?? list.digest?.time ?? config.digest.time
        return values
    }

    /// Composes a membership notice and queues it; `replyTo` adds a `Reply-To` (a confirmation's
    /// `list+confirm.<token>@`). Returns whether a copy was added.
    func send(_ db: Database, kind: NoticeKind, to recipient: MailAddress, language: Language, list: ListConfig,
              membership: MembershipNoticeValues, recipientName: String?, original: ParsedMessage?,
              messageID: Int64?, purpose: OutboxPurpose, replyTo: String? = nil, now: Date) throws -> Bool {
        guard AddressSyntax.isValid(recipient.address) else { return false }
        var values = NoticeValues(platformName: config.platformName, originalSubject: original?.subject ?? "",
                                  originalSender: original?.from.first.map(HeaderEncoding.mailbox) ?? "",
                                  originalDate: original?.date, recipientName: recipientName)
        values.secretariatAddress = config.secretariat.first
        values.membership = membership
        let owner = MailAddress(name: list.name.value(for: language), address: ListAddresses(address: list.address).owner)
        let notice = try notices.compose(kind, to: recipient, language: language, list: list, values: values,
                                         original: original, from: owner,
                                         replyTo: replyTo.map { MailAddress(address: $0) }, now: now)
        return try Outbox.enqueue(db, listID: list.id, messageID: messageID, purpose: purpose,
                                  copies: [OutgoingCopy(recipient: recipient.address, envelopeFrom: notice.envelopeSender,
                                                        headerPrefix: [], shared: notice.bytes)], now: now) > 0
    }
}
