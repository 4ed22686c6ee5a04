public import Foundation
public import GRDB

/// A row of `confirmations` (migration `commands-v1`): a one-time token's stored half (its SHA-256), what it
/// confirms and for whom. See ``Confirmations`` for the rules (single use, expiry, rate limits).
public struct ConfirmationRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "confirmations"

    public var id: Int64
    /// SHA-256 of the token, lower-case hex.
    public var tokenHash: String
    public var listID: String
    public var action: ConfirmationAction
    /// The address the change is for (and the confirmation went to); empty for `moderate`.
    public var address: String
    /// `MailAddress.canonicalKey` of `address` (the per-address caps).
    public var addressKey: String
    /// What the action needs besides the address, a JSON object of strings (e.g. `{"mode":"digest"}`).
    public var parameters: String
    /// Who asked (the request's From), when it was not the address itself.
    public var requestedBy: String?
    /// For `moderate`: the hold the token decides.
    public var holdID: Int64?
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?
    /// Who used it (the confirming message's From).
    public var usedBy: String?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, action, address, parameters
        case tokenHash = "token_hash", listID = "list_id", addressKey = "address_key", requestedBy = "requested_by"
        case holdID = "hold_id", createdAt = "created_at", expiresAt = "expires_at", usedAt = "used_at"
        case usedBy = "used_by"
    }

    /// The parameters as a dictionary (empty when the column does not decode).
    public var parameterValues: [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(parameters.utf8))) ?? [:]
    }

    /// Records a token; returns the row id.
    static func insert(_ db: Database, tokenHash: String, listID: String, action: ConfirmationAction, address: String,
                       parameters: [String: String], requestedBy: String?, holdID: Int64?, now: Date,
                       expiresAt: Date) throws -> Int64 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(parameters), as: UTF8.self)
        try db.execute(sql: """
            INSERT INTO confirmations (token_hash, list_id, action, address, address_key, parameters, requested_by,
                                       hold_id, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [tokenHash, listID, action.rawValue, address, MailAddress.canonicalKey(address), json,
                             requestedBy, holdID, now, expiresAt])
        return db.lastInsertedRowID
    }

    /// The row of a token hash, if any.
    static func find(_ db: Database, tokenHash: String) throws -> ConfirmationRecord? {
        try fetchOne(db, sql: "SELECT * FROM confirmations WHERE token_hash = ?", arguments: [tokenHash])
    }

    /// Marks a row used; false when it already was (a concurrent use).
    static func markUsed(_ db: Database, id: Int64, by: String, at now: Date) throws -> Bool {
        try db.execute(sql: "UPDATE confirmations SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL",
                       arguments: [now, by, id])
        return db.changesCount > 0
    }

    /// How many confirmation requests issued for an address since `since` are still pending (not used, not
    /// expired at `now`), moderation and undo tokens apart (CM-12).
    static func pendingCount(_ db: Database, addressKey: String, since: Date, now: Date) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(*) FROM confirmations
            WHERE address_key = ? AND created_at >= ? AND action NOT IN ('moderate', 'undo')
              AND used_at IS NULL AND expires_at > ?
            """, arguments: [addressKey, since, now]) ?? 0
    }

    /// Announcement previews (`moderate` tokens bound to a poster's address, AN-2) issued to `addressKey` since
    /// `since` and still pending.
    static func pendingPreviews(_ db: Database, addressKey: String, since: Date, now: Date) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(*) FROM confirmations
            WHERE address_key = ? AND created_at >= ? AND action = 'moderate' AND used_at IS NULL AND expires_at > ?
            """, arguments: [addressKey, since, now]) ?? 0
    }

    /// Deletes rows that expired before `cutoff` (kept a while after expiry, so a late use is answered "expired"
    /// rather than "unknown").
    static func deleteExpired(_ db: Database, before cutoff: Date) throws -> Int {
        try db.execute(sql: "DELETE FROM confirmations WHERE expires_at < ?", arguments: [cutoff])
        return db.changesCount
    }
}

/// What a confirmation token confirms.
public enum ConfirmationAction: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Join a list (CM-5: always confirmed by the address).
    case join
    /// Leave a list.
    case leave
    /// Change the delivery mode or the digest schedule.
    case set
    /// Change the language.
    case lang
    /// Undo a change made at once (a leave or set with a trusted aligned pass, CM-3's exception).
    case undo
    /// A moderation request's reply address: decides a hold.
    case moderate
}
