import Foundation
public import GRDB

/// Mail to `list+confirm.<token>@`: the token says what it confirms. A moderation request's token goes to the
/// ``ModeratorReplyHandler``; the others (join, leave, set, lang, undo), and a token that is unknown, expired or
/// used, to the ``CommandHandler``. Forwarding is common, so any From may confirm: the token is the proof.
public struct ConfirmationHandler: InboundHandler {
    let pipeline: IngestPipeline

    public func handle(_ message: InboundMessage, in db: Database) throws -> IngestOutcome {
        guard case .confirm(let text) = message.route, let token = ConfirmationToken(text) else {
            return try CommandHandler(pipeline: pipeline).handle(message, in: db)
        }
        let looked = try Confirmations.look(db, token: token, now: message.now)
        if Confirmations.record(looked)?.action == .moderate {
            return try ModeratorReplyHandler(pipeline: pipeline).handle(message, in: db)
        }
        if let refused = try SenderChecks.refuse(message, in: db) { return refused }
        return try CommandHandler(pipeline: pipeline).confirm(message, token: token, looked: looked, in: db)
    }
}
