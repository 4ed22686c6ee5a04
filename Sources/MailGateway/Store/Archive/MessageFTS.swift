import Foundation
import GRDB

/// `message_fts`: the FTS5 index of `messages` over `subject, body, author`, with external content (the view
/// `message_fts_source`), so the text is stored once and `snippet()` works. It holds every message; queries keep
/// accepted ones by joining `messages`. Raw SQL: FTS5 has no query interface.
enum MessageFTS {
    /// Indexes message `row` (the same values as `message_fts_source` gives for it).
    static func index(_ db: Database, row: Int64, subject: String, body: String, author: String) throws {
        try db.cachedStatement(sql: "INSERT INTO message_fts (rowid, subject, body, author) VALUES (?, ?, ?, ?)")
            .execute(arguments: [row, subject, body, author])
    }

    /// Accepted messages matching the FTS5 query `match`, ranked by BM25 (subject 10, body 1, author 3), then
    /// latest first, with a snippet of the best matching column between `highlight` markers.
    static func search(_ db: Database, match: String, filter: ArchiveSearch.Filter,
                       highlight: (start: String, end: String)) throws -> [ArchiveSearch.Hit] {
        var sql = """
            SELECT m.id, m.list_id, m.message_id, m.thread_id, m.subject, m.from_name, m.from_address, m.date,
                   bm25(message_fts, 10.0, 1.0, 3.0) AS rank,
                   snippet(message_fts, -1, '\(highlight.start)', '\(highlight.end)', '…', 16) AS snippet
            FROM message_fts JOIN messages m ON m.id = message_fts.rowid
            WHERE message_fts MATCH ? AND m.status = 'accepted'
            """
        var arguments: StatementArguments = [match]
        if let list = filter.list {
            sql += " AND m.list_id = ?"
            arguments += [list]
        }
        if let from = filter.fromAddress {
            sql += " AND m.from_address = ? COLLATE NOCASE"
            arguments += [from]
        }
        if let since = filter.since {
            sql += " AND m.date >= ?"
            arguments += [since]
        }
        sql += " ORDER BY rank, m.date DESC LIMIT ?"
        arguments += [max(0, filter.limit)]
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            ArchiveSearch.Hit(messageRowID: row[0], list: row[1], messageID: row[2], threadID: row[3], subject: row[4],
                              fromName: row[5], fromAddress: row[6], date: row[7], rank: row[8], snippet: row[9] ?? "")
        }
    }
}
