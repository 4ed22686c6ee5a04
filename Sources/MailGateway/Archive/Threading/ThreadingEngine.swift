import Foundation
import GRDB

/// Incremental threading inside the ingest transaction (JWZ semantics, per list), of accepted messages only:
/// a message that was not accepted gets a thread of its own that no reference reaches and no listing shows
/// (``unlistedThread(_:list:subject:)``), and is threaded when it is approved (``threadLate(_:messageRow:)``).
/// Only the bounded chain of ``ThreadReferences`` counts, so a message writes at most ~21 nodes.
///
/// - Membership: the connected components of the reference graph. Every Message-ID seen in a list has a
///   `thread_nodes` row, as a message or as a placeholder for a referenced-but-absent id. A new message joins
///   the thread of every node it references or that referenced it; when these are several threads they merge
///   into the oldest (smallest id), the others' rows move to it and their `threads` rows are deleted.
/// - Subject fallback: a reply (`Re:`, `AW:`...) with no usable reference joins the most recently active thread
///   of the list with the same base subject that has a message dated within ``subjectWindow`` before the reply
///   (or up to a day after it, for clock skew).
/// - Parent: the last candidate of ``ThreadReferences/chain(messageID:inReplyTo:references:)`` that is an
///   archived message; cycles are broken. When a message fills a placeholder (reply before parent), the
///   parents of its whole thread are recomputed, since earlier replies may now have a nearer ancestor.
enum ThreadingEngine {
    /// How far back a reply without references may find its thread by subject. 30 days: long enough for a
    /// reply to a monthly post or after holidays, short enough that a yearly "Re: Agenda" does not join last
    /// year's thread.
    static let subjectWindow: TimeInterval = 30 * 86_400
    /// Clock skew allowed after the reply date in the subject fallback.
    static let subjectSkew: TimeInterval = 86_400

    struct Node {
        var threadID: Int64
        var isPlaceholder: Bool
        var messageRow: Int64?
    }

    struct Assignment {
        var threadID: Int64
        /// The message's own node was a placeholder: some archived message referenced it.
        var filledPlaceholder: Bool
        /// Threads merged into `threadID`.
        var merged: [Int64]
        /// The parent row, when it could be decided without recomputing the thread.
        var parent: Int64?
        /// Whether the thread was found through the subject fallback.
        var bySubject: Bool
    }

