public import Foundation
public import GRDB

/// A claimed copy as the sender needs it: the columns it reads, not the whole row (issue 12: the claim's row
/// decoding, dates included, was a visible part of a fan-out's CPU).
struct ClaimedCopyRow {
    var id: Int64
    var listID: String
    var recipient: String
    var envelopeFrom: String
    var headerPrefix: Data
    var bodyID: Int64
    var attempts: Int
}

/// The outbox's state writes for many copies at once: one cached statement per batch instead of one per copy
/// (issue 12). A batch's ids are bound as one JSON array and read back with `json_each`, so the statement's text,
/// hence its cache entry, does not depend on the batch's size. Each statement finds its rows by primary key:
/// `+status` and the CROSS JOIN keep SQLite (without `ANALYZE` statistics) from walking the `outbox_due` index
/// through every copy of a status instead (every `sent` copy of a fan-out at each commit: measured 14 us a copy
/// and growing, against 0.5).
extension OutboxCopyRecord {
    /// The JSON array `[1,2,3]` of `ids`.
    static func idArray(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    /// Marks up to `limit` due pending copies `sending` for `claimer`, counting the attempt, in one statement.
    /// - Returns: the claimed copies, as updated.
    static func claimDueCopies(_ db: Database, limit: Int, now: Date, claimer: String) throws -> [ClaimedCopyRow] {
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ?, claimed_by = ?, handed_at = NULL
            WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
                         ORDER BY next_attempt_at, id LIMIT ?)
            RETURNING id, list_id, recipient, envelope_from, header_prefix, body_id, attempts
            """), arguments: [StoreDate.value(now), claimer, StoreDate.value(now), limit])
        var claimed: [ClaimedCopyRow] = []
        claimed.reserveCapacity(limit)
        while let row = try rows.next() {
            claimed.append(ClaimedCopyRow(id: row[0], listID: row[1], recipient: row[2], envelopeFrom: row[3],
                                          headerPrefix: row[4], bodyID: row[5], attempts: row[6]))
        }
        return claimed
    }

    /// The ids of up to `limit` due pending copies, in due order: a walk of the `outbox_due` index alone (it holds
    /// the rowid), for a claim kept in memory (``Outbox/claim(_:limit:now:claims:byteBudget:)``).
    static func dueIDs(_ db: Database, now: Date, limit: Int) throws -> [Int64] {
        try Int64.fetchAll(db.cachedStatement(sql: """
            SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?
            """), arguments: [StoreDate.value(now), limit])
    }

    /// The claim's columns of copies `ids`, read without changing them (a claim kept in memory).
    static func claimRows(_ db: Database, ids: [Int64]) throws -> [ClaimedCopyRow] {
        guard !ids.isEmpty else { return [] }
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT o.id, o.list_id, o.recipient, o.envelope_from, o.header_prefix, o.body_id, o.attempts
            FROM json_each(?) j CROSS JOIN outbox o ON o.id = j.value
            """), arguments: [idArray(ids)])
        var claimed: [ClaimedCopyRow] = []
        claimed.reserveCapacity(ids.count)
        while let row = try rows.next() {
            claimed.append(ClaimedCopyRow(id: row[0], listID: row[1], recipient: row[2], envelopeFrom: row[3],
                                          headerPrefix: row[4], bodyID: row[5], attempts: row[6]))
        }
        return claimed
    }

    /// Records that copies `ids` (still `sending`) are about to be handed to SMTP, in one statement.
    static func markHanded(_ db: Database, ids: [Int64], now: Date) throws {
        guard !ids.isEmpty else { return }
        try db.cachedStatement(sql: """
            UPDATE outbox SET handed_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND +status = 'sending'
            """).execute(arguments: [StoreDate.value(now), idArray(ids)])
    }

    /// Records the server's acceptance of copies `ids`, in one statement: claimed in the rows (`sending`, attempt
    /// counted) or in memory (`pending`: the attempt is counted now). A copy already sent or failed is left alone.
    static func markSent(_ db: Database, ids: [Int64], now: Date) throws {
        guard !ids.isEmpty else { return }
        try db.cachedStatement(sql: """
            UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + (status = 'pending')
            WHERE id IN (SELECT value FROM json_each(?)) AND +status IN ('sending', 'pending')
            """).execute(arguments: [StoreDate.value(now), idArray(ids)])
    }

    /// Counts the attempt of copies `ids` claimed in memory (still `pending`) that a dead worker's journal says were
    /// handed to SMTP without an answer: they may have been delivered, and are sent again (they are still due).
    /// `attempts` has each line's attempt number `n`; the copy is counted only while its row has `n - 1` attempts:
    /// a second replay of the line, or a line whose outcome was committed, changes nothing. A line without a
    /// number was written by a version that claimed in the rows (before stop 20): its copy, if still claimed, is
    /// `sending` (``markHanded(_:ids:now:)``), and a pending one had its outcome committed.
    /// - Returns: how many copies that was.
    static func countHandedAttempt(_ db: Database, attempts: [Int64: Int]) throws -> Int {
        guard !attempts.isEmpty else { return 0 }
        let statement = try db.cachedStatement(sql: """
            UPDATE outbox SET attempts = ?2 WHERE id = ?1 AND +status = 'pending' AND attempts = ?2 - 1
            """)
        var counted = 0
        for (id, attempt) in attempts {
            try statement.execute(arguments: [id, attempt])
            counted += db.changesCount
        }
        return counted
    }

    /// Gives back claimed copies `ids` that were not attempted: `pending`, attempt not counted, in one statement.
    static func release(_ db: Database, ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try db.cachedStatement(sql: """
            UPDATE outbox SET status = 'pending', attempts = MAX(attempts - 1, 0), handed_at = NULL, claimed_by = NULL
            WHERE id IN (SELECT value FROM json_each(?)) AND +status = 'sending'
            """).execute(arguments: [idArray(ids)])
    }
}

extension OutboxBodyRecord {
    /// Empties the body of each sent notice among copies `copyIDs` once every copy of that body is sent, in one
    /// statement (a fan-out of posts finds no notice among them and touches no body).
    static func redactIfNoticeSent(_ db: Database, copyIDs: [Int64]) throws {
        guard !copyIDs.isEmpty else { return }
        try db.cachedStatement(sql: """
            UPDATE outbox_body SET bytes = X'', digest = 'redacted:' || id
            WHERE id IN (SELECT o.body_id FROM json_each(?) j CROSS JOIN outbox o ON o.id = j.value
                         WHERE o.purpose LIKE 'notice:%' AND o.status = 'sent')
              AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.body_id = outbox_body.id AND o.status <> 'sent')
            """).execute(arguments: [OutboxCopyRecord.idArray(copyIDs)])
    }
}
