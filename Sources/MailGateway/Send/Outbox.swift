public import Foundation
public import GRDB
import Crypto

/// Status of one recipient copy in the outbox.
public enum OutboxStatus: String, Sendable, Codable, CaseIterable {
    case pending, sending, sent, failed
}

/// How transient failures are retried: exponential backoff `base * 2^(attempts-1)` capped at `cap`, until
/// `period` has passed since the copy was enqueued (or last retried by an operator); then the copy fails.
public struct RetryPolicy: Sendable, Equatable {
    public var base: TimeInterval
    public var cap: TimeInterval
    public var period: TimeInterval

    /// Defaults: 1 minute doubling up to 4 hours, for 5 days (as MTAs do).
    public init(base: TimeInterval = 60, cap: TimeInterval = 4 * 3600, period: TimeInterval = 5 * 86400) {
        self.base = base
        self.cap = cap
        self.period = period
    }

    /// The wait before attempt number `attempts + 1`, after `attempts` failed ones.
    public func delay(afterAttempts attempts: Int) -> TimeInterval {
        let exponent = max(0, min(attempts - 1, 40))
        return min(cap, base * pow(2, Double(exponent)))
    }
}

/// A claimed copy, ready to send.
public struct OutboxJob: Sendable, Equatable {
    public var id: Int64
    public var listID: String
    public var recipient: String
    public var envelopeFrom: String
    /// The message exactly as it is sent (per-recipient header fields then the shared bytes).
    public var message: [UInt8]
    /// Attempts so far, this one included.
    public var attempts: Int
}

/// One outbox row for `mailgateway outbox list` (without the message bytes).
public struct OutboxEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var listID: String
    public var messageID: Int64
    /// `post`, or `notice:<kind>` for a notice about that message.
    public var purpose: String
    public var recipient: String
    public var envelopeFrom: String
    public var status: OutboxStatus
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastErrorKind: SMTPError.Kind?
    public var lastErrorCode: Int?
    public var lastErrorCommand: String?
    public var lastErrorText: String?
    public var createdAt: Date
    public var sentAt: Date?
}

/// What an outbox copy is.
public enum OutboxPurpose: Sendable, Hashable {
    /// The list's copy of an archived post.
    case post
    /// A notice about an archived message (`NoticeKind` raw value).
    case notice(String)

    /// The stored form: `post` or `notice:<kind>`.
    public var rawValue: String {
        switch self {
        case .post: "post"
        case .notice(let kind): "notice:\(kind)"
        }
    }
}


