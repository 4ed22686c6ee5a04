import Foundation
import GRDB

extension IngestPipeline {
    /// Holds an announcement list poster's unproven post (``AnnouncePosterRule``, AN-2) and mails the poster — the
    /// From address, never a Reply-To — a preview of exactly what members will receive, attached, with
    /// `Reply-To: list+confirm.<token>@` (a ``Confirmations`` token, action `moderate`, expiring with the hold).
    /// A reply to it, or any mail to that address, sends the post (``PosterConfirmation``); nothing goes out
    /// before. The moderators are not asked: the poster decides, and the hold is in `moderation list` for them.
    /// Previews share the list's moderation requests budget (`moderation.requests_per_hour`), so forged mail
    /// cannot flood the poster's mailbox; a hold beyond it waits for the CLI or expiry. The hold never tells its
    /// author about expiry: the preview says when it expires.
    func askPoster(_ db: Database, list: ListConfig, messageRowID: Int64, raw: [UInt8], parsed: ParsedMessage,
                   identity: SenderIdentity?, decision: PolicyDecision, now: Date) throws {
        let hold = try ModerationQueue.record(messageRowID: messageRowID, listID: list.id, reason: decision.reason,
                                              rule: decision.rule, now: now, lifetimeDays: config.moderation.holdDays,
                                              notifyAuthor: false, in: db)
        guard let poster = parsed.from.first, AddressSyntax.isValid(poster.address),
              hold.status == .pending, hold.expiresAt > now,
              try ModerationQueue.claimRequest(for: hold, limit: config.moderation.requestsPerHour, now: now, in: db),
              let issued = try Confirmations.issue(db, listID: list.id, action: .moderate, address: poster.normalized,
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
