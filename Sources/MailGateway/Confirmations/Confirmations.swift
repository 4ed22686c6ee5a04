public import Foundation
public import GRDB

/// The rules of one-time confirmations (CM-3, CM-4, CM-12), inside the caller's transaction:
/// - a token is bound to (list, action, address, parameters): the handler acts only on what the row says;
/// - single use: ``redeem(_:token:by:now:)`` marks it used in the same transaction as the change it confirms;
/// - it expires (`defaultLifetime`, 72 h, like Mailman's 3 days) and is kept `retention` after that, so a late
///   use is answered "expired" rather than "unknown";
/// - at most `maxPendingPerAddressPerDay` confirmation requests still pending (unused, unexpired) per target
///   address among those issued in the last 24 h, across all lists: beyond that a request is dropped (and logged
///   by the caller), which stops subscription bombing without stopping a person who confirms what they ask.
///
/// The lookup is by the token's SHA-256 through a UNIQUE index: the stored value is not the secret, so comparing
/// it leaks nothing a timing attack could use.
public enum Confirmations {
    public static let defaultLifetime: TimeInterval = 72 * 3600
    public static let maxPendingPerAddressPerDay = 3
    public static let retention: TimeInterval = 30 * 86_400

    /// A token just issued: the text to mail (never stored) and its row.
    public struct Issued: Sendable, Equatable {
        public var token: ConfirmationToken
        public var id: Int64
        public var expiresAt: Date
    }

    /// Why a token does nothing.
    public enum Failure: Error, Sendable, Equatable {
        /// No such token (mistyped, tampered, or purged long after expiry).
        case unknown
        /// Past its expiry.
        case expired(ConfirmationRecord)
        /// Already used (by whom and when: the record's `usedBy`, `usedAt`).
        case used(ConfirmationRecord)
    }

    /// Issues a token. Returns nil, issuing nothing, when `address` already has `maxPendingPerAddressPerDay`
    /// requests pending from the last 24 hours (moderation tokens have their own hourly limit; an undo token goes
    /// to the address that made the change and is not capped).
    public static func issue(_ db: Database, listID: String, action: ConfirmationAction, address: String,
                             parameters: [String: String] = [:], requestedBy: String? = nil, holdID: Int64? = nil,
                             now: Date, lifetime: TimeInterval = defaultLifetime) throws -> Issued? {
        if action != .moderate, action != .undo {
            let pending = try ConfirmationRecord.pendingCount(db, addressKey: MailAddress.canonicalKey(address),
                                                              since: now.addingTimeInterval(-86_400), now: now)
            guard pending < maxPendingPerAddressPerDay else { return nil }
        }
        let token = ConfirmationToken()
        let expiry = now.addingTimeInterval(lifetime)
        let id = try ConfirmationRecord.insert(db, tokenHash: token.hash, listID: listID, action: action,
                                               address: address, parameters: parameters, requestedBy: requestedBy,
                                               holdID: holdID, now: now, expiresAt: expiry)
        return Issued(token: token, id: id, expiresAt: expiry)
    }

    /// What a token stands for, without using it.
    public static func look(_ db: Database, token: ConfirmationToken, now: Date) throws -> Result<ConfirmationRecord, Failure> {
        guard let record = try ConfirmationRecord.find(db, tokenHash: token.hash) else { return .failure(.unknown) }
        if record.usedAt != nil { return .failure(.used(record)) }
        if record.expiresAt <= now { return .failure(.expired(record)) }
        return .success(record)
    }

    /// Uses a token: marks it used by `by` at `now`, in the caller's transaction (roll it back with the change it
    /// confirms), and returns what it stands for.
    public static func redeem(_ db: Database, token: ConfirmationToken, by: String, now: Date) throws
        -> Result<ConfirmationRecord, Failure> {
        let looked = try look(db, token: token, now: now)
        guard case .success(var record) = looked else { return looked }
        guard try ConfirmationRecord.markUsed(db, id: record.id, by: by, at: now) else {
            return try look(db, token: token, now: now)
        }
        record.usedAt = now
        record.usedBy = by
        return .success(record)
    }

    /// What a token looked up stands for, whether it can still be used or not (nil: unknown).
    public static func record(_ looked: Result<ConfirmationRecord, Failure>) -> ConfirmationRecord? {
        switch looked {
        case .success(let r), .failure(.expired(let r)), .failure(.used(let r)): r
        case .failure(.unknown): nil
        }
    }

    /// Deletes tokens expired more than `retention` ago, and command-reply counts older than two days; returns how
    /// many token rows went (the maintenance service calls it).
    @discardableResult
    public static func purge(_ db: Database, now: Date) throws -> Int {
        _ = try CommandReplyRecord.deleteOlder(db, than: now.addingTimeInterval(-2 * 86_400))
        return try ConfirmationRecord.deleteExpired(db, before: now.addingTimeInterval(-retention))
    }
}
