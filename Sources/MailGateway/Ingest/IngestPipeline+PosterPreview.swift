import Foundation
import GRDB
import Logging

extension IngestPipeline {
    /// Unanswered previews per poster address in 24 hours.
    static let maxPendingPreviews = 5

    /// Holds an announcement list poster's unproven post (``AnnouncePosterRule``, AN-2) and mails the poster — the
    /// From address, never a Reply-To — a preview of exactly what members will receive, attached, with
    /// `Reply-To: list+confirm.<token>@` (a ``Confirmations`` token, action `moderate`, expiring with the hold).
    /// A reply to it, or any mail to that address, sends the post (``PosterConfirmation``); nothing goes out
    /// before. The moderators are not asked: the poster decides, and the hold is in `moderation list` for them.
    /// At most ``maxPendingPreviews`` previews still unanswered per poster address in 24 hours, so forged mail
    /// cannot flood the poster's mailbox through the gateway; a hold beyond it gets no preview (logged) and waits
    /// for the CLI or expiry. The hold never tells its author about expiry: the preview says when it expires.
    func askPoster(_ db: Database, list: ListConfig, messageRowID: Int64, raw: [UInt8], parsed: ParsedMessage,
                   identity: SenderIdentity?, decision: PolicyDecision, now: Date, logger: Logger) throws {
        let hold = try ModerationQueue.record(messageRowID: messageRowID, listID: list.id, reason: decision.reason,
                                              rule: decision.rule, now: now, lifetimeDays: config.moderation.holdDays,
                                              notifyAuthor: false, in: db)
        guard let poster = parsed.from.first, AddressSyntax.isValid(poster.address),
              hold.status == .pending, hold.expiresAt > now else { return }
        let pending = try ConfirmationRecord.pendingPreviews(db, addressKey: MailAddress.canonicalKey(poster.address),
                                                             since: now.addingTimeInterval(-86_400), now: now)
        guard pending < Self.maxPendingPreviews else {
            logger.notice("announcement held without a preview: the poster has unanswered previews", metadata: [
                "list.id": "\(list.id)", "hold.id": "\(hold.id)", "pending": "\(pending)"])
            return
        }
        guard let issued = try Confirmations.issue(db, listID: list.id, action: .moderate, address: poster.normalized,
                                                   holdID: hold.id, now: now,
                                                   lifetime: hold.expiresAt.timeIntervalSince(now))
        else { return }
        let language = NoticeComposer.language(for: identity, list: list)
        let preview = distributor.preview(list: list, raw: raw, parsed: parsed, for: poster.address,
                                              reader: FooterReader(language: language))
        var values = noticeValues(parsed, identity: identity, reason: decision.reason, rawSize: raw.count, list: list)
        values.holdID = hold.id
        values.expiryDays = config.moderation.holdDays
        values.moderation.replyToken = issued.token.description
        values.moderation.timeZone = noticeTimeZone
        let confirm = ListAddresses(address: list.address).confirm(issued.token.description)
        values.moderation.confirmAddress = confirm
        try notify(db, kind: .posterPreview, to: poster, identity: identity, list: list, parsed: parsed,
                   messageRowID: messageRowID, reason: decision.reason, values: values, now: now, rateLimited: false,
                   attaching: preview, replyTo: MailAddress(name: list.name.value(for: language), address: confirm))
    }
}
