public import Foundation
public import GRDB
public import Logging

/// The moderation queue (`holds` table, migration `moderation-v1`).
///
/// Holds are created inside the ingest transaction (`hold(…in:)`), which returns the signed token to put in the
/// moderation request. Decisions come from the CLI (`approve`/`reject`/`discard` by hold id) or from a
/// moderator's emailed reply (`apply(reply…)`), which needs a valid token, for the same list, from a moderator
/// or owner of that list; a token works once.
public struct ModerationQueue: Sendable {
    public let writer: any DatabaseWriter
    /// The HMAC key (from `MAILGATEWAY_MODERATION_KEY`, see `ModerationKey(secret:)`).
    public let key: ModerationKey
    /// Where decisions and expiries are logged (info; hold id, list id, action; never addresses or tokens).
    public let logger: Logger?

    /// Creates a queue over a migrated database.
    public init(writer: any DatabaseWriter, key: ModerationKey, logger: Logger? = nil) {
        self.writer = writer
        self.key = key
        self.logger = logger
    }

    private func log(_ outcome: ModerationOutcome) {
        logger?.info("moderation decision", metadata: [
            "hold.id": "\(outcome.hold.id)", "list.id": "\(outcome.listID)", "action": "\(outcome.action.rawValue)",
        ])
    }

    // MARK: Creating holds

    /// Records a hold inside the caller's transaction and returns it with its signed token. Holding the same
    /// message for the same list twice returns the existing hold and a fresh token for it.
    /// `notifyAuthor` records whether the author may be told of the outcome (false when the policy said "no
    /// notice", e.g. an unproven From): expiry and rejection notices honour it.
    public static func hold(messageRowID: Int64, listID: String, reason: ReasonCode, rule: String, now: Date,
                            lifetimeDays: Int, notifyAuthor: Bool = true, key: ModerationKey,
                            in db: Database) throws -> (Hold, ModerationToken) {
        var hold = try record(messageRowID: messageRowID, listID: listID, reason: reason, rule: rule, now: now,
                              lifetimeDays: lifetimeDays, notifyAuthor: notifyAuthor, in: db)
        let token = ModerationToken(holdID: hold.id, listID: listID, expiry: hold.expiresAt, key: key)
        if hold.status == .pending {
            try HoldRecord.setTokenHash(token.hash, id: hold.id, in: db)
        }
        hold.expiresAt = token.expiry
        return (hold, token)
    }

