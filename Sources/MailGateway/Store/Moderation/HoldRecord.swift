import Foundation
import GRDB

/// One row of `holds` (migrations `moderation-v1`, `moderation-v2-notices`): a message held for one list,
/// unique per (message, list). `token_hash` is the hash of the one moderation token that may still decide it
/// (cleared by a decision, which spends the token); `request_sent` says whether moderators were emailed.
struct HoldRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "holds"

    var id: Int64?
    /// The archive's message row id.
    var messageID: Int64
    var listID: String
    var reason: ReasonCode
    var rule: String
    var createdAt: Date
    var expiresAt: Date
    var tokenHash: String?
    var status: Hold.Status
    var decidedBy: String?
    var decidedAt: Date?
    var decisionReason: String?
    var notifyAuthor: Bool
    var requestSent: Bool

    enum CodingKeys: String, CodingKey {
        case id, reason, rule, status
        case messageID = "message_id"
        case listID = "list_id"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case tokenHash = "token_hash"
        case decidedBy = "decided_by"
        case decidedAt = "decided_at"
        case decisionReason = "decision_reason"
        case notifyAuthor = "notify_author"
        case requestSent = "request_sent"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The domain value.
    var hold: Hold {
        Hold(id: id ?? 0, messageRowID: messageID, listID: listID, reason: reason, rule: rule, createdAt: createdAt,
             expiresAt: expiresAt, status: status, decidedBy: decidedBy, decidedAt: decidedAt,
             decisionReason: decisionReason, notifyAuthor: notifyAuthor)
    }

    /// The holds a request selects; a row whose reason or status this version does not know is left out.
    private static func holds(_ request: QueryInterfaceRequest<HoldRecord>, in db: Database) throws -> [Hold] {
        try Row.fetchAll(db, request).compactMap { try? HoldRecord(row: $0).hold }
    }

    // MARK: Queries

    /// One hold by id; nil when unknown (or unreadable).
    static func hold(id: Int64, in db: Database) throws -> Hold? {
        try holds(filter(key: id), in: db).first
    }

    /// Holds, newest first, optionally of one list and one status.
    static func holds(listID: String?, status: Hold.Status?, in db: Database) throws -> [Hold] {
        var request = all()
        if let listID { request = request.filter(Column("list_id") == listID) }
        if let status { request = request.filter(Column("status") == status.rawValue) }
        return try holds(request.order(Column("created_at").desc, Column("id").desc), in: db)
    }

    /// Pending holds whose expiry is at or before `now`, by id.
    static func pendingExpired(now: Date, in db: Database) throws -> [Hold] {
        try holds(filter(Column("status") == Hold.Status.pending.rawValue && Column("expires_at") <= now)
            .order(Column("id")), in: db)
    }

    /// Records a pending hold unless the message is already held for the list; returns the hold's id.
    static func insertPending(messageID: Int64, listID: String, reason: ReasonCode, rule: String, now: Date,
                              expires: Date, notifyAuthor: Bool, in db: Database) throws -> Int64? {
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO holds (message_id, list_id, reason, rule, created_at, expires_at, status, notify_author)
            VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)
            """).execute(arguments: [messageID, listID, reason.rawValue, rule, now, expires, notifyAuthor])
        return try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM holds WHERE message_id = ? AND list_id = ?"),
                                  arguments: [messageID, listID])
    }

    /// The hash of the token that may still decide the hold.
    static func tokenHash(id: Int64, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT token_hash FROM holds WHERE id = ?", arguments: [id])
    }

    /// Stores the hash of the hold's current token.
    static func setTokenHash(_ hash: String, id: Int64, in db: Database) throws {
        try db.execute(sql: "UPDATE holds SET token_hash = ? WHERE id = ?", arguments: [hash, id])
    }

    /// How many holds of a list created after `since` had moderation requests sent.
    static func requestsSent(listID: String, since: Date, in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(*) FROM holds WHERE list_id = ? AND created_at > ? AND request_sent = 1
            """, arguments: [listID, since]) ?? 0
    }

    /// Records that moderation requests were sent for a hold.
    static func markRequestSent(id: Int64, in db: Database) throws {
        try db.execute(sql: "UPDATE holds SET request_sent = 1 WHERE id = ?", arguments: [id])
    }

    /// Decides a hold if it is still pending, spending its token; false when it was not pending (a concurrent
    /// decision came first).
    static func decide(id: Int64, status: Hold.Status, by decidedBy: String, at now: Date, reason: String?,
                       in db: Database) throws -> Bool {
        try db.execute(sql: """
            UPDATE holds SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ?, token_hash = NULL
            WHERE id = ? AND status = 'pending'
            """, arguments: [status.rawValue, decidedBy, now, reason, id])
        return db.changesCount == 1
    }

    /// Marks a pending hold expired (decided by `expiry`), spending its token; false when it was no longer pending.
    static func expire(id: Int64, now: Date, in db: Database) throws -> Bool {
        try db.execute(sql: """
            UPDATE holds SET status = 'expired', decided_at = ?, decided_by = 'expiry', token_hash = NULL
            WHERE id = ? AND status = 'pending'
            """, arguments: [now, id])
        return db.changesCount == 1
    }
}
