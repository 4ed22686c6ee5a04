import Foundation
package import GRDB

/// `message_fts`: the FTS5 index of accepted messages over `subject, body, author`, with external content (the
/// view `message_fts_source`, which shows accepted messages only), so the text is stored once and `snippet()`
/// works. Search finds accepted messages only, so only they are indexed: a message is indexed when it becomes
/// accepted (archived as such, or approved) and removed before it stops being accepted. Rejected, held or
/// discarded mail costs the archive no index entries. Raw SQL: FTS5 has no query interface.
package enum MessageFTS {
    /// Indexes message `row`, which is accepted, with the values `message_fts_source` gives for it (the values a
    /// later ``unindex(_:row:)`` and FTS5's `rebuild` use too). A message that is not accepted is left out.
    /// The values are read, then bound: an `INSERT … SELECT` into FTS5 opens a statement journal, which makes
    /// FTS5 write its pending terms at every message (review of stop 23: 886 against 226 µs a message).
    package static func index(_ db: Database, row: Int64) throws {
        guard let values = try sourceValues(db, row: row) else { return }
        try db.cachedStatement(sql: "INSERT INTO message_fts (rowid, subject, body, author) VALUES (?, ?, ?, ?)")
            .execute(arguments: [row] + values)
    }

    /// Removes message `row` from the index. Call it while the message is still accepted: FTS5 removes the terms
    /// of the values given, which are the view's (the indexed ones) only until its status changes.
    package static func unindex(_ db: Database, row: Int64) throws {
        guard let values = try sourceValues(db, row: row) else { return }
        try db.cachedStatement(sql: """
            INSERT INTO message_fts (message_fts, rowid, subject, body, author) VALUES ('delete', ?, ?, ?, ?)
            """).execute(arguments: [row] + values)
    }

    /// What `message_fts_source` gives for message `row` (subject, body, author), or nil when it is not accepted.
    private static func sourceValues(_ db: Database, row: Int64) throws -> StatementArguments? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT subject, body, author FROM message_fts_source WHERE id = ?"),
                         arguments: [row])
            .map { StatementArguments([$0[0] as DatabaseValue, $0[1], $0[2]]) }
    }

    /// Accepted messages matching the FTS5 query `match`, ranked by BM25 (subject 10, body 1, author 3), then
    /// latest first, with a snippet of the best matching column between `highlight` markers.
    package static func search(_ db: Database, match: String, filter: ArchiveSearch.Filter,
                       highlight: (start: String, end: String)) throws -> [ArchiveSearch.Hit] {
        // 1. The ranked page (MessageFTS+Ranking.swift).
        let page = try rankedPage(db, match: match, filter: filter)
        guard !page.isEmpty else { return [] }

        // 2. The page's details and snippets (a snippet reads and tokenizes the message's text: only these).
        //    `+rowid`: the page's ids filter the matches as FTS5 returns them, in one pass. A bare `rowid IN` is
        //    handed to FTS5 as one lookup per id, each reading the terms' doclists again (callgrind on the 20k
        //    archive: "database team", 892 hits, 4.6 M instructions against 14.5 M; the pass costs more only past
        //    about 5,000 hits: "the", 8,002 hits, 17.5 M against 12.2 M; docs/benchmarks.md).
        //    One statement for both, read in row id order (its natural order) into arrays searched by halving: no
        //    dictionary keyed by `Int64`, whose first use in a process costs a scan of every protocol conformance
        //    of the binary (0.4 M instructions).
        let ids = page.map(\.id).sorted()
        var rows: (ids: [Int64], rows: [Row]) = ([], [])
        // In slices, each under SQLite's limit of bound variables (32,766), whatever `--limit` asks for.
        for start in stride(from: 0, to: ids.count, by: 1_000) {
            let slice = ids[start..<min(start + 1_000, ids.count)]
            let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
            // CROSS JOIN: the matches outside, so that FTS5 is never asked for one row id at a time.
            for row in try Row.fetchAll(db, sql: """
                SELECT m.id, m.list_id, m.message_id, m.thread_id, m.subject, m.from_name, m.from_address, m.date,
                    snippet(message_fts, -1, '\(highlight.start)', '\(highlight.end)', '…', 16)
                FROM message_fts CROSS JOIN messages m ON m.id = message_fts.rowid
                WHERE message_fts MATCH ? AND +message_fts.rowid IN (\(marks)) ORDER BY message_fts.rowid
                """, arguments: [match] + StatementArguments(Array(slice))) {
                rows.ids.append(row[0])
                rows.rows.append(row)
            }
        }
        return try page.compactMap { hit in
            guard let found = position(of: hit.id, in: rows.ids) else { return nil }
            let row = rows.rows[found]
            // StoreDate reads GRDB's own form and hands every other to GRDB: nil is a date neither can read.
            guard let date = StoreDate.date(row[7]) else {
                throw DatabaseError(resultCode: .SQLITE_MISMATCH,
                                    message: "message \(hit.id) has a date that is not a date: \(String(describing: row[7] as DatabaseValue))")
            }
            return ArchiveSearch.Hit(messageRowID: hit.id, list: row[1], messageID: row[2], threadID: row[3],
                                     subject: row[4], fromName: row[5], fromAddress: row[6], date: date,
                                     rank: hit.rank, snippet: row[8])
        }
    }

    /// The index of `id` in `ids` (ascending), or nil.
    private static func position(of id: Int64, in ids: [Int64]) -> Int? {
        var low = 0, high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low < ids.count && ids[low] == id ? low : nil
    }
}
