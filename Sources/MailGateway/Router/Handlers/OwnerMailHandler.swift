import Foundation
public import GRDB
import Logging

/// Mail to `list+owner@` (`list-owner@`): for the list's moderators, never for the list. A moderator's reply to a
/// moderation request sent before the requests carried a `list+confirm.<token>@` Reply-To (its subject holds the
/// `MOD-…` token) is a moderator reply.
public struct OwnerMailHandler: InboundHandler {
    let pipeline: IngestPipeline

    public func handle(_ message: InboundMessage, in db: Database) throws -> IngestOutcome {
        if ModerationToken.find(in: message.parsed.subject, now: message.now) != nil {
            return try ModeratorReplyHandler(pipeline: pipeline).handle(message, in: db)
        }
        if let refused = try SenderChecks.refuse(message, in: db) { return refused }
        let kept = try message.keep(db, rule: "route:owner")
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        message.logger.info("mail for the owners kept", metadata: message.metadata)
        return .routed(messageRowID: kept.row, route: message.route.name, detail: "kept")
    }
}
