import Foundation
import GRDB

/// A row of `lists`: one per list; `id` is the configuration's list id.
struct ListRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "lists"

    var id: String
    var address: String?
    var created: Date
}

extension ListRecord {
    /// Creates the list row if it is missing, and records its address when given (a known address is kept when
    /// `address` is nil).
    static func register(_ db: Database, id: String, address: String?, created: Date) throws {
        try db.cachedStatement(sql: """
            INSERT INTO lists (id, address, created) VALUES (?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET address = coalesce(excluded.address, lists.address)
            """).execute(arguments: [id, address, created])
    }

    /// Creates the list row if it is missing; an existing row is left as it is.
    /// (Runs once per message archived and once per commit of the mailbox state: the row is looked for first, so
    /// that no date is formatted for nothing.)
    static func ensure(_ db: Database, id: String, created: Date) throws {
        guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM lists WHERE id = ?"), arguments: [id]) != true
        else { return }
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO lists (id, created) VALUES (?, ?)")
            .execute(arguments: [id, StoreDate.value(created)])
    }

    /// Every list with its accepted message count, thread count and last post, by id.
    static func summaries(_ db: Database) throws -> [ListSummary] {
        try Row.fetchAll(db, sql: """
            SELECT l.id, l.address,
                   (SELECT count(*) FROM messages m WHERE m.list_id = l.id AND m.status = 'accepted'),
                   (SELECT count(*) FROM threads t WHERE t.list_id = l.id AND t.message_count > 0),
                   (SELECT max(date) FROM messages m WHERE m.list_id = l.id AND m.status = 'accepted')
            FROM lists l ORDER BY l.id
            """).map { ListSummary(id: $0[0], address: $0[1], messageCount: $0[2], threadCount: $0[3], lastPost: $0[4]) }
    }
}
