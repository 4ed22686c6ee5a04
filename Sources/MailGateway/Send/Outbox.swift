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
    /// The archived message; nil for a copy no archived message caused (a welcome after `members add`).
    public var messageID: Int64?
    /// `post`, `notice:<kind>` for a notice about that message, `digest:<issue>`, or a membership event.
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
    /// Part `part` (1, 2, ...) of digest issue `issue` (a `digest_issues` row).
    case digest(issue: Int64, part: Int)
    /// A message about a membership that no archived message caused, e.g. `welcome:<membership id>`: unique by
    /// (recipient, purpose).
    case event(String)
    /// A member's "get" of an archived post (the outbox row's message), answering request `request` (the
    /// archive row of the `list+get.<n>@` mail): each request its own copy (DG-12).
    case get(request: Int64)

    /// The stored form: `post`, `notice:<kind>`, `digest:<issue>` or, from the second part, `digest:<issue>.<part>`,
    /// `get:<request>`.
    public var rawValue: String {
        switch self {
        case .post: "post"
        case .notice(let kind): "notice:\(kind)"
        case .digest(let issue, let part): part <= 1 ? "digest:\(issue)" : "digest:\(issue).\(part)"
        case .event(let name): name
        case .get(let request): "get:\(request)"
        }
    }
}


/// The durable outbox: functions over a GRDB `Database` that the caller runs inside its own transactions.
///
/// Delivery guarantee: a copy is claimed before it is sent (by the sender's workers in memory, ``OutboxClaims``,
/// the row staying `pending`; without a journal, marked `sending` with its claimer in a committed transaction),
/// then `handed` just before it is handed to SMTP, and `sent` after the server's 250. The sender's
/// workers write those two marks first as lines of their journal (``OutboxJournal``, one `write(2)` each) and
/// commit the `sent` marks in batches; at the next start ``applyJournal(_:handed:sent:now:)`` turns what a dead
/// worker journaled into rows. If the process dies between the 250 and its mark, the copy is handed without an
/// answer; at the next start it is due again (its attempt counted) and sent again. That window (at most one
/// copy per worker, or one transaction's copies when byte-identical copies share it, ``OutboxTransaction``) is
/// the one place a copy can be delivered twice: SMTP has no way to ask the server "did you
/// already accept this?", and the alternative, marking before sending, would lose the copy instead. Rows claimed but never handed are given back as never
/// attempted. Only rows of a claimer that is gone are recovered (`run` holds the process lock, so every other
/// claimer is gone). A graceful stop (SIGTERM) waits for the reply and commits it, so it never duplicates.
public enum Outbox {
    /// Adds the copies of archived message `messageID` of list `listID`, inside the caller's transaction
    /// (the ingest transaction). Copies already present (same message and recipient) are skipped.
    /// - Returns: how many rows were added.
    @discardableResult
    public static func enqueue(_ db: Database, listID: String, messageID: Int64?, purpose: OutboxPurpose = .post,
                               copies: [OutgoingCopy],
                               now: Date = Date()) throws -> Int {
        // A fan-out hands the same body array to every copy: its storage identifies it without hashing its bytes
        // again (hashing a 30 KB body per copy cost more than the rest of the enqueue). Equal bodies in different
        // arrays meet at their SHA-256 in the store.
        var previous: (storage: UnsafeRawPointer?, count: Int, id: Int64)?
        var added = 0
        let stamp = StoreDate.value(now)
        // Per-copy VERP (BN-1): the token names the copy's row. The row gets the id SQLite would give it (one more
        // than the largest; the caller's write transaction holds the only writer), so that the envelope sender is
        // written with the row instead of by an UPDATE after it.
        var nextID = copies.contains { $0.bounceEnvelope != nil } ? try OutboxCopyRecord.nextID(db) : nil
        for copy in copies {
            let storage = copy.shared.withUnsafeBytes { $0.baseAddress }
            let bodyID: Int64
            if let known = previous, known.storage == storage, known.count == copy.shared.count, storage != nil {
                bodyID = known.id
            } else {
                let digest = copy.sharedDigest ?? Self.digest(of: copy.shared)
                bodyID = try OutboxBodyRecord.storedID(db, digest: digest, bytes: Data(copy.shared))
                previous = (storage, copy.shared.count, bodyID)
            }
            let id = copy.bounceEnvelope == nil ? nil : nextID
            let envelopeFrom = id.flatMap { id in copy.bounceEnvelope?.address(copyID: id) } ?? copy.envelopeFrom
            if try OutboxCopyRecord.insertPending(db, id: id, listID: listID, messageID: messageID,
                                                  purpose: purpose.rawValue, recipient: copy.recipient,
                                                  envelopeFrom: envelopeFrom, headerPrefix: Data(copy.headerPrefix),
                                                  bodyID: bodyID, now: stamp) {
                added += 1
                if nextID != nil { nextID = db.lastInsertedRowID + 1 }
            }
        }
        return added
    }