    /// JSON array text of `ids`, for `json_each(?)` (one statement whatever the number of references).
    static func jsonArray(_ ids: [String]) -> String {
        var out = "["
        for (n, id) in ids.enumerated() {
            if n > 0 { out += "," }
            out += "\""
            // Message-IDs almost never need escaping: append them whole when they don't.
            if !id.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
                out += id
                out += "\""
                continue
            }
            for scalar in id.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            out += "\""
        }
        return out + "]"
    }

    static func jsonArray(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    /// Finds (or creates) the thread of a message about to be inserted, merging threads it connects.
    static func assign(_ db: Database, list: String, messageID: String, chain: [String], subject: String,
                       date: Date) throws -> Assignment {
        var nodes: [String: Node] = [:]
        let lookup = try db.cachedStatement(sql: """
            SELECT message_id, thread_id, is_placeholder, message_row FROM thread_nodes
            WHERE list_id = ? AND message_id IN (SELECT value FROM json_each(?))
            """)
        let rows = try Row.fetchCursor(lookup, arguments: [list, jsonArray(chain + [messageID])])
        while let row = try rows.next() {
            nodes[row[0]] = Node(threadID: row[1], isPlaceholder: row[2], messageRow: row[3])
        }
        let threadIDs = Set(nodes.values.map(\.threadID))
        var bySubject = false
        let threadID: Int64
        var merged: [Int64] = []
        if let oldest = threadIDs.min() {
            threadID = oldest
            merged = threadIDs.filter { $0 != oldest }.sorted()
            if !merged.isEmpty { try merge(db, into: oldest, from: merged) }
        } else {
            let normalized = SubjectNormalizer.normalize(subject)
            if chain.isEmpty, normalized.isReply, !normalized.base.isEmpty,
               let found = try threadBySubject(db, list: list, base: normalized.base, date: date) {
                threadID = found
                bySubject = true
            } else {
                let create = try db.cachedStatement(sql: """
                    INSERT INTO threads (list_id, subject, base_subject) VALUES (?, ?, ?)
                    """)
                try create.execute(arguments: [list, subject, normalized.base])
                threadID = db.lastInsertedRowID
            }
        }
        let filled = nodes[messageID]?.isPlaceholder == true
        var parent: Int64?
        if !filled {
            // Nobody referenced this message, so it has no descendants: no cycle is possible.
            parent = chain.reversed().lazy.compactMap { nodes[$0]?.messageRow }.first
        }
        return Assignment(threadID: threadID, filledPlaceholder: filled, merged: merged, parent: parent,
                          bySubject: bySubject)
    }

    /// A thread row of its own for a message that is not accepted (held, rejected, discarded, a bounce). No
    /// thread node is written for it, so its references join and merge nothing, no later message finds it,
    /// and it writes no placeholder; its empty base subject keeps the subject fallback away, and with no
    /// accepted message the thread is listed nowhere. Approval threads the message (``threadLate(_:messageRow:)``)
    /// and drops this row.
    static func unlistedThread(_ db: Database, list: String, subject: String) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO threads (list_id, subject, base_subject) VALUES (?, ?, '')")
            .execute(arguments: [list, subject])
        return db.lastInsertedRowID
    }

    /// Threads an archived message that was kept out of the threads (it was not accepted when it arrived), as
    /// if it arrived now: its thread is found or created, threads it connects merge, its node and placeholders
    /// are written and parents recomputed when it fills a placeholder; its own unlisted thread row goes. A
    /// message that already has its node (archived accepted, or by a version that threaded everything) is left
    /// as it is. The caller refreshes the figures of the message's thread.
    static func threadLate(_ db: Database, messageRow: Int64) throws {
        guard let r = try Row.fetchOne(db, sql: """
            SELECT list_id, message_id, in_reply_to, refs, subject, date, thread_id FROM messages WHERE id = ?
            """, arguments: [messageRow]) else { return }
        let list: String = r[0]
        let messageID: String = r[1]
        let irt: String? = r[2]
        let refs: String = r[3]
        let unlisted: Int64 = r[6]
        let node = try Int64.fetchOne(db, sql: """
            SELECT message_row FROM thread_nodes WHERE list_id = ? AND message_id = ? AND is_placeholder = 0
            """, arguments: [list, messageID])
        guard node == nil else { return }
        let chain = ThreadReferences.chain(messageID: messageID, inReplyTo: split(irt ?? ""), references: split(refs))
        let assignment = try assign(db, list: list, messageID: messageID, chain: chain, subject: r[4], date: r[5])
        try db.execute(sql: "UPDATE messages SET thread_id = ?, parent = ?, threaded_by_subject = ? WHERE id = ?",
                       arguments: [assignment.threadID, assignment.parent, assignment.bySubject, messageRow])
        try recordNodes(db, list: list, messageID: messageID, messageRow: messageRow, threadID: assignment.threadID,
                        chain: chain)
        if assignment.filledPlaceholder {
            try recomputeParents(db, threadID: assignment.threadID)
        }
        try db.execute(sql: """
            DELETE FROM threads WHERE id = :t AND NOT EXISTS (SELECT 1 FROM messages WHERE thread_id = :t)
                AND NOT EXISTS (SELECT 1 FROM thread_nodes WHERE thread_id = :t)
            """, arguments: ["t": unlisted])
    }

    /// Records the message's own node and placeholders for its absent references.
    static func recordNodes(_ db: Database, list: String, messageID: String, messageRow: Int64, threadID: Int64,
                            chain: [String]) throws {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO thread_nodes (list_id, message_id, thread_id, is_placeholder, message_row)
            VALUES (?, ?, ?, 0, ?)
            ON CONFLICT (list_id, message_id) DO UPDATE SET
                thread_id = excluded.thread_id, is_placeholder = 0, message_row = excluded.message_row
            """)
        try upsert.execute(arguments: [list, messageID, threadID, messageRow])
        guard !chain.isEmpty else { return }
        let placeholders = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO thread_nodes (list_id, message_id, thread_id, is_placeholder, message_row)
            SELECT ?, value, ?, 1, NULL FROM json_each(?)
            """)
        try placeholders.execute(arguments: [list, threadID, jsonArray(chain)])
    }

    static func merge(_ db: Database, into survivor: Int64, from others: [Int64]) throws {
        let json = jsonArray(others)
        try db.cachedStatement(sql: "UPDATE thread_nodes SET thread_id = ? WHERE thread_id IN (SELECT value FROM json_each(?))")
            .execute(arguments: [survivor, json])
        try db.cachedStatement(sql: "UPDATE messages SET thread_id = ? WHERE thread_id IN (SELECT value FROM json_each(?))")
            .execute(arguments: [survivor, json])
        try db.cachedStatement(sql: "DELETE FROM threads WHERE id IN (SELECT value FROM json_each(?))")
            .execute(arguments: [json])
    }

    static func threadBySubject(_ db: Database, list: String, base: String, date: Date) throws -> Int64? {
        let statement = try db.cachedStatement(sql: """
            SELECT t.id FROM threads t
            WHERE t.list_id = ? AND t.base_subject = ?
              AND EXISTS (SELECT 1 FROM messages m WHERE m.thread_id = t.id AND m.date BETWEEN ? AND ?)
            ORDER BY (SELECT max(m.date) FROM messages m WHERE m.thread_id = t.id) DESC, t.id
            LIMIT 1
            """)
        return try Int64.fetchOne(statement, arguments: [
            list, base, date.addingTimeInterval(-subjectWindow), date.addingTimeInterval(subjectSkew),
        ])
    }

    /// Recomputes the parent of every message of a thread, in arrival order, breaking cycles. Linear in the
    /// thread's size (times the bounded chain): the parents chosen so far form a forest in which the message
    /// being placed is a root, so a candidate would close a loop exactly when its tree is rooted at that
    /// message, which ``RootedForest`` answers in near-constant time.
    static func recomputeParents(_ db: Database, threadID: Int64) throws {
        struct Item { var row: Int64; var messageID: String; var irt: String?; var refs: String; var parent: Int64? }
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT id, message_id, in_reply_to, refs, parent FROM messages WHERE thread_id = ? ORDER BY id"),
            arguments: [threadID])
        let items = rows.map { Item(row: $0[0], messageID: $0[1], irt: $0[2], refs: $0[3], parent: $0[4]) }
        var indexOf: [String: Int] = [:]
        for (i, item) in items.enumerated() { indexOf[item.messageID] = i }
        var forest = RootedForest(count: items.count)
        let update = try db.cachedStatement(sql: "UPDATE messages SET parent = ? WHERE id = ?")
        for (i, item) in items.enumerated() {
            let chain = ThreadReferences.chain(
                messageID: item.messageID,
                inReplyTo: split(item.irt ?? ""), references: split(item.refs))
            var chosen: Int?
            for candidate in chain.reversed() {
                guard let c = indexOf[candidate], c != i else { continue }
                if forest.root(of: c) == i { continue }
                chosen = c
                break
            }
            if let chosen { forest.attach(i, under: chosen) }
            let parent = chosen.map { items[$0].row }
            if parent != item.parent { try update.execute(arguments: [parent, item.row]) }
        }
    }

    static func split(_ text: String) -> [String] {
        text.split(separator: " ").map(String.init)
    }

    /// Updates a thread's figures for one newly inserted accepted message, when nothing else in the thread
    /// changed (no merge, no parent recomputed): the same result as ``refreshStats(_:threadID:)`` without
    /// aggregating the whole thread.
    static func addToStats(_ db: Database, threadID: Int64, messageRow: Int64, date: Date, fromAddress: String?,
                           parent: Int64?) throws {
        let statement = try db.cachedStatement(sql: """
            UPDATE threads SET
                message_count = message_count + 1,
                participant_count = participant_count + (CASE WHEN :from IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM messages WHERE thread_id = :t AND status = 'accepted' AND id != :r
                    AND from_address IS NOT NULL AND lower(from_address) = lower(:from)) THEN 1 ELSE 0 END),
                first_date = CASE WHEN first_date IS NULL OR :d < first_date THEN :d ELSE first_date END,
                last_date = CASE WHEN last_date IS NULL OR :d > last_date THEN :d ELSE last_date END,
                root_message = CASE
                    WHEN root_message IS NULL THEN :r
                    WHEN :p IS NOT NULL THEN root_message
                    WHEN (SELECT parent FROM messages WHERE id = root_message) IS NOT NULL THEN :r
                    WHEN :d < (SELECT date FROM messages WHERE id = root_message) THEN :r
                    ELSE root_message END
            WHERE id = :t
            """)
        try statement.execute(arguments: ["t": threadID, "r": messageRow, "d": date, "from": fromAddress, "p": parent])
        try db.cachedStatement(sql: """
            UPDATE threads SET subject = (SELECT subject FROM messages WHERE id = threads.root_message)
            WHERE id = ? AND root_message = ?
            """).execute(arguments: [threadID, messageRow])
    }

    /// Refreshes a thread's displayed figures from its accepted messages.
    static func refreshStats(_ db: Database, threadID: Int64) throws {
        let statement = try db.cachedStatement(sql: """
            UPDATE threads SET
                message_count = (SELECT count(*) FROM messages WHERE thread_id = :t AND status = 'accepted'),
                participant_count = (SELECT count(DISTINCT lower(from_address)) FROM messages
                                     WHERE thread_id = :t AND status = 'accepted' AND from_address IS NOT NULL),
                first_date = (SELECT min(date) FROM messages WHERE thread_id = :t AND status = 'accepted'),
                last_date = (SELECT max(date) FROM messages WHERE thread_id = :t AND status = 'accepted'),
                root_message = (SELECT id FROM messages WHERE thread_id = :t AND status = 'accepted'
                                ORDER BY parent IS NOT NULL, date, id LIMIT 1)
            WHERE id = :t
            """)
        try statement.execute(arguments: ["t": threadID])
        try db.cachedStatement(sql: """
            UPDATE threads SET subject = (SELECT subject FROM messages WHERE id = threads.root_message)
            WHERE id = ? AND root_message IS NOT NULL
            """).execute(arguments: [threadID])
    }
}