    /// Records a hold inside the caller's transaction without signing a token (no key configured: the hold is
    /// decided from the CLI only). Holding the same message for the same list twice returns the existing hold.
    public static func record(messageRowID: Int64, listID: String, reason: ReasonCode, rule: String, now: Date,
                              lifetimeDays: Int, notifyAuthor: Bool = true, in db: Database) throws -> Hold {
        let expires = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + Double(lifetimeDays) * 86_400).rounded(.down))
        guard let id = try HoldRecord.insertPending(messageID: messageRowID, listID: listID, reason: reason,
                                                    rule: rule, now: now, expires: expires,
                                                    notifyAuthor: notifyAuthor, in: db),
              let hold = try HoldRecord.hold(id: id, in: db) else {
            throw ModerationError.unknownHold(messageRowID)
        }
        return hold
    }

    /// `hold(…in:)` in its own transaction.
    public func hold(messageRowID: Int64, listID: String, reason: ReasonCode, rule: String, now: Date = Date(),
                     lifetimeDays: Int) throws -> (Hold, ModerationToken) {
        try writer.write { db in
            try Self.hold(messageRowID: messageRowID, listID: listID, reason: reason, rule: rule, now: now,
                          lifetimeDays: lifetimeDays, key: key, in: db)
        }
    }

    // MARK: Moderation requests

    /// The default of `moderation.requests_per_hour`: at most this many holds of one list get an emailed
    /// moderation request in any hour; later holds of that hour are only listed (`mailgateway moderation list`),
    /// so a flood of held posts cannot flood the moderators' mailboxes.
    public static let defaultRequestsPerListPerHour = ModerationSettings.defaultRequestsPerHour

    /// Claims the right to email moderation requests for `hold`, inside the caller's transaction: true (and
    /// recorded on the hold) while fewer than `limit` holds of its list created in the past hour had requests
    /// sent; false afterwards.
    public static func claimRequest(for hold: Hold, limit: Int = defaultRequestsPerListPerHour, now: Date,
                                    in db: Database) throws -> Bool {
        let sent = try HoldRecord.requestsSent(listID: hold.listID, since: now.addingTimeInterval(-3600), in: db)
        guard sent < limit else { return false }
        try HoldRecord.markRequestSent(id: hold.id, in: db)
        return true
    }

    // MARK: Reading

    /// Holds, newest first; by default only pending ones, optionally of one list.
    public func list(listID: String? = nil, status: Hold.Status? = .pending) throws -> [Hold] {
        try writer.read { db in try HoldRecord.holds(listID: listID, status: status, in: db) }
    }

    /// One hold by id.
    public func show(_ id: Int64) throws -> Hold? {
        try writer.read { db in try HoldRecord.hold(id: id, in: db) }
    }

    // MARK: Deciding

    /// Approves a pending hold (CLI). The outcome names the message to continue as if accepted.
    public func approve(_ id: Int64, by moderator: String, now: Date = Date()) throws -> ModerationOutcome {
        try decide(id, action: .approve, reason: nil, by: moderator, now: now)
    }

    /// Rejects a pending hold, with an optional reason for the author (CLI).
    public func reject(_ id: Int64, reason: String? = nil, by moderator: String, now: Date = Date()) throws
        -> ModerationOutcome {
        try decide(id, action: .reject, reason: reason, by: moderator, now: now)
    }

    /// Discards a pending hold silently (CLI).
    public func discard(_ id: Int64, by moderator: String, now: Date = Date()) throws -> ModerationOutcome {
        try decide(id, action: .discard, reason: nil, by: moderator, now: now)
    }

    /// Applies a decision to a pending hold, in one transaction.
    public func decide(_ id: Int64, action: ModeratorAction, reason: String?, by moderator: String,
                       now: Date = Date()) throws -> ModerationOutcome {
        let outcome = try writer.write { db in
            try Self.decide(id, action: action, reason: reason, by: moderator, now: now, in: db)
        }
        log(outcome)
        return outcome
    }

    /// Applies a moderator's emailed reply inside the caller's transaction: finds the token (subject, then
    /// body), verifies it for the hold's list (and, when given, the list the reply arrived for), checks that the
    /// sender is a moderator or owner of that list, that the hold is pending and the token unused, and decides.
    public static func apply(replyFrom sender: String, subject: String, body: String, arrivedForList: String?,
                             key: ModerationKey, now: Date, in db: Database) throws -> ModerationOutcome {
        let command: ModeratorCommand
        do { command = try ModeratorCommand.parse(subject: subject, body: body, now: now) } catch {
            throw ModerationError.command(error)
        }
        let token = command.token
        guard let hold = try HoldRecord.hold(id: token.holdID, in: db) else {
            throw ModerationError.unknownHold(token.holdID)
        }
        do { try token.verify(listID: hold.listID, key: key, now: now) } catch {
            throw ModerationError.token(error)
        }
        if let arrivedForList, arrivedForList != hold.listID { throw ModerationError.wrongList(hold.id) }
        guard hold.status == .pending else { throw ModerationError.notPending(hold.id, hold.status) }
        let storedHash = try HoldRecord.tokenHash(id: hold.id, in: db)
        guard storedHash == token.hash else { throw ModerationError.notPending(hold.id, hold.status) }
        guard let identity = try PersonRecord.identity(of: sender, in: db),
              identity.roles[hold.listID]?.canModerate == true else {
            throw ModerationError.notModerator(hold.id)
        }
        return try decide(hold.id, action: command.action, reason: command.reason,
                          by: MailAddress(address: sender).normalized, now: now, in: db)
    }

    /// `apply(replyFrom:…in:)` in its own transaction.
    public func apply(replyFrom sender: String, subject: String, body: String, arrivedForList: String? = nil,
                      now: Date = Date()) throws -> ModerationOutcome {
        let outcome = try writer.write { db in
            try Self.apply(replyFrom: sender, subject: subject, body: body, arrivedForList: arrivedForList,
                           key: key, now: now, in: db)
        }
        log(outcome)
        return outcome
    }

    static func decide(_ id: Int64, action: ModeratorAction, reason: String?, by moderator: String, now: Date,
                       in db: Database) throws -> ModerationOutcome {
        guard var hold = try HoldRecord.hold(id: id, in: db) else { throw ModerationError.unknownHold(id) }
        guard hold.status == .pending else { throw ModerationError.notPending(id, hold.status) }
        let status: Hold.Status = switch action {
        case .approve: .approved
        case .reject: .rejected
        case .discard: .discarded
        }
        // The status guard in SQL makes a concurrent second decision a no-op; clearing the hash spends the token.
        guard try HoldRecord.decide(id: id, status: status, by: moderator, at: now, reason: reason, in: db) else {
            throw ModerationError.notPending(id, hold.status)
        }
        hold.status = status
        hold.decidedBy = moderator
        hold.decidedAt = now
        hold.decisionReason = reason
        return ModerationOutcome(hold: hold, action: action, messageRowID: hold.messageRowID, listID: hold.listID,
                                 reason: reason)
    }

    // MARK: Expiry

    /// Marks every pending hold whose expiry has passed as expired and returns them, so that each author can be
    /// told (`held-expired` notice). One transaction.
    public func expire(now: Date = Date()) throws -> [Hold] {
        let expired = try writer.write { db in try Self.expire(now: now, in: db) }
        if !expired.isEmpty { logger?.info("moderation holds expired", metadata: ["count": "\(expired.count)"]) }
        return expired
    }

    /// `expire(now:)` inside the caller's transaction.
    public static func expire(now: Date, in db: Database) throws -> [Hold] {
        var expired: [Hold] = []
        for var hold in try HoldRecord.pendingExpired(now: now, in: db) {
            guard try HoldRecord.expire(id: hold.id, now: now, in: db) else { continue }
            hold.status = .expired
            hold.decidedAt = now
            hold.decidedBy = "expiry"
            expired.append(hold)
        }
        return expired
    }
}
