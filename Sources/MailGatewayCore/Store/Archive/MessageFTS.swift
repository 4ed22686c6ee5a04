import Foundation
package import GRDB

/// `message_fts`: the FTS5 index of `messages` over `subject, body, author`, with external content (the view
/// `message_fts_source`), so the text is stored once and `snippet()` works. It holds every message; queries keep
/// accepted ones by joining `messages`. Raw SQL: FTS5 has no query interface.
package enum MessageFTS {
    /// Indexes message `row` (the same values as `message_fts_source` gives for it).
    package static func index(_ db: Database, row: Int64, subject: String, body: String, author: String) throws {
        try db.cachedStatement(sql: "INSERT INTO message_fts (rowid, subject, body, author) VALUES (?, ?, ?, ?)")
            .execute(arguments: [row, subject, body, author])
    }

    /// Accepted messages matching the FTS5 query `match`, ranked by BM25 (subject 10, body 1, author 3), then
    /// latest first, with a snippet of the best matching column between `highlight` markers.
    package static func search(_ db: Database, match: String, filter: ArchiveSearch.Filter,
                       highlight: (start: String, end: String)) throws -> [ArchiveSearch.Hit] {
        // 1. The ranked page: BM25 from the index and the filters from the covering index `messages_search`, so
        //    that no message row (whose status and date follow `raw`) and no text is read for the other hits.
        var sql = """
            SELECT m.id, bm25(message_fts, 10.0, 1.0, 3.0) AS rank
            FROM message_fts JOIN messages m INDEXED BY messages_search ON m.id = message_fts.rowid
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
        let page = try Row.fetchAll(db, sql: sql, arguments: arguments).map { (id: $0[0] as Int64, rank: $0[1] as Double) }
        guard !page.isEmpty else { return [] }

        // 2. The page's details and snippets (a snippet reads and tokenizes the message's text: only these).
        //    `+rowid`: the page's ids filter the matches as FTS5 returns them, in one pass. A bare `rowid IN` is
        //    handed to FTS5 as one lookup per id, each reading the terms' doclists again (callgrind on the 20k
        //    archive: "database team", 892 hits, 4.6 M instructions against 14.5 M; the pass costs more only past
        //    about 5,000 hits: "the", 8,002 hits, 17.5 M against 12.2 M; docs/benchmarks.md).
        var snippets: [Int64: String] = [:]
        var details: [Int64: Row] = [:]
        // In slices, each under SQLite's limit of bound variables (32,766), whatever `--limit` asks for.
        for start in stride(from: 0, to: page.count, by: 1_000) {
            let slice = page[start..<min(start + 1_000, page.count)]
            let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
            let ids = StatementArguments(slice.map(\.id))
            for row in try Row.fetchAll(db, sql: """
                SELECT rowid, snippet(message_fts, -1, '\(highlight.start)', '\(highlight.end)', '…', 16)
                FROM message_fts WHERE message_fts MATCH ? AND +rowid IN (\(marks))
                """, arguments: [match] + ids) {
                snippets[row[0]] = row[1]
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT id, list_id, message_id, thread_id, subject, from_name, from_address, date
                FROM messages WHERE id IN (\(marks))
                """, arguments: ids) {
                details[row[0]] = row
            }
        }
        return try page.compactMap { hit in
            guard let row = details[hit.id] else { return nil }
            // StoreDate reads GRDB's own form and hands every other to GRDB: nil is a date neither can read.
            guard let date = StoreDate.date(row[7]) else {
                throw DatabaseError(resultCode: .SQLITE_MISMATCH,
                                    message: "message \(hit.id) has a date that is not a date: \(String(describing: row[7] as DatabaseValue))")
            }
            return ArchiveSearch.Hit(messageRowID: hit.id, list: row[1], messageID: row[2], threadID: row[3],
                                     subject: row[4], fromName: row[5], fromAddress: row[6], date: date,
                                     rank: hit.rank, snippet: snippets[hit.id] ?? "")
        }
    }
}
