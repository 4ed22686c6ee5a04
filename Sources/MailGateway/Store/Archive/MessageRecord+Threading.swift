import Foundation
import GRDB

/// The queries of ``ThreadingEngine`` on `messages`: a message's place in the threads (`thread_id`, `parent`,
/// `threaded_by_subject`) and the reference fields it is placed by.
extension MessageRecord {
    /// The fields that thread a message (``ThreadingEngine/threadLate(_:messageRow:)``).
    struct ThreadingFields: Sendable {
        var listID: String
        var messageID: String
        var inReplyTo: String?
        var refs: String
        var subject: String
        var date: Date
        var threadID: Int64
    }

    /// The fields of one message of a thread that its parent is computed from.
    struct Links: Sendable {
        var row: Int64
        var messageID: String
        var inReplyTo: String?
        var refs: String
        var parent: Int64?
    }

    /// The threading fields of message `row`.
    static func threadingFields(_ db: Database, row: Int64) throws -> ThreadingFields? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT list_id, message_id, in_reply_to, refs, subject, date, thread_id FROM messages WHERE id = ?
            """), arguments: [row]).map {
            ThreadingFields(listID: $0[0], messageID: $0[1], inReplyTo: $0[2], refs: $0[3], subject: $0[4],
                            date: $0[5], threadID: $0[6])
        }
    }

    /// Places message `row` in thread `threadID` under `parent`.
    static func setThread(_ db: Database, row: Int64, threadID: Int64, parent: Int64?, bySubject: Bool) throws {
        try db.cachedStatement(sql: "UPDATE messages SET thread_id = ?, parent = ?, threaded_by_subject = ? WHERE id = ?")
            .execute(arguments: [threadID, parent, bySubject, row])
    }

    /// Moves every message of the threads `from` to thread `threadID`.
    static func move(_ db: Database, from: [Int64], to threadID: Int64) throws {
        try db.cachedStatement(sql: "UPDATE messages SET thread_id = ? WHERE thread_id IN (SELECT value FROM json_each(?))")
            .execute(arguments: [threadID, JSONArray.text(from)])
    }

    /// The messages of thread `threadID` (every status), in arrival order.
    static func links(_ db: Database, threadID: Int64) throws -> [Links] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT id, message_id, in_reply_to, refs, parent FROM messages WHERE thread_id = ? ORDER BY id"),
            arguments: [threadID]
        ).map { Links(row: $0[0], messageID: $0[1], inReplyTo: $0[2], refs: $0[3], parent: $0[4]) }
    }

    /// Sets the parent of message `row`.
    static func setParent(_ db: Database, row: Int64, parent: Int64?) throws {
        try db.cachedStatement(sql: "UPDATE messages SET parent = ? WHERE id = ?").execute(arguments: [parent, row])
    }
}
