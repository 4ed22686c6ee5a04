import Foundation
package import GRDB

extension MessageFTS {
    /// The BM25 weights of `subject`, `body` and `author`.
    private static let bm25 = "bm25(message_fts, 10.0, 1.0, 3.0)"

    /// The ids and BM25 scores of the page: accepted messages matching `match` and the filter, by score, then
    /// latest first, at most `filter.limit`.
    ///
    /// Without a filter beyond the status, the best scored matches are ranked first without reading `messages`,
    /// and only these candidates are checked (``rankedCandidates(_:match:limit:)``): `messages` is then read for
    /// a few dozen ids instead of every match (callgrind on the 20k archive: "necessary", 2,711 hits, 6.5 M
    /// instructions fewer; docs/benchmarks.md). The page is the same as the one query over every match gives.
    package static func rankedPage(_ db: Database, match: String, filter: ArchiveSearch.Filter) throws -> [(id: Int64, rank: Double)] {
        let limit = max(0, filter.limit)
        if filter.list == nil, filter.fromAddress == nil, filter.since == nil, (1...1_000).contains(limit),
           let page = try rankedCandidates(db, match: match, limit: limit) {
            return page
        }
        return try rankedJoin(db, match: match, filter: filter, limit: limit)
    }

    /// Every match joined to its message: BM25 from the index and the filters from the covering index
    /// `messages_search`, so that no message row (whose status and date follow `raw`) and no text is read.
    package static func rankedJoin(_ db: Database, match: String, filter: ArchiveSearch.Filter,
                                   limit: Int) throws -> [(id: Int64, rank: Double)] {
        var sql = """
            SELECT m.id, \(bm25) AS rank
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
        sql += " ORDER BY rank, m.date DESC, m.id LIMIT ?"
        arguments += [limit]
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { (id: $0[0], rank: $0[1]) }
    }

    /// The page from the `2 × limit + 20` best scored matches, or nil when they cannot prove it (a tie with the
    /// matches left out; or too few of them accepted, which the index holding accepted messages only rules out,
    /// and which the join keeps checking), for ``rankedJoin(_:match:filter:limit:)`` to give.
    ///
    /// One statement: the candidates, each with whether it is accepted, the accepted ones first in the join's
    /// order (`ORDER BY rank, m.date DESC, id` over the same doubles). Rows equal in score and date come in row id
    /// order in both statements: the row id is the last key of every sort (it was their order of arrival before it
    /// was written, which SQLite does not promise). Every match left out scores at least the last
    /// candidate's score, so the page is complete when all matches were candidates, or when it is full and its
    /// last score is below that one.
    package static func rankedCandidates(_ db: Database, match: String, limit: Int) throws -> [(id: Int64, rank: Double)]? {
        let count = 2 * limit + 20
        let rows = try Row.fetchAll(db, sql: """
            SELECT candidate.id, candidate.rank, m.id IS NOT NULL
            FROM (SELECT rowid AS id, \(bm25) AS rank FROM message_fts WHERE message_fts MATCH ? ORDER BY rank, rowid LIMIT ?)
                AS candidate
            LEFT JOIN messages m INDEXED BY messages_search ON m.id = candidate.id AND m.status = 'accepted'
            ORDER BY m.id IS NULL, candidate.rank, m.date DESC, candidate.id LIMIT ?
            """, arguments: [match, count, count])
        var page: [(id: Int64, rank: Double)] = []
        var worst = -Double.infinity
        for row in rows {
            let rank: Double = row[1]
            worst = max(worst, rank)
            if page.count < limit, row[2] as Bool { page.append((id: row[0], rank: rank)) }
        }
        if rows.count < count { return page }
        guard page.count == limit, let last = page.last, last.rank < worst else { return nil }
        return page
    }
}
