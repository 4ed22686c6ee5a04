public import Foundation
public import GRDB

/// A row of `outbox`: one recipient copy of a post or notice (see `OutboxMigrations` for the columns' meaning and
/// `Outbox` for the delivery state machine, which calls these queries inside its transactions). Dates are GRDB's
/// Date text (migration `store-v1-keys-and-dates`), so they compare and sort as text.
public struct OutboxCopyRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "outbox"

    public var id: Int64
    public var listID: String
    /// The archived message the copy is of (a post) or answers (a notice); nil for a copy no archived message
    /// caused (a welcome after `members add`), unique by (recipient, purpose) instead.
    public var messageID: Int64?
    /// `post`, `notice:<kind>`, `digest:<issue>`, or an event such as `welcome:<membership id>`.
    public var purpose: String
    public var recipient: String
    public var envelopeFrom: String
    /// The per-recipient header fields, sent before the shared body.
    public var headerPrefix: Data
    public var bodyID: Int64
    public var status: OutboxStatus
    public var attempts: Int
    public var nextAttemptAt: Date
    /// Start of the retry period (enqueued, or last retried by an operator).
    public var retryFrom: Date
    public var lastErrorKind: String?
    public var lastErrorCode: Int?
    public var lastErrorCommand: String?
    public var lastErrorText: String?
    public var createdAt: Date
    public var claimedAt: Date?
    public var sentAt: Date?
    public var claimedBy: String?
    public var handedAt: Date?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, purpose, recipient, status, attempts
        case listID = "list_id", messageID = "message_id", envelopeFrom = "envelope_from"
        case headerPrefix = "header_prefix", bodyID = "body_id", nextAttemptAt = "next_attempt_at"
        case retryFrom = "retry_from", lastErrorKind = "last_error_kind", lastErrorCode = "last_error_code"
        case lastErrorCommand = "last_error_command", lastErrorText = "last_error_text", createdAt = "created_at"
        case claimedAt = "claimed_at", sentAt = "sent_at", claimedBy = "claimed_by", handedAt = "handed_at"
    }

    /// Adds a pending copy, unless the message already has one for that recipient and purpose. `id` nil: SQLite
    /// chooses it (one more than the largest, as ``nextID(_:)`` says).
    /// - Parameter now: the enqueue instant as stored (`StoreDate.value`), computed once for a batch of copies.
    /// - Returns: whether a row was added.
    static func insertPending(_ db: Database, id: Int64?, listID: String, messageID: Int64?, purpose: String,
                              recipient: String, envelopeFrom: String, headerPrefix: Data, bodyID: Int64,
                              now: DatabaseValue) throws -> Bool {
        try db.cachedStatement(sql: """
            INSERT INTO outbox (id, list_id, message_id, purpose, recipient, envelope_from, header_prefix, body_id, status,
                                attempts, next_attempt_at, retry_from, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """).execute(arguments: [id, listID, messageID, purpose, recipient, envelopeFrom, headerPrefix, bodyID,
                                     now, now, now])
        return db.changesCount > 0
    }

    /// The id the next row added without one gets: one more than the largest.
    static func nextID(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(id), 0) + 1 FROM outbox")) ?? 1
    }

    /// The id of the copy of `purpose` to `recipient` that no archived message caused (a probe).
    static func id(_ db: Database, recipient: String, purpose: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM outbox WHERE recipient = ? AND purpose = ? AND message_id IS NULL",
                           arguments: [recipient, purpose])
    }

    /// The newest copy sent with envelope sender `envelopeFrom` since `since` (a bounce to the former
    /// `list-bounces+user=domain@` form, still understood on input).
    static func latest(_ db: Database, envelopeFrom: String, since: Date) throws -> OutboxCopyRecord? {
        try OutboxCopyRecord.fetchOne(db, sql: """
            SELECT * FROM outbox WHERE lower(envelope_from) = lower(?) AND created_at >= ? ORDER BY id DESC LIMIT 1
            """, arguments: [envelopeFrom, since])
    }

    /// The recipients (lower-cased) of `post` copies of any other archived message with the same Message-ID as
    /// archived message `messageRowID` (the same post accepted on another list): they must not get it twice.
    /// One probe of the `UNIQUE(list_id, message_id)` index per list (the CROSS JOINs fix that order), so no
    /// index of its own; a message whose Message-ID was synthesised matches nothing else.
    static func postRecipientsOfSameMessage(_ db: Database, messageRowID: Int64) throws -> Set<String> {
        Set(try String.fetchAll(db.cachedStatement(sql: """
            SELECT DISTINCT lower(o.recipient) FROM messages self  -- lower(): ASCII only, as MailAddress.canonicalKey
            CROSS JOIN lists l
            CROSS JOIN messages other ON other.list_id = l.id AND other.message_id = self.message_id
                                         AND other.id != self.id
            CROSS JOIN outbox o ON o.message_id = other.id AND o.purpose = 'post'
            WHERE self.id = ? AND self.synthetic = 0
            """), arguments: [messageRowID]))
    }

    /// Which of the archived messages `messageRowIDs` `recipient` was sent on its own (a `post` copy: an
    /// announcement, which reaches digest members at once, or a post delivered while they read the list message by
    /// message): their digest lists it "sent separately". One probe of `UNIQUE(message_id, recipient, purpose)` per
    /// message.
    public static func sentSeparately(_ db: Database, recipient: String, messageRowIDs: [Int64]) throws -> Set<Int64> {
        guard !messageRowIDs.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: messageRowIDs.count).joined(separator: ",")
        let arguments = StatementArguments(messageRowIDs) + [recipient]
        return Set(try Int64.fetchAll(db, sql: """
            SELECT message_id FROM outbox WHERE message_id IN (\(marks)) AND recipient = ? AND purpose = 'post'
            """, arguments: arguments))
    }

    /// For each recipient of a `post` copy of any of `messageRowIDs`, which of them they got: ``sentSeparately``
    /// for every member at once (the digest run asks it once per list and period instead of once per member).
    public static func postRecipients(_ db: Database, messageRowIDs: [Int64]) throws -> [String: Set<Int64>] {
        guard !messageRowIDs.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: messageRowIDs.count).joined(separator: ",")
        var byRecipient: [String: Set<Int64>] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT message_id, recipient FROM outbox WHERE message_id IN (\(marks)) AND purpose = 'post'
            """, arguments: StatementArguments(messageRowIDs))
        while let row = try rows.next() {
            byRecipient[row["recipient"], default: []].insert(row["message_id"])
        }
        return byRecipient
    }

    /// Pending copies due at `now`, counted up to `atMost` (a bounded walk of the `outbox_due` index).
    static func dueCount(_ db: Database, now: Date, atMost: Int) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: """
            SELECT count(*) FROM (SELECT 1 FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? LIMIT ?)
            """), arguments: [StoreDate.value(now), atMost]) ?? 0
    }

    /// Records a failed attempt's outcome: the new status, the attempts counted, the next attempt and the server's
    /// answer.
    static func recordFailure(_ db: Database, id: Int64, status: OutboxStatus, attempts: Int, nextAttemptAt: Date,
                              kind: String, code: Int, command: String, text: String) throws {
        try db.execute(sql: """
            UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error_kind = ?, last_error_code = ?,
                              last_error_command = ?, last_error_text = ?
            WHERE id = ?
            """, arguments: [status.rawValue, attempts, nextAttemptAt, kind, code, command, text, id])
    }

    /// Makes due at `now` the copies left `sending` by a claimer other than `current` (nil: every claimer), either
    /// those handed to SMTP (their attempt stays counted) or those never handed (their attempt given back).
    /// - Returns: how many copies were made due.
    static func recoverSending(_ db: Database, handed: Bool, now: Date, current: String?) throws -> Int {
        let other = "status = 'sending' AND (?1 IS NULL OR claimed_by IS NULL OR claimed_by != ?1)"
        if handed {
            try db.execute(sql: """
                UPDATE outbox SET status = 'pending', next_attempt_at = ?2, claimed_by = NULL, handed_at = NULL
                WHERE \(other) AND handed_at IS NOT NULL
                """, arguments: [current, now])
        } else {
            try db.execute(sql: """
                UPDATE outbox SET status = 'pending', next_attempt_at = ?2, claimed_by = NULL, attempts = MAX(attempts - 1, 0)
                WHERE \(other) AND handed_at IS NULL
                """, arguments: [current, now])
        }
        return db.changesCount
    }

    /// The copies in `status` (of one list, of the given ids when not nil) as a request.
    private static func filtered(status: OutboxStatus, listID: String?, ids: [Int64]?) -> QueryInterfaceRequest<Self> {
        var request = filter(statusAndList(status, listID))
        if let ids { request = request.filter(ids.contains(CodingKeys.id)) }
        return request
    }

    /// The filter on a status and a list, with the index to use said to SQLite. No index holds both
    /// (`outbox-v4-list-index`: a status change moves only `outbox_due`), and without statistics SQLite may take
    /// either. A status other than `sent` is a small part of the table: `+list_id` keeps it on `outbox_due
    /// (status, …)` instead of walking every copy the list ever had; `sent`, the bulk of the table, is better
    /// found by walking the list's index (`+status`).
    private static func statusAndList(_ status: OutboxStatus, _ listID: String?) -> SQLExpression {
        guard let listID else { return CodingKeys.status == status.rawValue }
        return status == .sent
            ? SQL(sql: "+status = ? AND list_id = ?", arguments: [status.rawValue, listID]).sqlExpression
            : SQL(sql: "status = ? AND +list_id = ?", arguments: [status.rawValue, listID]).sqlExpression
    }

    /// `outbox retry`: failed copies are due at `now`, with a new retry period.
    /// - Returns: how many copies changed.
    static func retryFailed(_ db: Database, ids: [Int64]?, listID: String?, now: Date) throws -> Int {
        try filtered(status: .failed, listID: listID, ids: ids)
            .updateAll(db, CodingKeys.status.set(to: OutboxStatus.pending.rawValue),
                       CodingKeys.nextAttemptAt.set(to: now), CodingKeys.retryFrom.set(to: now))
    }

    /// `outbox retry`: pending copies waiting for their backoff are due at `now`.
    /// - Returns: how many copies changed.
    public static func hastenPending(_ db: Database, ids: [Int64]?, listID: String?, now: Date) throws -> Int {
        try filtered(status: .pending, listID: listID, ids: ids)
            .filter(CodingKeys.nextAttemptAt > now)
            .updateAll(db, CodingKeys.nextAttemptAt.set(to: now))
    }

    /// Copies filtered by status, list and message, oldest first.
    static func list(_ db: Database, status: OutboxStatus?, listID: String?, messageID: Int64?, limit: Int) throws -> [Self] {
        var request = all()
        if let messageID {
            // A message's copies: its unique index `(message_id, recipient, purpose)` finds the few rows.
            request = request.filter(CodingKeys.messageID == messageID)
            if let status { request = request.filter(sql: "+status = ?", arguments: [status.rawValue]) }
            if let listID { request = request.filter(sql: "+list_id = ?", arguments: [listID]) }
        } else if let status {
            request = request.filter(statusAndList(status, listID))
        } else if let listID {
            request = request.filter(CodingKeys.listID == listID)
        }
        return try request.order(CodingKeys.id).limit(limit).fetchAll(db)
    }

    /// The copies among `ids` still `pending` (of one list, of one message when not nil), oldest first.
    static func pending(_ db: Database, ids: Set<Int64>, listID: String?, messageID: Int64?) throws -> [Self] {
        guard !ids.isEmpty else { return [] }
        return try pendingRequest(ids: ids, listID: listID, messageID: messageID).order(CodingKeys.id).fetchAll(db)
    }

    /// How many of the copies among `ids` are still `pending` (of one list when not nil).
    static func pendingCount(_ db: Database, ids: Set<Int64>, listID: String?) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try pendingRequest(ids: ids, listID: listID, messageID: nil).fetchCount(db)
    }

    /// The ids are one JSON array parameter, not one parameter each: the journals of 64 connections can name
    /// ~70,000 copies, past the 32,766 variables of SQLite's default build.
    private static func pendingRequest(ids: Set<Int64>, listID: String?, messageID: Int64?) -> QueryInterfaceRequest<Self> {
        var request = filter(sql: "id IN (SELECT value FROM json_each(?))", arguments: [idArray(Array(ids))])
            .filter(sql: "+status = 'pending'")
        if let listID { request = request.filter(sql: "+list_id = ?", arguments: [listID]) }
        if let messageID { request = request.filter(sql: "+message_id = ?", arguments: [messageID]) }
        return request
    }

    /// Copies refused for good (5xx) enqueued since `date`, oldest first.
    static func permanentFailures(_ db: Database, since date: Date) throws -> [Self] {
        try filter(CodingKeys.status == OutboxStatus.failed.rawValue && CodingKeys.lastErrorKind == "permanent"
                   && CodingKeys.createdAt >= date)
            .order(CodingKeys.id).fetchAll(db)
    }

    /// Number of copies per status value (of one list when not nil).
    static func countsByStatus(_ db: Database, listID: String?) throws -> [String: Int] {
        var result: [String: Int] = [:]
        // Two statements: every list's counts are a covering scan of `outbox_due` (status first), which
        // `?1 IS NULL OR list_id = ?1` would turn into a read of every row (/healthz and /metrics run it).
        let rows = try listID.map {
            try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM outbox WHERE list_id = ? GROUP BY status", arguments: [$0])
        } ?? Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
        for row in rows {
            result[row["status"]] = row["n"]
        }
        return result
    }

    /// The earliest `next_attempt_at` of a pending copy, if any.
    static func nextDue(_ db: Database) throws -> Date? {
        try Date.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'")
    }

    /// Copies being sent, or pending and due at `now`.
    public static func dueOrSendingCount(_ db: Database, now: Date) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(*) FROM outbox WHERE status = 'sending' OR (status = 'pending' AND next_attempt_at <= ?)
            """, arguments: [now]) ?? 0
    }

    /// Whether a copy is still pending or being sent (stops at the first one, through the status index).
    public static func hasUnfinished(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM outbox WHERE status IN ('pending', 'sending'))") ?? false
    }
}
