public import Foundation
public import GRDB

/// Claiming due copies: in the rows (``Outbox/claim(_:limit:now:claimer:byteBudget:)``, `sending`) or in the
/// sender's memory (``Outbox/claim(_:limit:now:claims:byteBudget:)``, rows left `pending`).
extension Outbox {
    /// The bytes of distinct messages one claim may hold in memory: a claim of 1,000 personalized copies of a post
    /// with a 10 MB attachment would otherwise build 10 GB of messages (each copy has its own header prefix).
    public static let claimByteBudget = 64 << 20

    /// Claims up to `limit` due copies for `claimer` (a ``Gateway/runID``): marks them `sending` and counts the
    /// attempt, in the caller's transaction (commit it before sending). Mark each one with ``markHanded(_:id:now:)``
    /// before handing it to SMTP.
    /// - Parameter byteBudget: the distinct message bytes the claim may build; the first copy is always claimed,
    ///   and the copies past the budget are given back in the same transaction (pending, attempt not counted).
    public static func claim(_ db: Database, limit: Int, now: Date = Date(), claimer: String = "",
                             byteBudget: Int = claimByteBudget) throws -> [OutboxJob] {
        let rows = try OutboxCopyRecord.claimDueCopies(db, limit: limit, now: now, claimer: claimer)
        return try jobs(db, rows: rows, attemptsCounted: true, byteBudget: byteBudget) { rest in
            try release(db, ids: rest)
        }
    }

    /// Claims up to `limit` due copies that no worker sharing `claims` holds, in memory only: the rows stay
    /// `pending` and their attempt is counted when its outcome is recorded (``markSent(_:ids:now:)``,
    /// ``markFailed(_:id:error:policy:now:)``, or ``applyJournal(_:handed:sent:now:)`` after a crash). Call it
    /// inside a write transaction (the database's writes are serialized: see ``OutboxClaims``), and give each copy
    /// back to `claims` once the transaction recording its outcome has committed. Only for a sender with an
    /// ``OutboxJournal``: the journal is then the only record that a copy was handed to SMTP.
    static func claim(_ db: Database, limit: Int, now: Date = Date(), claims: OutboxClaims,
                      byteBudget: Int = claimByteBudget) throws -> [OutboxJob] {
        // The due ids from the status index alone (a covering walk), past the ones other workers hold.
        let due = try OutboxCopyRecord.dueIDs(db, now: now, limit: limit + claims.count)
        let taken = claims.take(due, limit: limit)
        // Taken for this transaction only: if GRDB rolls it back (an error thrown in it, a commit that fails), the
        // copies are no one's, whatever the caller does next. A rollback SQLite makes by itself (a full disk, an
        // I/O error) is not reported to observers: the worker's write then throws, the sender's run ends, and the
        // set with it.
        db.afterNextTransaction(onCommit: { _ in }, onRollback: { _ in claims.release(taken) })
        let rows = try OutboxCopyRecord.claimRows(db, ids: taken)
        return try jobs(db, rows: rows, attemptsCounted: false, byteBudget: byteBudget) { rest in
            claims.release(rest)
        }
    }

    /// The jobs of claimed `rows`, in id order (the claim's own order is by due date, then id), so that the copies
    /// past `byteBudget`, handed to `giveBack`, are the last.
    /// - Parameter attemptsCounted: whether the rows' `attempts` already count this attempt.
    private static func jobs(_ db: Database, rows: [ClaimedCopyRow], attemptsCounted: Bool, byteBudget: Int,
                             giveBack: ([Int64]) throws -> Void) throws -> [OutboxJob] {
        let rows = rows.sorted { $0.id < $1.id }
        var bodies: [Int64: Data] = [:]
        var built = 0
        // Copies of one body with the same header prefix (every copy of a `personalize: false` list in one footer
        // language) get ONE message array: they share its storage instead of each copying the whole message, and
        // `OutboxTransaction.group` compares them in O(1) (Array `==` first compares the storage's identity).
        var messages: [MessageKey: [UInt8]] = [:]
        var jobs: [OutboxJob] = []
        jobs.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() {
            let key = MessageKey(bodyID: row.bodyID, headerPrefix: row.headerPrefix)
            let message: [UInt8]
            if let known = messages[key] {
                message = known
            } else {
                let body: Data
                if let known = bodies[row.bodyID] {
                    body = known
                } else {
                    body = try OutboxBodyRecord.bytes(db, id: row.bodyID)
                    bodies[row.bodyID] = body
                }
                let size = row.headerPrefix.count + body.count
                if !jobs.isEmpty, built + size > byteBudget {
                    try giveBack(rows[index...].map(\.id))
                    break
                }
                built += size
                var assembled = [UInt8]()
                assembled.reserveCapacity(size)
                assembled.append(contentsOf: row.headerPrefix)
                assembled.append(contentsOf: body)
                messages[key] = assembled
                message = assembled
            }
            jobs.append(OutboxJob(id: row.id, listID: row.listID, recipient: row.recipient,
                                  envelopeFrom: row.envelopeFrom, message: message,
                                  attempts: attemptsCounted ? row.attempts : row.attempts + 1))
        }
        return jobs
    }

    /// What makes two claimed copies' messages the same bytes: the stored body and the per-copy header fields.
    private struct MessageKey: Hashable {
        var bodyID: Int64
        var headerPrefix: Data
    }

    /// A claim's size when `workers` share the due copies: an equal share of them (so that a small fan-out is spread
    /// over every connection instead of going to the first worker that asks), between 1 and `batch`.
    /// - Parameter claimed: due copies claimed in memory (``OutboxClaims``), still `pending` in the rows: not counted.
    public static func claimLimit(_ db: Database, batch: Int, workers: Int, now: Date = Date(),
                                  claimed: Int = 0) throws -> Int {
        let due = try OutboxCopyRecord.dueCount(db, now: now, atMost: batch * workers + claimed) - claimed
        return min(batch, max(1, (due + workers - 1) / workers))
    }
}
