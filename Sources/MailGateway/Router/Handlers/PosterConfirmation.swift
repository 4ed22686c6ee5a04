import Foundation
import GRDB

/// An announcement list poster's answer to the preview of their post (AN-2, ``IngestPipeline/askPoster``): mail to
/// the preview's `list+confirm.<token>@` (a Reply, or a new message to that address). The token is the proof:
/// it was mailed only to the poster's own address, so any From may use it (forwarding is common), and a missing
/// aligned pass does not refuse it (``SenderChecks/refusal(_:)``); loops, auto-replies and a trusted DMARC fail
/// do, and are answered by nothing — an out-of-office reply never sends an announcement.
///
/// The first line the poster wrote decides: a reject or discard word of the moderation vocabulary, or
/// ``cancelWords``, drops the post (discarded, nothing sent); anything else, an empty reply included, sends it to
/// the members exactly as previewed. Either way the token is spent in the same transaction and the poster is told
/// what was done; a late answer (already sent, dropped or expired) is told so and changes nothing.
struct PosterConfirmation {
    let pipeline: IngestPipeline

    /// First words that cancel, folded (``CommandWords/fold(_:)``), in French, English and Spanish.
    static let cancelWords: Set<String> = ["cancel", "annuler", "annule", "cancelar", "stop", "non", "no"]

    func handle(_ message: InboundMessage, reference: ModerationReference, in db: Database) throws -> IngestOutcome {
        if let refused = try SenderChecks.refuse(message, in: db) { return refused }
        let kept = try message.keep(db, rule: "poster-confirmation")
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        let hold = reference.hold
        guard let from = message.from, AddressSyntax.isValid(from.address) else {
            return .moderatorReply(holdID: hold.id, applied: false, detail: "no sender")
        }
        let identity = try PersonRecord.identity(of: from.address, in: db)
        let answers = ModeratorAnswers(pipeline: pipeline, message: message, replyRowID: kept.row, to: from)
        if hold.status != .pending || reference.expired || hold.expiresAt <= message.now {
            try answers.alreadyDecided(hold, identity: identity, in: db)
            return .moderatorReply(holdID: hold.id, applied: false, detail: "already \(hold.status == .pending ? "expired" : hold.status.rawValue)")
        }
        let action: ModeratorAction = Self.cancels(CommandText.body(of: message.parsed)) ? .discard : .approve
        let by = from.normalized
        var applied: (ModerationOutcome, Int)?
        do {
            try db.inSavepoint {
                let outcome = try ModerationQueue.decide(hold.id, action: action, reason: nil, by: by, now: message.now, in: db)
                if let token = reference.token { _ = try Confirmations.redeem(db, token: token, by: by, now: message.now) }
                applied = (outcome, try ModerationActions(pipeline: pipeline).carryOut(db, outcome: outcome, now: message.now))
                return .commit
            }
        } catch ModerationError.notPending {
            let current = try HoldRecord.hold(id: hold.id, in: db) ?? hold
            try answers.alreadyDecided(current, identity: identity, in: db)
            return .moderatorReply(holdID: hold.id, applied: false, detail: "already \(current.status.rawValue)")
        }
        guard let (outcome, copies) = applied else {
            return .moderatorReply(holdID: hold.id, applied: false, detail: "not applied")
        }
        try answers.applied(outcome, copies: copies, acceptedSender: nil, identity: identity, in: db)
        message.logger.info("announcement confirmed by its poster", metadata: message.metadata.merging(
            ["hold.id": "\(hold.id)", "action": "\(outcome.action.rawValue)", "copies": "\(copies)"]) { $1 })
        return .moderatorReply(holdID: hold.id, applied: true, detail: "poster \(outcome.action.rawValue)")
    }

    /// Whether the first line the poster wrote cancels the post.
    static func cancels(_ body: String) -> Bool {
        if let decision = ModeratorCommand.readDecision(body: body), decision.action != .approve { return true }
        let first = ReplyLines.lines(of: body, limit: 8, skippingLeadingQuote: true)
            .first { !ModeratorCommand.isGreeting($0) }
        guard let word = first.flatMap({ CommandWords.words($0).first }) else { return false }
        return cancelWords.contains(word)
    }
}
