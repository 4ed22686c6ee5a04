import Foundation
public import GRDB
import Logging

/// A moderator's reply to a moderation request (``ModerationReference``: the `list+confirm.<token>@` it was sent
/// to, or a token in the subject of mail to `list+owner@`). In the ingest transaction:
/// 1. the sender checks (``SenderChecks``: loops, auto-replies, spoofing) — a reply that fails them is kept and
///    answered by nothing (never answer an auto-reply);
/// 2. the sender must be a moderator or owner of the hold's list — else one answer saying so (at most one a day
///    per sender and list), nothing decided;
/// 3. a hold already decided (by another moderator, the CLI, expiry) is answered "already decided by X at T";
/// 4. the decision word from the first line the moderator wrote (``ModeratorCommand/readDecision(body:)``:
///    greetings and the quoted request skipped) — none is answered with the words to use;
/// 5. the decision is applied (and the token spent), with "approve and accept the sender" adding the author as
///    an allowed sender of the list, and the moderator is told what was done.
///
/// A reply about an announcement waiting for its poster (``AnnouncePosterRule``) goes to ``PosterConfirmation``.
///
/// Every answer is in the moderator's language, From `list+owner@`, null sender, `Auto-Submitted: auto-replied`.
public struct ModeratorReplyHandler: InboundHandler {
    let pipeline: IngestPipeline

    public func handle(_ message: InboundMessage, in db: Database) throws -> IngestOutcome {
        try handle(message, reference: nil, in: db)
    }

    /// Handles a reply whose ``ModerationReference`` the caller already found (mail to the owner address), or
    /// finds it (nil).
    func handle(_ message: InboundMessage, reference found: ModerationReference?, in db: Database) throws -> IngestOutcome {
        let reference = try found ?? ModerationReference.find(message, key: pipeline.moderationKey, in: db)
        if let reference, reference.hold.reason == .awaitingPosterConfirmation {
            return try PosterConfirmation(pipeline: pipeline).handle(message, reference: reference, in: db)
        }
        if let refusal = SenderChecks.strictRefusal(message) {
            let kept = try message.keep(db, rule: "moderator-reply-refused-\(refusal.rule)")
            guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
            message.logger.notice("moderator reply refused", metadata: message.metadata.merging(
                ["rule": "\(refusal.rule)", "reason": "\(refusal.reason.rawValue)"]) { $1 })
            return .moderatorReply(holdID: nil, applied: false, detail: "\(refusal.rule): \(refusal.reason.rawValue)")
        }
        let kept = try message.keep(db, rule: "moderator-reply")
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        guard let reference else {
            message.logger.info("moderator reply names no hold of this list", metadata: message.metadata)
            return .moderatorReply(holdID: nil, applied: false, detail: "no moderation request")
        }
        guard let from = message.from, AddressSyntax.isValid(from.address) else {
            return .moderatorReply(holdID: reference.hold.id, applied: false, detail: "no sender")
        }
        let answers = ModeratorAnswers(pipeline: pipeline, message: message, replyRowID: kept.row, to: from)
        let hold = reference.hold
        let identity = try PersonRecord.identity(of: from.address, in: db)
        guard identity?.roles[hold.listID]?.canModerate == true else {
            try answers.notAModerator(hold, identity: identity, in: db)
            message.logger.notice("moderator reply from a non-moderator", metadata: message.metadata.merging(
                ["hold.id": "\(hold.id)"]) { $1 })
            return .moderatorReply(holdID: hold.id, applied: false, detail: "not a moderator of the list")
        }
        if hold.status != .pending || reference.expired || hold.expiresAt <= message.now {
            try answers.alreadyDecided(hold, identity: identity, in: db)
            return .moderatorReply(holdID: hold.id, applied: false, detail: "already \(hold.status == .pending ? "expired" : hold.status.rawValue)")
        }
        let body = CommandText.body(of: message.parsed)
        guard let decision = ModeratorCommand.readDecision(body: body) else {
            try answers.notUnderstood(hold, firstLine: ModeratorCommand.firstWrittenLine(of: body, limit: 4),
                                      identity: identity, in: db)
            return .moderatorReply(holdID: hold.id, applied: false, detail: "no decision word")
        }
        return try apply(decision, to: hold, reference: reference, by: from, identity: identity, answers: answers, in: db)
    }

    private func apply(_ decision: ModeratorDecision, to hold: Hold, reference: ModerationReference, by from: MailAddress,
                       identity: SenderIdentity?, answers: ModeratorAnswers, in db: Database) throws -> IngestOutcome {
        let (now, logger) = (answers.message.now, answers.message.logger)
        let moderator = from.normalized
        let actions = ModerationActions(pipeline: pipeline)
        guard let (outcome, copies, accepted) = try actions.decideByEmail(
            db, hold: hold.id, action: decision.action, reason: decision.reason, by: moderator, token: reference.token,
            now: now, also: { outcome -> String? in
                guard decision.action == .approve, decision.alsoAllowSender else { return nil }
                return try actions.acceptSender(db, of: outcome.hold, by: moderator, now: now)
            })
        else {
            // Decided in between: the same answer as a late reply.
            let current = try HoldRecord.hold(id: hold.id, in: db) ?? hold
            try answers.alreadyDecided(current, identity: identity, in: db)
            return .moderatorReply(holdID: hold.id, applied: false, detail: "already \(current.status.rawValue)")
        }
        try answers.applied(outcome, copies: copies, acceptedSender: accepted, identity: identity, in: db)
        logger.info("moderator decision applied", metadata: answers.message.metadata.merging(
            ["hold.id": "\(hold.id)", "action": "\(outcome.action.rawValue)", "copies": "\(copies)",
             "sender.accepted": "\(accepted != nil)"]) { $1 })
        return .moderatorReply(holdID: hold.id, applied: true, detail: outcome.action.rawValue)
    }
}