    /// The key the outbox stores a body under: its SHA-256, lower-case hex.
    public static func digest(of body: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: body) { out += [hex[Int(byte >> 4)], hex[Int(byte & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// Records that a claimed copy is about to be handed to SMTP: from now on it may have been delivered.
    public static func markHanded(_ db: Database, id: Int64, now: Date = Date()) throws {
        try markHanded(db, ids: [id], now: now)
    }

    /// ``markHanded(_:id:now:)`` for several copies (one SMTP transaction's), in one statement.
    public static func markHanded(_ db: Database, ids: [Int64], now: Date = Date()) throws {
        try OutboxCopyRecord.markHanded(db, ids: ids, now: now)
    }

    /// Records the server's acceptance (250) of a claimed copy. A notice's body is emptied once every copy of it
    /// is sent: a moderation request carries a usable token, and the database keeps only its hash (in `holds`).
    public static func markSent(_ db: Database, id: Int64, now: Date = Date()) throws {
        try markSent(db, ids: [id], now: now)
    }

    /// ``markSent(_:id:now:)`` for several copies (a worker's batch of acceptances), with one `now`: one statement
    /// for the marks and one for the notices' bodies, whatever the number of copies.
    public static func markSent(_ db: Database, ids: [Int64], now: Date = Date()) throws {
        try OutboxCopyRecord.markSent(db, ids: ids, now: now)
        try OutboxBodyRecord.redactIfNoticeSent(db, copyIDs: ids)
    }

    /// At start-up, before ``recover(_:now:current:)``: what a stopped worker's journal (``OutboxJournal``)
    /// recorded since its last commit. Copies the server accepted are marked sent. Copies handed to SMTP without an
    /// answer may have been delivered and are sent again: claimed in the rows (`sending`), they are marked handed
    /// (``recover(_:now:current:)`` then makes them due, attempt kept); claimed in memory (``OutboxClaims``: still
    /// `pending`, so still due), their attempt is counted, once: a row whose count already has the attempt number
    /// its line records (its outcome was committed after the line was written, or an earlier replay of the same
    /// journal committed) is left as it is, as are rows sent or failed since.
    /// - Parameter attempts: each handed copy's attempt number, from its line (lines written before stop 20, by
    ///   a version that claimed in the rows, have none: their copies are `sending`, or had their outcome committed).
    /// - Returns: the copies claimed in memory that were handed without an answer (``Recovery/maybeSent`` adds them).
    @discardableResult
    public static func applyJournal(_ db: Database, handed: [Int64], sent: [Int64], attempts: [Int64: Int],
                                    now: Date = Date()) throws -> Int {
        try markSent(db, ids: sent, now: now)
        try markHanded(db, ids: handed, now: now)
        return try OutboxCopyRecord.countHandedAttempt(db, attempts: attempts)
    }

    /// Records a failed attempt: a permanent error fails the copy at once; a transient one schedules the next
    /// attempt with backoff, or fails the copy when the next attempt would fall after the retry period.
    /// - Returns: the row's new status.
    @discardableResult
    public static func markFailed(_ db: Database, id: Int64, error: SMTPError, policy: RetryPolicy,
                                  now: Date = Date()) throws -> OutboxStatus {
        guard let row = try OutboxCopyRecord.fetchOne(db, key: id) else { return .failed }
        // A copy claimed in memory is still `pending`: this attempt is not counted in its row yet.
        let attempts = row.status == .pending ? row.attempts + 1 : row.attempts
        let next = now.addingTimeInterval(policy.delay(afterAttempts: attempts))
        let status: OutboxStatus = (error.kind == .permanent || next > row.retryFrom.addingTimeInterval(policy.period))
            ? .failed : .pending
        try OutboxCopyRecord.recordFailure(db, id: id, status: status, attempts: attempts, nextAttemptAt: next,
                                           kind: error.kind.rawValue, code: error.code, command: error.command,
                                           text: String(error.reply.prefix(1000)))
        return status
    }

    /// Gives back claimed copies that were not attempted (graceful stop): `pending`, attempt not counted.
    public static func release(_ db: Database, ids: [Int64]) throws {
        try OutboxCopyRecord.release(db, ids: ids)
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
        let maybeSent = try OutboxCopyRecord.recoverSending(db, handed: true, now: now, current: current)
        let notAttempted = try OutboxCopyRecord.recoverSending(db, handed: false, now: now, current: current)
        return Recovery(maybeSent: maybeSent, notAttempted: notAttempted)
    }

    /// `outbox retry`: failed copies (all, of one list, or the given ids) are due again now, with a new
    /// retry period.
    /// - Returns: how many copies were rescheduled.
    @discardableResult
    public static func retry(_ db: Database, ids: [Int64]? = nil, listID: String? = nil, now: Date = Date()) throws -> Int {
        if let ids, ids.isEmpty { return 0 }
        return try OutboxCopyRecord.retryFailed(db, ids: ids, listID: listID, now: now)
    }

    /// `outbox retry`: pending copies (all, of one list, or the given ids) waiting for their backoff are due now
    /// (``retry(_:ids:listID:now:)`` takes failed copies only).
    /// - Returns: how many copies were made due.
    @discardableResult
    public static func hastenWaiting(_ db: Database, ids: [Int64]? = nil, listID: String? = nil,
                                     now: Date = Date()) throws -> Int {
        if let ids, ids.isEmpty { return 0 }
        return try OutboxCopyRecord.hastenPending(db, ids: ids, listID: listID, now: now)
    }

    /// `outbox list`: rows filtered by status, list and message, oldest first.
    /// - Parameter inFlight: copies a sender claimed in memory and handed to SMTP (``inFlight(databasePath:)``):
    ///   still `pending` in their rows, listed as `sending`.
    public static func list(_ db: Database, status: OutboxStatus? = nil, listID: String? = nil,
                            messageID: Int64? = nil, limit: Int = 1000, inFlight: Set<Int64> = []) throws -> [OutboxEntry] {
        if inFlight.isEmpty || status == .sent || status == .failed {
            return try OutboxCopyRecord.list(db, status: status, listID: listID, messageID: messageID, limit: limit)
                .map(OutboxEntry.init)
        }
        return try listInFlight(db, status: status, listID: listID, messageID: messageID, limit: limit,
                                inFlight: inFlight)
    }

    /// Copies refused for good (5xx) since `date`: the per-recipient record for bounce processing.
    public static func permanentFailures(_ db: Database, since date: Date = .distantPast) throws -> [OutboxEntry] {
        try OutboxCopyRecord.permanentFailures(db, since: date).map(OutboxEntry.init)
    }

    /// Number of copies in each status (absent statuses are 0).
    /// - Parameter inFlight: as in ``list(_:status:listID:messageID:limit:inFlight:)``: counted as `sending`.
    public static func counts(_ db: Database, listID: String? = nil, inFlight: Set<Int64> = []) throws -> [OutboxStatus: Int] {
        var result = Dictionary(uniqueKeysWithValues: OutboxStatus.allCases.map { ($0, 0) })
        for (value, count) in try OutboxCopyRecord.countsByStatus(db, listID: listID) {
            if let status = OutboxStatus(rawValue: value) { result[status] = count }
        }
        let handed = try OutboxCopyRecord.pendingCount(db, ids: inFlight, listID: listID)
        result[.pending, default: 0] -= handed
        result[.sending, default: 0] += handed
        return result
    }

    /// The earliest `next_attempt_at` of a pending copy, if any.
    public static func nextDue(_ db: Database) throws -> Date? {
        try OutboxCopyRecord.nextDue(db)
    }

    /// Copies being sent, or pending and due at `now` (what a drain waits for).
    public static func dueOrSendingCount(_ db: Database, now: Date = Date()) throws -> Int {
        try OutboxCopyRecord.dueOrSendingCount(db, now: now)
    }

    /// Whether any copy is still pending or being sent.
    public static func hasUnfinished(_ db: Database) throws -> Bool {
        try OutboxCopyRecord.hasUnfinished(db)
    }
}

extension OutboxEntry {
    init(_ record: OutboxCopyRecord) {
        self.init(id: record.id, listID: record.listID, messageID: record.messageID, purpose: record.purpose,
                  recipient: record.recipient, envelopeFrom: record.envelopeFrom, status: record.status,
                  attempts: record.attempts, nextAttemptAt: record.nextAttemptAt,
                  lastErrorKind: record.lastErrorKind.flatMap(SMTPError.Kind.init(rawValue:)),
                  lastErrorCode: record.lastErrorCode, lastErrorCommand: record.lastErrorCommand,
                  lastErrorText: record.lastErrorText, createdAt: record.createdAt, sentAt: record.sentAt)
    }
}

extension Outbox {
    /// The bytes stored for the bodies of copies whose purpose starts with `purposePrefix` (`digest:`), each body
    /// once: what a benchmark reports as the size of what it queued.
    public static func storedBodyBytes(_ reader: any DatabaseReader, purposePrefix: String) throws -> Int {
        try reader.read { db in try OutboxBodyRecord.totalBytes(db, purposePrefix: purposePrefix) }
    }
}
