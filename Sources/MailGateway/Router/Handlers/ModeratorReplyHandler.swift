import Foundation
public import GRDB
import Logging

/// A moderator's reply to a moderation request: the decision is applied, with its consequences, in the ingest
/// transaction. Its sender passes the same checks as any inbound message (``SenderChecks``) before the token is
/// honoured: the From alone proves nothing.
public struct ModeratorReplyHandler: InboundHandler {
    let pipeline: IngestPipeline

    public func handle(_ message: InboundMessage, in db: Database) throws -> IngestOutcome {
        let (list, parsed, now, logger) = (message.list, message.parsed, message.now, message.logger)
        if let refusal = SenderChecks.strictRefusal(message) {
            let kept = try message.keep(db, rule: "moderator-reply-\(refusal.rule)")
            guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
            logger.notice("moderator reply refused", metadata: ["list.id": "\(list.id)", "rule": "\(refusal.rule)",
                                                                "reason": "\(refusal.reason.rawValue)"])
            return .moderatorReply(holdID: nil, applied: false, detail: "\(refusal.rule): \(refusal.reason.rawValue)")
        }
        guard let key = pipeline.moderationKey, let sender = message.from?.address else {
            let kept = try message.keep(db, rule: "moderator-reply")
            guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
            return .moderatorReply(holdID: nil, applied: false, detail: "no moderation key")
        }
        // Keep the reply itself (nothing is lost), out of the list's public views.
        let kept = try message.keep(db, rule: "moderator-reply")
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        do {
            var applied: ModerationOutcome?
            try db.inSavepoint {
                let o = try ModerationQueue.apply(replyFrom: sender, subject: parsed.subject, body: parsed.text ?? "",
                                                  arrivedForList: list.id, key: key, now: now, in: db)
                try ModerationActions(pipeline: pipeline).carryOut(db, outcome: o, now: now)
                applied = o
                return .commit
            }
            guard let outcome = applied else { return .moderatorReply(holdID: nil, applied: false, detail: "not applied") }
            logger.info("moderator decision applied", metadata: ["list.id": "\(list.id)", "hold.id": "\(outcome.hold.id)",
                                                                 "action": "\(outcome.action.rawValue)"])
            return .moderatorReply(holdID: outcome.hold.id, applied: true, detail: outcome.action.rawValue)
        } catch let error as ModerationError {
            logger.notice("moderator reply refused", metadata: ["list.id": "\(list.id)", "reason": "\(error.description)"])
            return .moderatorReply(holdID: nil, applied: false, detail: error.description)
        }
    }
}