/// The durable outbox: functions over a GRDB `Database` that the caller runs inside its own transactions.
///
/// Delivery guarantee: a copy is marked `sending` (its claimer recorded) in a committed transaction before it
/// is sent, then `handed` (its attempt counted) in a committed transaction just before it is handed to SMTP (the
/// transaction that records the previous copy's result), and `sent` after the server's 250. If the process dies
/// between the 250 and that commit, the row is still `sending` and handed; at the next start `recover` puts it
/// back to `pending` and it is sent again. That window (at most one copy per worker) is the one place a copy can
/// be delivered twice: SMTP has no way to ask the server "did you already accept this?", and the alternative,
/// marking before sending, would lose the copy instead. Rows claimed but never handed are given back as never
/// attempted. Only rows of a claimer that is gone are recovered (`run` holds the process lock, so every other
/// claimer is gone). A graceful stop (SIGTERM) waits for the reply and commits it, so it never duplicates.
public enum Outbox {
    /// Adds the copies of archived message `messageID` of list `listID`, inside the caller's transaction
    /// (the ingest transaction). Copies already present (same message and recipient) are skipped.
    /// - Returns: how many rows were added.
    @discardableResult
    public static func enqueue(_ db: Database, listID: String, messageID: Int64, purpose: OutboxPurpose = .post,
                               copies: [OutgoingCopy],
                               now: Date = Date()) throws -> Int {
        var bodyIDs: [[UInt8]: Int64] = [:]
        let insertBody = try db.cachedStatement(sql: "INSERT INTO outbox_body (digest, bytes) VALUES (?, ?) ON CONFLICT(digest) DO NOTHING")
        let selectBody = try db.cachedStatement(sql: "SELECT id FROM outbox_body WHERE digest = ?")
        let insertRow = try db.cachedStatement(sql: """
            INSERT INTO outbox (list_id, message_id, purpose, recipient, envelope_from, header_prefix, body_id, status,
                                attempts, next_attempt_at, retry_from, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)
            ON CONFLICT(message_id, recipient, purpose) DO NOTHING
            """)
        let time = now.timeIntervalSince1970
        var added = 0
        for copy in copies {
            let bodyID: Int64
            if let known = bodyIDs[copy.shared] {
                bodyID = known
            } else {
                let digest = SHA256.hash(data: copy.shared).map { String(format: "%02x", $0) }.joined()
                try insertBody.execute(arguments: [digest, Data(copy.shared)])
                guard let id = try Int64.fetchOne(selectBody, arguments: [digest]) else {
                    throw DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "outbox body not stored")
                }
                bodyIDs[copy.shared] = id
                bodyID = id
            }
            try insertRow.execute(arguments: [listID, messageID, purpose.rawValue, copy.recipient, copy.envelopeFrom,
                                              Data(copy.headerPrefix), bodyID, time, time, time])
            added += db.changesCount
        }
        return added
    }

    /// Claims up to `limit` due copies for `claimer` (a ``Gateway/runID``): marks them `sending` and counts the
    /// attempt, in the caller's transaction (commit it before sending). Mark each one with ``markHanded(_:id:now:)``
    /// before handing it to SMTP.
    public static func claim(_ db: Database, limit: Int, now: Date = Date(), claimer: String = "") throws -> [OutboxJob] {
        let rows = try Row.fetchAll(db, sql: """
            UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ?, claimed_by = ?, handed_at = NULL
            WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
                         ORDER BY next_attempt_at, id LIMIT ?)
            RETURNING id, list_id, recipient, envelope_from, header_prefix, body_id, attempts
            """, arguments: [now.timeIntervalSince1970, claimer, now.timeIntervalSince1970, limit])
        var bodies: [Int64: Data] = [:]
        let selectBody = try db.cachedStatement(sql: "SELECT bytes FROM outbox_body WHERE id = ?")
        var jobs: [OutboxJob] = []
        jobs.reserveCapacity(rows.count)
        for row in rows {
            let bodyID: Int64 = row["body_id"]
            if bodies[bodyID] == nil { bodies[bodyID] = try Data.fetchOne(selectBody, arguments: [bodyID]) ?? Data() }
            let prefix: Data = row["header_prefix"]
            var message = [UInt8](prefix)
            message.append(contentsOf: bodies[bodyID] ?? Data())
            jobs.append(OutboxJob(id: row["id"], listID: row["list_id"], recipient: row["recipient"],
                                  envelopeFrom: row["envelope_from"], message: message, attempts: row["attempts"]))
        }
        return jobs.sorted { $0.id < $1.id }
    }

    /// Records that a claimed copy is about to be handed to SMTP: from now on it may have been delivered.
    public static func markHanded(_ db: Database, id: Int64, now: Date = Date()) throws {
        try db.execute(sql: "UPDATE outbox SET handed_at = ? WHERE id = ? AND status = 'sending'",
                       arguments: [now.timeIntervalSince1970, id])
    }

    /// Records the server's acceptance (250) of a claimed copy. A notice's body is emptied once every copy of it
    /// is sent: a moderation request carries a usable token, and the database keeps only its hash (in `holds`).
    public static func markSent(_ db: Database, id: Int64, now: Date = Date()) throws {
        try db.execute(sql: "UPDATE outbox SET status = 'sent', sent_at = ? WHERE id = ? AND status = 'sending'",
                       arguments: [now.timeIntervalSince1970, id])
        try db.execute(sql: """
            UPDATE outbox_body SET bytes = X'', digest = 'redacted:' || id
            WHERE id = (SELECT body_id FROM outbox WHERE id = ? AND purpose LIKE 'notice:%' AND status = 'sent')
              AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.body_id = outbox_body.id AND o.status <> 'sent')
            """, arguments: [id])
    }

    /// Records a failed attempt: a permanent error fails the copy at once; a transient one schedules the next
    /// attempt with backoff, or fails the copy when the next attempt would fall after the retry period.
    /// - Returns: the row's new status.
    @discardableResult
    public static func markFailed(_ db: Database, id: Int64, error: SMTPError, policy: RetryPolicy,
                                  now: Date = Date()) throws -> OutboxStatus {
        guard let row = try Row.fetchOne(db, sql: "SELECT attempts, retry_from FROM outbox WHERE id = ?",
                                         arguments: [id]) else { return .failed }
        let attempts: Int = row["attempts"]
        let retryFrom: Double = row["retry_from"]
        let next = now.timeIntervalSince1970 + policy.delay(afterAttempts: attempts)
        let status: OutboxStatus = (error.kind == .permanent || next > retryFrom + policy.period) ? .failed : .pending
        try db.execute(sql: """
            UPDATE outbox SET status = ?, next_attempt_at = ?, last_error_kind = ?, last_error_code = ?,
                              last_error_command = ?, last_error_text = ?
            WHERE id = ?
            """, arguments: [status.rawValue, next, error.kind.rawValue, error.code, error.command,
                             String(error.reply.prefix(1000)), id])
        return status
    }

    /// Gives back claimed copies that were not attempted (graceful stop): `pending`, attempt not counted.
    public static func release(_ db: Database, ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        let statement = try db.cachedStatement(sql: """
            UPDATE outbox SET status = 'pending', attempts = MAX(attempts - 1, 0), handed_at = NULL, claimed_by = NULL
            WHERE id = ? AND status = 'sending'
            """)
        for id in ids { try statement.execute(arguments: [id]) }
    }

    /// At start-up: copies left `sending` by every claimer but `current` (processes that died) are due again (see
    /// the type's note on the one-copy window). All of them: use ``recover(_:now:current:)`` in a gateway run.
    /// - Returns: how many copies were recovered.
    @discardableResult
    public static func recoverInterrupted(_ db: Database, now: Date = Date()) throws -> Int {
        try recover(db, now: now, current: nil).total
    }

    /// What ``recover(_:now:current:)`` found.
    public struct Recovery: Sendable, Equatable {
        /// Handed to SMTP when their process died: may have been delivered, sent again (at most one per connection).
        public var maybeSent: Int
        /// Claimed but never handed to SMTP: given back as never attempted.
        public var notAttempted: Int
        public var total: Int { maybeSent + notAttempted }
    }

    /// Copies left `sending` by a claimer other than `current` (a process that is gone: the caller holds the
    /// process lock) are due again. A handed copy keeps its attempt counted (it may have been delivered); a copy
    /// never handed gets its attempt back. Rows claimed by `current` are left alone.
    @discardableResult
    public static func recover(_ db: Database, now: Date = Date(), current: String?) throws -> Recovery {
        let other = "status = 'sending' AND (?1 IS NULL OR claimed_by IS NULL OR claimed_by != ?1)"
        try db.execute(sql: """
            UPDATE outbox SET status = 'pending', next_attempt_at = ?2, claimed_by = NULL, handed_at = NULL
            WHERE \(other) AND handed_at IS NOT NULL
            """, arguments: [current, now.timeIntervalSince1970])
        let maybeSent = db.changesCount
        try db.execute(sql: """
            UPDATE outbox SET status = 'pending', next_attempt_at = ?2, claimed_by = NULL, attempts = MAX(attempts - 1, 0)
            WHERE \(other) AND handed_at IS NULL
            """, arguments: [current, now.timeIntervalSince1970])
        return Recovery(maybeSent: maybeSent, notAttempted: db.changesCount)
    }

    /// `outbox retry`: failed copies (all, of one list, or the given ids) are due again now, with a new
    /// retry period.
    /// - Returns: how many copies were rescheduled.
    @discardableResult
    public static func retry(_ db: Database, ids: [Int64]? = nil, listID: String? = nil, now: Date = Date()) throws -> Int {
        var sql = "UPDATE outbox SET status = 'pending', next_attempt_at = ?, retry_from = ? WHERE status = 'failed'"
        var arguments: StatementArguments = [now.timeIntervalSince1970, now.timeIntervalSince1970]
        if let listID {
            sql += " AND list_id = ?"
            arguments += [listID]
        }
        if let ids {
            guard !ids.isEmpty else { return 0 }
            sql += " AND id IN (\(ids.map { _ in "?" }.joined(separator: ",")))"
            arguments += StatementArguments(ids)
        }
        try db.execute(sql: sql, arguments: arguments)
        return db.changesCount
    }

    /// `outbox list`: rows filtered by status, list and message, oldest first.
    public static func list(_ db: Database, status: OutboxStatus? = nil, listID: String? = nil,
                            messageID: Int64? = nil, limit: Int = 1000) throws -> [OutboxEntry] {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let status {
            clauses.append("status = ?")
            arguments += [status.rawValue]
        }
        if let listID {
            clauses.append("list_id = ?")
            arguments += [listID]
        }
        if let messageID {
            clauses.append("message_id = ?")
            arguments += [messageID]
        }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        arguments += [limit]
        return try Row.fetchAll(db, sql: """
            SELECT id, list_id, message_id, purpose, recipient, envelope_from, status, attempts, next_attempt_at,
                   last_error_kind, last_error_code, last_error_command, last_error_text, created_at, sent_at
            FROM outbox \(whereClause) ORDER BY id LIMIT ?
            """, arguments: arguments).map(entry)
    }

    /// Copies refused for good (5xx) since `date`: the per-recipient record for bounce processing.
    public static func permanentFailures(_ db: Database, since date: Date = .distantPast) throws -> [OutboxEntry] {
        try Row.fetchAll(db, sql: """
            SELECT id, list_id, message_id, purpose, recipient, envelope_from, status, attempts, next_attempt_at,
                   last_error_kind, last_error_code, last_error_command, last_error_text, created_at, sent_at
            FROM outbox WHERE status = 'failed' AND last_error_kind = 'permanent' AND created_at >= ? ORDER BY id
            """, arguments: [date.timeIntervalSince1970]).map(entry)
    }

    /// Number of copies in each status (absent statuses are 0).
    public static func counts(_ db: Database, listID: String? = nil) throws -> [OutboxStatus: Int] {
        var result = Dictionary(uniqueKeysWithValues: OutboxStatus.allCases.map { ($0, 0) })
        let rows = try Row.fetchAll(db, sql: """
            SELECT status, COUNT(*) AS n FROM outbox WHERE ?1 IS NULL OR list_id = ?1 GROUP BY status
            """, arguments: [listID])
        for row in rows {
            if let status = OutboxStatus(rawValue: row["status"]) { result[status] = row["n"] }
        }
        return result
    }

    /// The earliest `next_attempt_at` of a pending copy, if any.
    public static func nextDue(_ db: Database) throws -> Date? {
        try Double.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'")
            .map { Date(timeIntervalSince1970: $0) }
    }

    private static func entry(_ row: Row) -> OutboxEntry {
        let kind: String? = row["last_error_kind"]
        let sent: Double? = row["sent_at"]
        return OutboxEntry(
            id: row["id"], listID: row["list_id"], messageID: row["message_id"], purpose: row["purpose"],
            recipient: row["recipient"],
            envelopeFrom: row["envelope_from"], status: OutboxStatus(rawValue: row["status"]) ?? .failed,
            attempts: row["attempts"], nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]),
            lastErrorKind: kind.flatMap(SMTPError.Kind.init(rawValue:)), lastErrorCode: row["last_error_code"],
            lastErrorCommand: row["last_error_command"], lastErrorText: row["last_error_text"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]), sentAt: sent.map(Date.init(timeIntervalSince1970:)))
    }
}
