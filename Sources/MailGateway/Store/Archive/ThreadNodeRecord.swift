import Foundation
import GRDB

/// A row of `thread_nodes`: a Message-ID of a list, either of an accepted archived message
/// (`is_placeholder` = 0, `message_row` its row) or referenced by one and not archived (a placeholder). Thread
/// membership is the connected component of the reference graph.
struct ThreadNodeRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "thread_nodes"

    var listID: String
    var messageID: String
    var threadID: Int64
    var isPlaceholder: Bool
    var messageRow: Int64?

    enum CodingKeys: String, CodingKey {
        case listID = "list_id"
        case messageID = "message_id"
        case threadID = "thread_id"
        case isPlaceholder = "is_placeholder"
        case messageRow = "message_row"
    }

    /// Decodes by position: the statements below select every column in the table's order (ingest path).
    init(row: Row) {
        listID = row[0]
        messageID = row[1]
        threadID = row[2]
        isPlaceholder = row[3]
        messageRow = row[4]
    }

    init(listID: String, messageID: String, threadID: Int64, isPlaceholder: Bool, messageRow: Int64?) {
        self.listID = listID
        self.messageID = messageID
        self.threadID = threadID
        self.isPlaceholder = isPlaceholder
        self.messageRow = messageRow
    }
}

extension ThreadNodeRecord {
    /// The nodes of `list` among `messageIDs`, in one statement.
    static func find(_ db: Database, list: String, messageIDs: [String]) throws -> [ThreadNodeRecord] {
        try ThreadNodeRecord.fetchAll(db.cachedStatement(sql: """
            SELECT list_id, message_id, thread_id, is_placeholder, message_row FROM thread_nodes
            WHERE list_id = ? AND message_id IN (SELECT value FROM json_each(?))
            """), arguments: [list, JSONArray.text(messageIDs)])
    }

    /// Whether `messageID` of `list` has the node of an archived message (not a placeholder).
    static func hasMessageNode(_ db: Database, list: String, messageID: String) throws -> Bool {
        try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT message_row FROM thread_nodes WHERE list_id = ? AND message_id = ? AND is_placeholder = 0
            """), arguments: [list, messageID]) != nil
    }

    /// Records the node of an archived message (filling its placeholder, if any) in thread `threadID`.
    static func saveMessage(_ db: Database, list: String, messageID: String, messageRow: Int64,
                            threadID: Int64) throws {
        try db.cachedStatement(sql: """
            INSERT INTO thread_nodes (list_id, message_id, thread_id, is_placeholder, message_row)
            VALUES (?, ?, ?, 0, ?)
            ON CONFLICT (list_id, message_id) DO UPDATE SET
                thread_id = excluded.thread_id, is_placeholder = 0, message_row = excluded.message_row
            """).execute(arguments: [list, messageID, threadID, messageRow])
    }

    /// Records a placeholder in thread `threadID` for each of `messageIDs` that has no node yet.
    static func insertPlaceholders(_ db: Database, list: String, messageIDs: [String], threadID: Int64) throws {
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO thread_nodes (list_id, message_id, thread_id, is_placeholder, message_row)
            SELECT ?, value, ?, 1, NULL FROM json_each(?)
            """).execute(arguments: [list, threadID, JSONArray.text(messageIDs)])
    }

    /// Moves every node of the threads `from` to thread `threadID`.
    static func move(_ db: Database, from: [Int64], to threadID: Int64) throws {
        try db.cachedStatement(sql: "UPDATE thread_nodes SET thread_id = ? WHERE thread_id IN (SELECT value FROM json_each(?))")
            .execute(arguments: [threadID, JSONArray.text(from)])
    }
}
