public import Foundation
public import GRDB

/// Carries out a moderator's decision, wherever it came from (CLI or emailed reply), inside the caller's
/// transaction: an approved message continues exactly as if it had been accepted (same distributor), a rejected
/// one gets its status and a notice with the moderator's reason, a discarded one only its status. Expired holds
/// tell their author. Rejection and expiry notices go through the notice rate limit and are never sent when
/// the hold recorded that its author may not be told (an unproven From).
public struct ModerationActions: Sendable {
    public let pipeline: IngestPipeline

    public init(pipeline: IngestPipeline) {
        self.pipeline = pipeline
    }

    /// Applies the consequences of `outcome` (already recorded on the hold). Returns, for an approval, how many
    /// copies were queued (0 otherwise).
    @discardableResult
    /// `decidedBy` names who decided in the archive's decision rule (`moderator-approved`, `poster-approved`, ...).
    public func carryOut(_ db: Database, outcome: ModerationOutcome, now: Date, decidedBy: String = "moderator") throws -> Int {
        guard let list = pipeline.config.list(id: outcome.listID) else {
            throw ArchiveError("hold \(outcome.hold.id) names list \(outcome.listID), which is not configured")
        }
        let (raw, parsed) = try Self.message(db, rowID: outcome.messageRowID)
        switch outcome.action {
        case .approve:
            try ArchiveWriter.setStatus(db, messageRowID: outcome.messageRowID, status: .accepted,
                                        decisionRule: "\(decidedBy)-approved")
            return try pipeline.distributor.distribute(db, list: list, messageRowID: outcome.messageRowID, raw: raw,
                                                       parsed: parsed, now: now)
        case .reject:
            try ArchiveWriter.setStatus(db, messageRowID: outcome.messageRowID, status: .rejected,
                                        decisionRule: "\(decidedBy)-rejected")
            if let author = parsed.from.first, outcome.hold.notifyAuthor {
                let identity = try PersonRecord.identity(of: author.address, in: db)
                var values = pipeline.noticeValues(parsed, identity: identity, reason: outcome.hold.reason,
                                                   rawSize: raw.count, list: list)
                values.moderatorReason = outcome.reason
                try pipeline.notify(db, kind: .rejectedByModerator, to: author, identity: identity, list: list,
                                    parsed: parsed, messageRowID: outcome.messageRowID, reason: outcome.hold.reason,
                                    values: values, now: now, rateLimited: true)
            }
        case .discard:
            try ArchiveWriter.setStatus(db, messageRowID: outcome.messageRowID, status: .discarded,
                                        decisionRule: "\(decidedBy)-discarded")
        }
        return 0
    }

    /// A decision taken by email, in one savepoint: the hold decided by `by`, the confirmation `token` spent, the
    /// decision carried out (``carryOut(_:outcome:now:decidedBy:)``) and `also` run on the outcome. Nil, with
    /// nothing changed, when the hold was decided in between (the status guard in SQL): the caller answers as to
    /// a late reply. Shared by the moderators' replies and the announcement poster's confirmation.
    func decideByEmail<T>(_ db: Database, hold id: Int64, action: ModeratorAction, reason: String?, by: String,
                          token: ConfirmationToken?, now: Date, decidedBy: String = "moderator",
                          also: (ModerationOutcome) throws -> T) throws -> (outcome: ModerationOutcome, copies: Int, also: T)? {
        var result: (outcome: ModerationOutcome, copies: Int, also: T)?
        do {
            try db.inSavepoint {
                let outcome = try ModerationQueue.decide(id, action: action, reason: reason, by: by, now: now, in: db)
                if let token { _ = try Confirmations.redeem(db, token: token, by: by, now: now) }
                let copies = try carryOut(db, outcome: outcome, now: now, decidedBy: decidedBy)
                result = (outcome, copies, try also(outcome))
                return .commit
            }
        } catch ModerationError.notPending {
            return nil
        }
        return result
    }

    /// "Approve and accept this sender from now on": the held post's author becomes an allowed sender of the
    /// hold's list (``AllowedSenderRecord``), so the posting policy accepts their later posts there. Returns the
    /// address accepted (nil when the post has no usable From).
    @discardableResult
    public func acceptSender(_ db: Database, of hold: Hold, by moderator: String, now: Date) throws -> String? {
        let (_, parsed) = try Self.message(db, rowID: hold.messageRowID)
        guard let author = parsed.from.first, AddressSyntax.isValid(author.address) else { return nil }
        let address = author.normalized
        try AllowedSenderRecord.add(db, listID: hold.listID, address: address, addedBy: moderator, now: now)
        return address
    }

    /// Expires overdue holds and tells each author. Returns the expired holds.
    @discardableResult
    public func expireHolds(_ db: Database, now: Date) throws -> [Hold] {
        let expired = try ModerationQueue.expire(now: now, in: db)
        for hold in expired {
            try ArchiveWriter.setStatus(db, messageRowID: hold.messageRowID, status: .discarded, decisionRule: "hold-expired")
            guard let list = pipeline.config.list(id: hold.listID) else { continue }
            let (raw, parsed) = try Self.message(db, rowID: hold.messageRowID)
            guard hold.notifyAuthor, let author = parsed.from.first else { continue }
            let identity = try PersonRecord.identity(of: author.address, in: db)
            var values = pipeline.noticeValues(parsed, identity: identity, reason: hold.reason, rawSize: raw.count, list: list)
            values.expiryDays = pipeline.config.moderation.holdDays
            try pipeline.notify(db, kind: .heldExpired, to: author, identity: identity, list: list, parsed: parsed,
                                messageRowID: hold.messageRowID, reason: hold.reason, values: values, now: now,
                                rateLimited: true)
        }
        return expired
    }

    /// The stored raw bytes of an archived message, parsed again.
    static func message(_ db: Database, rowID: Int64) throws -> ([UInt8], ParsedMessage) {
        guard let data = try MessageRecord.fetchOne(db, key: rowID)?.raw else {
            throw ArchiveError("message \(rowID) is not in the archive")
        }
        let raw = [UInt8](data)
        do {
            return (raw, try MessageParser.parse(raw))
        } catch {
            throw ArchiveError("message \(rowID) no longer parses: \(error.description)")
        }
    }
}
