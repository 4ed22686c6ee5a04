import Foundation
import GRDB

/// The reads behind `mailgateway bounces list` and `bounces show` (``BounceQueries``).
enum BounceReadQueries {
    static func summaries(_ db: Database, addressKey: String?) throws -> [BounceAddressSummary] {
        var sql = """
            SELECT e.address_key, max(e.address) AS address, count(*) AS events, max(e.at) AS last_at,
                   sum(CASE WHEN e.class = 'hard' THEN 1 ELSE 0 END) AS hard,
                   sum(CASE WHEN e.class = 'soft' THEN 1 ELSE 0 END) AS soft,
                   sum(CASE WHEN e.class = 'policy' THEN 1 ELSE 0 END) AS policy,
                   sum(CASE WHEN e.class = 'content' THEN 1 ELSE 0 END) AS content,
                   sum(CASE WHEN e.class = 'unknown' THEN 1 ELSE 0 END) AS unknown,
                   coalesce(a.score, 0) AS score, coalesce(a.state, 'active') AS state
            FROM bounce_events e LEFT JOIN bounce_addresses a ON a.address_key = e.address_key
            """
        var arguments: StatementArguments = []
        if let addressKey {
            sql += " WHERE e.address_key = ?"
            arguments += [addressKey]
        }
        sql += " GROUP BY e.address_key ORDER BY e.address_key"
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            BounceAddressSummary(
                address: row["address"], state: row["state"], score: row["score"], events: row["events"],
                lastEventAt: row["last_at"],
                byClass: ["hard": row["hard"], "soft": row["soft"], "policy": row["policy"], "content": row["content"],
                          "unknown": row["unknown"]].filter { $0.value > 0 })
        }
    }
}
