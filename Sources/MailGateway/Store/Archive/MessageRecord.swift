import Foundation
import GRDB

/// A row of `messages`: one archived message of a list, with its exact bytes (`raw`), the parsed fields, its
/// place in the threads and the policy decision. `UNIQUE(list_id, message_id)` makes re-ingest a no-op.
struct MessageRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    static let databaseTableName = "messages"

    var id: Int64?
    var listID: String
    /// Message-ID without angle brackets.
    var messageID: String
    /// True when the Message-ID was derived from the bytes.
    var synthetic: Bool
    var subject: String
    var fromName: String?
    var fromAddress: String?
    var date: Date
    var receivedAt: Date
    /// In-Reply-To ids, space separated, as written in angle brackets; nil when there are none.
    var inReplyTo: String?
    /// References ids, oldest first, space separated.
    var refs: String
    var text: String?
    var html: String?
    /// True when `text` was rendered from `html`.
    var textDerived: Bool
    var size: Int
    var raw: Data
    var threadID: Int64
    /// The parent message row, nil for a root.
    var parent: Int64?
    var threadedBySubject: Bool
    var status: ArchiveStatus
    var decisionRule: String?
    /// `imap` or `import` (``ArchiveSource/kind``).
    var source: String
    var uidValidity: Int64?
    var uid: Int64?

    enum CodingKeys: String, CodingKey {
        case id
        case listID = "list_id"
        case messageID = "message_id"
        case synthetic, subject
        case fromName = "from_name"
        case fromAddress = "from_address"
        case date
        case receivedAt = "received_at"
        case inReplyTo = "in_reply_to"
        case refs, text, html
        case textDerived = "text_derived"
        case size, raw
        case threadID = "thread_id"
        case parent
        case threadedBySubject = "threaded_by_subject"
        case status
        case decisionRule = "decision_rule"
        case source
        case uidValidity = "uidvalidity"
        case uid
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension MessageRecord {
    /// Inserts the row through one cached statement (ingest runs it for every message) and sets `id`.
    mutating func insertCached(_ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO messages (list_id, message_id, synthetic, subject, from_name, from_address, date, received_at,
                in_reply_to, refs, text, html, text_derived, size, raw, thread_id, parent, threaded_by_subject, status,
                decision_rule, source, uidvalidity, uid)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                listID, messageID, synthetic, subject, fromName, fromAddress, StoreDate.value(date), StoreDate.value(receivedAt),
                inReplyTo, refs, text,
                html, textDerived, size, raw, threadID, parent, threadedBySubject, status.rawValue, decisionRule,
                source, uidValidity, uid,
            ])
        id = db.lastInsertedRowID
    }

    /// The row of the message of `list` with Message-ID `messageID` (without angle brackets).
    static func rowID(_ db: Database, list: String, messageID: String) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM messages WHERE list_id = ? AND message_id = ?"),
                           arguments: [list, messageID])
    }

    /// The first row, in any list, of a message with Message-ID `messageID` (without angle brackets).
    static func firstRowID(_ db: Database, messageID: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM messages WHERE message_id = ? ORDER BY id LIMIT 1",
                           arguments: [messageID])
    }

    /// The policy status of message `row`, or nil when there is no such row (or its status is unknown).
    static func status(_ db: Database, row: Int64) throws -> ArchiveStatus? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM messages WHERE id = ?"), arguments: [row])
            .flatMap(ArchiveStatus.init(rawValue:))
    }

    /// Records a new policy decision; `decisionRule` nil keeps the rule recorded. The one statement that changes
    /// a message's status, so it keeps the search index to the accepted messages (``MessageFTS``): a message
    /// leaving `accepted` is removed from it first (while the content view still shows it), one becoming
    /// `accepted` is indexed after.
    static func setStatus(_ db: Database, row: Int64, status: ArchiveStatus, decisionRule: String?) throws {
        let wasAccepted = try Self.status(db, row: row) == .accepted
        if wasAccepted, status != .accepted {
            try MessageFTS.unindex(db, row: row)
        }
        try db.cachedStatement(sql: "UPDATE messages SET status = ?, decision_rule = coalesce(?, decision_rule) WHERE id = ?")
            .execute(arguments: [status.rawValue, decisionRule, row])
        if status == .accepted, !wasAccepted {
            try MessageFTS.index(db, row: row)
        }
    }

    /// How many messages of `list` (all lists when nil) from `address` (without case) received since `since` were
    /// recorded with `decisionRule`: the owner mail forwarded to a sender in a day, a member's get requests.
    static func count(_ db: Database, list: String? = nil, from address: String, decisionRule: String,
                      since: Date) throws -> Int {
        var arguments: StatementArguments = [decisionRule, since, address]
        if let list { arguments += [list] }
        return try Int.fetchOne(db.cachedStatement(sql: """
            SELECT count(*) FROM messages
            WHERE decision_rule = ? AND received_at >= ? AND lower(from_address) = lower(?)
            \(list == nil ? "" : "AND list_id = ?")
            """), arguments: arguments) ?? 0
    }

    /// Whether message `row` is an accepted post of `list` (what a member may ask for by `list+get.<row>@`).
    static func isAcceptedPost(_ db: Database, row: Int64, list: String) throws -> Bool {
        try filter(Column("id") == row && Column("list_id") == list && Column("status") == ArchiveStatus.accepted.rawValue)
            .fetchCount(db) == 1
    }

    /// The thread of message `row`.
    static func threadID(_ db: Database, row: Int64) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT thread_id FROM messages WHERE id = ?"), arguments: [row])
    }

    /// Calls `body` with the bytes, sender address and date of each message of `list`, in arrival order:
    /// accepted ones only unless `allStatuses`.
    static func forEachRaw(_ db: Database, list: String, allStatuses: Bool,
                           _ body: (_ raw: Data, _ fromAddress: String?, _ date: Date) throws -> Void) throws {
        let rows = try Row.fetchCursor(db, sql: """
            SELECT raw, from_address, date FROM messages
            WHERE list_id = ? AND (? OR status = 'accepted') ORDER BY id
            """, arguments: [list, allStatuses])
        while let row = try rows.next() {
            try body(row[0], row[1], row[2])
        }
    }
}
