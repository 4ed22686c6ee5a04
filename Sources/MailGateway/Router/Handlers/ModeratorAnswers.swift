import Foundation
import GRDB

/// The one answer a moderator's reply gets (``ModeratorReplyHandler``), in the replier's language, through the
/// outbox: From `list+owner@`, null sender, `Auto-Submitted: auto-replied`, `In-Reply-To` the reply. Each
/// names the held post (subject, author) and the list.
struct ModeratorAnswers {
    let pipeline: IngestPipeline
    let message: InboundMessage
    /// The archive row of the reply (the outbox row's message, so each reply gets its own answer).
    let replyRowID: Int64
    let to: MailAddress

    /// "Approved and sent to N members", "rejected", "discarded".
    func applied(_ outcome: ModerationOutcome, copies: Int, acceptedSender: String?, identity: SenderIdentity?,
                 in db: Database) throws {
        let kind: NoticeKind = switch outcome.action {
        case .approve: .moderationApproved
        case .reject: .moderationRejected
        case .discard: .moderationDiscarded
        }
        try send(kind, about: outcome.hold, identity: identity, in: db) { values in
            values.moderation.copies = copies
            values.moderation.acceptedSender = acceptedSender
            values.moderation.authorTold = outcome.hold.notifyAuthor
            values.moderatorReason = outcome.reason
        }
    }

    /// "Not applied: already decided by X at T" (or expired).
    func alreadyDecided(_ hold: Hold, identity: SenderIdentity?, in db: Database) throws {
        try send(.moderationAlreadyDecided, about: hold, identity: identity, in: db) { values in
            if hold.status == .pending {
                values.moderation.decidedStatus = .expired
                values.moderation.decidedBy = "expiry"
                values.moderation.decidedAt = hold.expiresAt
            } else {
                values.moderation.decidedStatus = hold.status
                values.moderation.decidedBy = hold.decidedBy
                values.moderation.decidedAt = hold.decidedAt
            }
        }
    }

    /// "Your reply was not understood": the words to use.
    func notUnderstood(_ hold: Hold, firstLine: String?, identity: SenderIdentity?, in db: Database) throws {
        try send(.moderationNotUnderstood, about: hold, identity: identity, in: db) { values in
            values.moderation.replyLine = firstLine
        }
    }

    /// "You are not a moderator of this list": at most one a day per sender and list (the reply passed the
    /// sender checks, but anyone may write to a `+confirm.` address they saw).
    func notAModerator(_ hold: Hold, identity: SenderIdentity?, in db: Database) throws {
        guard let list = pipeline.config.list(id: hold.listID),
              try NoticeLog.claim(sender: to.address, reason: hold.reason, outcome: .moderationNotAModerator,
                                  listID: list.id, now: message.now, in: db) else { return }
        try send(.moderationNotAModerator, about: hold, identity: identity, in: db) { _ in }
    }

    func send(_ kind: NoticeKind, about hold: Hold, identity: SenderIdentity?, in db: Database,
                      _ fill: (inout NoticeValues) -> Void) throws {
        guard let list = pipeline.config.list(id: hold.listID) else { return }
        let (raw, held) = try ModerationActions.message(db, rowID: hold.messageRowID)
        var values = pipeline.noticeValues(held, identity: identity, reason: hold.reason, rawSize: raw.count, list: list)
        values.recipientName = identity?.name ?? to.name
        values.holdID = hold.id
        values.moderation.originalAuthor = held.from.first.map { $0.name ?? $0.address }
        values.moderation.timeZone = pipeline.noticeTimeZone
        fill(&values)
        try pipeline.notify(db, kind: kind, to: to, identity: identity, list: list, parsed: message.parsed,
                            messageRowID: replyRowID, reason: hold.reason, values: values, now: message.now,
                            rateLimited: false)
    }
}
