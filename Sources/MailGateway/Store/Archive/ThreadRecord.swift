import Foundation
import GRDB

/// A row of `threads`: ids only grow (AUTOINCREMENT), so the oldest thread is the smallest id. The figures count
/// accepted messages only; `base_subject` is the normalized subject of the first message (subject fallback),
/// empty for the unlisted thread of a held message, ``unlistedBaseSubject`` for a list's thread of rejected,
/// discarded and bounce mail.
struct ThreadRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    static let databaseTableName = "threads"

    var id: Int64?
    var listID: String
    var subject: String
    var baseSubject: String
    var rootMessage: Int64?
    var firstDate: Date?
    var lastDate: Date?
    var messageCount: Int
    var participantCount: Int

    enum CodingKeys: String, CodingKey {
        case id
        case listID = "list_id"
        case subject
        case baseSubject = "base_subject"
        case rootMessage = "root_message"
        case firstDate = "first_date"
        case lastDate = "last_date"
        case messageCount = "message_count"
        case participantCount = "participant_count"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension ThreadRecord {
    /// The base subject of a list's thread for the messages it rejected, discarded or recorded as bounces
    /// (``ThreadingEngine/unlistedThread(_:list:subject:status:)``): upper-case letters, which
    /// ``SubjectNormalizer/normalize(_:)`` never outputs (it lower-cases every character), so no subject fallback
    /// finds it.
    static let unlistedBaseSubject = "UNLISTED"

    /// The oldest thread of `list` whose base subject is `base`.
    static func firstWithBaseSubject(_ db: Database, list: String, base: String) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT id FROM threads WHERE list_id = ? AND base_subject = ? ORDER BY id LIMIT 1
            """), arguments: [list, base])
    }

    /// Creates an empty thread (no figures yet) and returns its id.
    static func create(_ db: Database, list: String, subject: String, baseSubject: String) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO threads (list_id, subject, base_subject) VALUES (?, ?, ?)")
            .execute(arguments: [list, subject, baseSubject])
        return db.lastInsertedRowID
    }

    /// The most recently active thread of `list` with base subject `base` that has a message (of any status)
    /// dated within `from...to`.
    static func latestBySubject(_ db: Database, list: String, base: String, from: Date, to: Date) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT t.id FROM threads t
            WHERE t.list_id = ? AND t.base_subject = ?
              AND EXISTS (SELECT 1 FROM messages m WHERE m.thread_id = t.id AND m.date BETWEEN ? AND ?)
            ORDER BY (SELECT max(m.date) FROM messages m WHERE m.thread_id = t.id) DESC, t.id
            LIMIT 1
            """), arguments: [list, base, from, to])
    }

    /// Deletes the threads `ids` (their nodes and messages must have moved first).
    static func delete(_ db: Database, ids: [Int64]) throws {
        try db.cachedStatement(sql: "DELETE FROM threads WHERE id IN (SELECT value FROM json_each(?))")
            .execute(arguments: [JSONArray.text(ids)])
    }

    /// Deletes thread `id` when no message and no node belongs to it any more.
    static func deleteIfEmpty(_ db: Database, id: Int64) throws {
        try db.cachedStatement(sql: """
            DELETE FROM threads WHERE id = :t AND NOT EXISTS (SELECT 1 FROM messages WHERE thread_id = :t)
                AND NOT EXISTS (SELECT 1 FROM thread_nodes WHERE thread_id = :t)
            """).execute(arguments: ["t": id])
    }

    /// Threads of a list with accepted messages, latest activity first; `since` keeps threads active at or after
    /// that instant.
    static func summaries(_ db: Database, list: String, since: Date?, limit: Int) throws -> [ThreadSummary] {
        var sql = "SELECT \(summaryColumns) FROM threads WHERE list_id = ? AND message_count > 0"
        var arguments: StatementArguments = [list]
        if let since {
            sql += " AND last_date >= ?"
            arguments += [since]
        }
        sql += " ORDER BY last_date DESC, id DESC LIMIT ?"
        arguments += [max(0, limit)]
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(summary)
    }

    /// Thread `id`, when it has accepted messages.
    static func summary(_ db: Database, id: Int64) throws -> ThreadSummary? {
        try Row.fetchOne(db, sql: "SELECT \(summaryColumns) FROM threads WHERE id = ? AND message_count > 0",
                         arguments: [id]).map(summary)
    }

    private static let summaryColumns =
        "id, list_id, subject, message_count, participant_count, first_date, last_date"

    private static func summary(_ row: Row) -> ThreadSummary {
        ThreadSummary(id: row[0], list: row[1], subject: row[2], messageCount: row[3], participantCount: row[4],
                      firstDate: row[5], lastDate: row[6])
    }
}
