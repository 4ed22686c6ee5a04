import Foundation
import GRDB

/// An announcement list poster's answer to the preview of their post (AN-2, ``IngestPipeline/askPoster``): mail to
/// the preview's `list+confirm.<token>@` (a Reply, or a new message to that address; a token in the subject of
/// owner mail does not count, ``ModerationReference``). The token is the proof: it was mailed only to the poster's
/// own address, so the answer's From need not be proven (forwarding is common), but automatic mail never
/// confirms — loops, auto-replies, a trusted DMARC fail (``SenderChecks``), and a null reverse path,
/// `X-Auto-Response-Suppress`, a mailer-daemon, postmaster or no-reply sender (``CommandReplyGuard``: what a
/// quarantine or helpdesk robot sends) are kept and change nothing.
///
/// A cancel word (``cancelWords``, or a reject/discard word of the moderation vocabulary) at the start of the
/// subject or of the first line the poster wrote drops the post; anything else, an empty reply included, sends it
/// to the members exactly as previewed. The hold is decided by `poster:<address>` (archive rule
/// `poster-approved` / `poster-discarded`), the token spent in the same transaction, and the poster — the
/// token's own address, never the answer's From — is told what was done; a late answer is told so at most once
/// a day.
struct PosterConfirmation {
    let pipeline: IngestPipeline

    /// Words that cancel, folded (``CommandWords/fold(_:)``), in French, English and Spanish. Bare yes/no words
    /// are left out on purpose ("No changes, send it" must not cancel).
    static let cancelWords: Set<String> = ["cancel", "annuler", "annule", "annulez", "cancelar", "cancele", "cancela"]

    func handle(_ message: InboundMessage, reference: ModerationReference, in db: Database) throws -> IngestOutcome {
        if let refused = try SenderChecks.refuse(message, in: db) { return refused }
        let kept = try message.keep(db, rule: "poster-confirmation")
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        let hold = reference.hold
        if let automatic = CommandReplyGuard.refusal(message.parsed) {
            message.logger.notice("automatic answer to an announcement preview ignored", metadata: message.metadata.merging(
                ["hold.id": "\(hold.id)", "reason": "\(automatic)"]) { $1 })
            return .moderatorReply(holdID: hold.id, applied: false, detail: "refused: \(automatic)")
        }
        guard let token = reference.token, let address = reference.boundAddress, AddressSyntax.isValid(address) else {
            return .moderatorReply(holdID: hold.id, applied: false, detail: "no poster address")
        }
        let poster = MailAddress(address: address)
        let identity = try PersonRecord.identity(of: poster.address, in: db)
        let answers = ModeratorAnswers(pipeline: pipeline, message: message, replyRowID: kept.row, to: poster)
        let by = "poster:\(poster.normalized)"
        if hold.status != .pending || reference.expired || hold.expiresAt <= message.now {
            try alreadyDecided(hold, answers: answers, identity: identity, in: db)
            return .moderatorReply(holdID: hold.id, applied: false, detail: "already \(hold.status == .pending ? "expired" : hold.status.rawValue)")
        }
        let action: ModeratorAction = Self.cancels(subject: message.parsed.subject, body: CommandText.body(of: message.parsed))
            ? .discard : .approve
        guard let (outcome, copies, _) = try ModerationActions(pipeline: pipeline).decideByEmail(
            db, hold: hold.id, action: action, reason: nil, by: by, token: token, now: message.now, decidedBy: "poster",
            also: { _ in })
        else {
            try alreadyDecided(try HoldRecord.hold(id: hold.id, in: db) ?? hold, answers: answers, identity: identity, in: db)
            return .moderatorReply(holdID: hold.id, applied: false, detail: "already decided")
        }
        try answers.send(outcome.action == .approve ? .posterSent : .posterCancelled, about: hold, identity: identity,
                         in: db) { values in values.moderation.copies = copies }
        message.logger.info("announcement answered by its poster", metadata: message.metadata.merging(
            ["hold.id": "\(hold.id)", "action": "\(outcome.action.rawValue)", "copies": "\(copies)"]) { $1 })
        return .moderatorReply(holdID: hold.id, applied: true, detail: "poster \(outcome.action.rawValue)")
    }

    /// "Already sent / cancelled / expired", at most once a day per poster and list.
    private func alreadyDecided(_ hold: Hold, answers: ModeratorAnswers, identity: SenderIdentity?, in db: Database) throws {
        guard try NoticeLog.claim(sender: answers.to.address, reason: hold.reason, outcome: .moderationAlreadyDecided,
                                  listID: hold.listID, now: answers.message.now, in: db) else { return }
        try answers.alreadyDecided(hold, identity: identity, in: db)
    }

    /// Whether the subject (reply markers removed) or the first line the poster wrote starts with a cancel word.
    static func cancels(subject: String, body: String) -> Bool {
        if let decision = ModeratorCommand.readDecision(body: body), decision.action != .approve { return true }
        let words = [CommandWords.words(CommandText.subjectLine(subject)).first, ModeratorCommand.firstWrittenWord(of: body)]
        return words.contains { $0.map(cancelWords.contains) ?? false }
    }
}
