import Foundation
public import GRDB
import Logging

/// Mail to `list+owner@` (`list-owner@`): for the list's moderators, never for the list.
///
/// - A reply to a moderation request (its subject names a hold of this list: the request's confirmation token,
///   or an HMAC `MOD-…` token of a request sent before requests had a `list+confirm.` Reply-To, until it
///   expires) goes to the ``ModeratorReplyHandler``.
/// - Anything else — a question to the owners, a reply to a notice (notices come From this address) — passes
///   the sender checks, is kept in the archive (out of the public views), and is forwarded through the outbox
///   to the list's moderators and owners (the secretariat when the list has none): From `list+owner@`, a
///   subject saying who wrote to the owners of which list, the original attached as `message/rfc822`,
///   `Reply-To` the original sender so that a moderator's Reply reaches the person.
/// - At most ``maxForwardsPerSenderPerDay`` forwards per sender and list in 24 hours; beyond that the mail is
///   only kept (a loop or a flood cannot fill the moderators' mailboxes).
public struct OwnerMailHandler: InboundHandler {
    let pipeline: IngestPipeline

    /// Forwards per sender, list and 24 hours.
    public static let maxForwardsPerSenderPerDay = 5

    /// The archive's decision rule of owner mail forwarded, and of owner mail kept without forwarding.
    static let forwardedRule = "route:owner-forwarded"
    static let limitedRule = "route:owner-limited"

    public func handle(_ message: InboundMessage, in db: Database) throws -> IngestOutcome {
        if let reference = try ModerationReference.find(message, key: pipeline.moderationKey, in: db) {
            return try ModeratorReplyHandler(pipeline: pipeline).handle(message, reference: reference, in: db)
        }
        if let refused = try SenderChecks.refuse(message, in: db) { return refused }
        guard let from = message.from, AddressSyntax.isValid(from.address) else {
            let kept = try message.keep(db, rule: "route:owner")
            guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
            return .routed(messageRowID: kept.row, route: message.route.name, detail: "kept: no sender")
        }
        let sent = try MessageRecord.count(db, list: message.list.id, from: from.address, decisionRule: Self.forwardedRule,
                                           since: message.now.addingTimeInterval(-86_400))
        let forward = sent < Self.maxForwardsPerSenderPerDay
        let kept = try message.keep(db, rule: forward ? Self.forwardedRule : Self.limitedRule)
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        guard forward else {
            message.logger.notice("mail for the owners kept, not forwarded: daily limit", metadata: message.metadata)
            return .routed(messageRowID: kept.row, route: message.route.name, detail: "kept: forward limit")
        }
        let count = try forwardToModerators(message, from: from, row: kept.row, in: db)
        message.logger.info("mail for the owners forwarded", metadata: message.metadata.merging(
            ["recipients": "\(count)"]) { $1 })
        return .routed(messageRowID: kept.row, route: message.route.name, detail: "forwarded to \(count)")
    }

    /// Queues one forward per moderator or owner (or secretariat address); returns how many.
    private func forwardToModerators(_ message: InboundMessage, from: MailAddress, row: Int64, in db: Database) throws -> Int {
        let list = message.list
        var recipients = try pipeline.moderators(of: list, in: db)
        let toSecretariat = recipients.isEmpty
        if toSecretariat { recipients = pipeline.config.secretariat.map { MailAddress(address: $0) } }
        let identity = message.sender
        var values = pipeline.noticeValues(message.parsed, identity: identity, reason: .noRuleMatched,
                                           rawSize: message.raw.count, list: list)
        values.moderation.originalAuthor = from.name ?? from.address
        values.moderation.timeZone = pipeline.noticeTimeZone
        values.moderation.toSecretariat = toSecretariat
        var queued = 0
        for recipient in recipients where AddressSyntax.isValid(recipient.address) {
            var v = values
            let recipientIdentity = try PersonRecord.identity(of: recipient.address, in: db)
            v.recipientName = recipient.name ?? recipientIdentity?.name
            try pipeline.notify(db, kind: .ownerMail, to: recipient, identity: recipientIdentity, list: list,
                                parsed: message.parsed, messageRowID: row, reason: .noRuleMatched, values: v,
                                now: message.now, rateLimited: false, attaching: message.raw, replyTo: from)
            queued += 1
        }
        return queued
    }
}
