public import Foundation
public import GRDB

/// One list in the archive summary.
public struct ListSummary: Sendable, Codable, Hashable {
    public var id: String
    public var address: String?
    /// Accepted messages.
    public var messageCount: Int
    /// Threads with at least one accepted message.
    public var threadCount: Int
    /// Date of the latest accepted message.
    public var lastPost: Date?
}

/// One thread in a listing.
public struct ThreadSummary: Sendable, Codable, Hashable {
    public var id: Int64
    public var list: String
    public var subject: String
    public var messageCount: Int
    public var participantCount: Int
    public var firstDate: Date?
    public var lastDate: Date?
}

/// One message in a thread tree.
public struct ThreadMessageNode: Sendable, Codable, Hashable {
    public var rowID: Int64
    public var messageID: String
    /// The sender's display name, or the address when there is none.
    public var author: String
    public var fromAddress: String?
    public var date: Date
    public var subject: String
    /// The first non-empty line of the text that is not a quote or an attribution line.
    public var firstLine: String
    public var depth: Int
    public var children: [ThreadMessageNode]
}

/// A thread with its messages arranged as a tree (children sorted by date).
public struct ThreadDetail: Sendable, Codable, Hashable {
    public var thread: ThreadSummary
    public var roots: [ThreadMessageNode]
}

/// An attachment's description (its content is in ``ArchiveQueries/attachmentData(_:sha256:)``).
public struct AttachmentInfo: Sendable, Codable, Hashable {
    public var position: Int
    public var filename: String?
    public var contentType: String
    public var size: Int
    public var sha256: String
    public var contentID: String?
    public var isInline: Bool
}

/// Everything stored about one message.
public struct MessageDetail: Sendable, Codable, Hashable {
    public var rowID: Int64
    public var list: String
    public var messageID: String
    public var messageIDIsSynthetic: Bool
    public var subject: String
    public var fromName: String?
    public var fromAddress: String?
    public var date: Date
    public var receivedAt: Date
    public var inReplyTo: [String]
    public var references: [String]
    public var threadID: Int64
    public var parentMessageID: String?
    public var threadedBySubject: Bool
    public var status: ArchiveStatus
    public var decisionRule: String?
    /// `imap` or `import`.
    public var source: String
    public var uidValidity: Int64?
    public var uid: Int64?
    public var size: Int
    /// The header block as received (lossless for ASCII headers; other bytes replaced).
    public var headers: String
    public var text: String?
    public var html: String?
    public var textIsDerivedFromHTML: Bool
    public var attachments: [AttachmentInfo]
    /// The exact bytes received.
    public var raw: Data
}

/// Archive figures for `mailgateway archive stats`.
public struct ArchiveStats: Sendable, Codable, Hashable {
    public var lists: Int
    public var messages: Int
    /// Messages per status (`accepted`, `held`...).
    public var messagesByStatus: [String: Int]
    public var threads: Int
    public var rawBytes: Int
    public var attachments: Int
    /// Sum of attachment sizes as received.
    public var attachmentBytes: Int
    /// Distinct contents stored.
    public var blobs: Int
    public var blobBytes: Int
    /// Bytes not stored twice thanks to content deduplication.
    public var dedupSavedBytes: Int
    public var quarantined: Int
    /// Size of the main database file (pages in use and free), without the WAL.
    public var databaseBytes: Int
}

/// One quarantined message.
public struct QuarantineEntry: Sendable, Codable, Hashable {
    public var id: Int64
    public var list: String
    public var size: Int
    /// False for an oversize message, of which only the headers were kept.
    public var rawStored: Bool
    public var headersExcerpt: String
    public var error: String
    public var source: String
    public var uidValidity: Int64?
    public var uid: Int64?
    public var created: Date
}

/// Read queries for the admin CLI. Each takes a `Database` from `pool.read { db in ... }` and returns Codable
/// values ready to print as JSON. Views show accepted messages only, except ``message(_:rowID:)`` and
/// ``quarantine(_:list:limit:)``, which are for the operator.
public enum ArchiveQueries {
    /// Every list with its accepted message count, thread count and last post.
    public static func lists(_ db: Database) throws -> [ListSummary] {
        try Row.fetchAll(db, sql: """
            SELECT l.id, l.address,
                   (SELECT count(*) FROM messages m WHERE m.list_id = l.id AND m.status = 'accepted'),
                   (SELECT count(*) FROM threads t WHERE t.list_id = l.id AND t.message_count > 0),
                   (SELECT max(date) FROM messages m WHERE m.list_id = l.id AND m.status = 'accepted')
            FROM lists l ORDER BY l.id
            """).map { ListSummary(id: $0[0], address: $0[1], messageCount: $0[2], threadCount: $0[3], lastPost: $0[4]) }
    }

    /// Threads of a list, latest activity first; `since` keeps threads active at or after that instant.
    public static func threads(_ db: Database, list: String, since: Date? = nil, limit: Int = 50) throws -> [ThreadSummary] {
        var sql = """
            SELECT id, list_id, subject, message_count, participant_count, first_date, last_date FROM threads
            WHERE list_id = ? AND message_count > 0
            """
        var arguments: StatementArguments = [list]
        if let since {
            sql += " AND last_date >= ?"
            arguments += [since]
        }
        sql += " ORDER BY last_date DESC, id DESC LIMIT ?"
        arguments += [max(0, limit)]
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(threadSummary)
    }

    static func threadSummary(_ row: Row) -> ThreadSummary {
        ThreadSummary(id: row[0], list: row[1], subject: row[2], messageCount: row[3], participantCount: row[4],
                      firstDate: row[5], lastDate: row[6])
    }

    /// One thread as a tree of its accepted messages, or nil when it does not exist or shows nothing.
    public static func thread(_ db: Database, id: Int64) throws -> ThreadDetail? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT id, list_id, subject, message_count, participant_count, first_date, last_date FROM threads
            WHERE id = ? AND message_count > 0
            """, arguments: [id]) else { return nil }
        struct Item: Sendable { var node: ThreadMessageNode; var parent: Int64? }
        let items = try Row.fetchAll(db, sql: """
            SELECT id, message_id, from_name, from_address, date, subject, text, parent FROM messages
            WHERE thread_id = ? AND status = 'accepted' ORDER BY date, id
            """, arguments: [id]).map { r -> Item in
            let name: String? = r[2]
            let address: String? = r[3]
            let author = (name?.isEmpty == false ? name : nil) ?? address ?? ""
            return Item(node: ThreadMessageNode(
                rowID: r[0], messageID: r[1], author: author, fromAddress: address, date: r[4], subject: r[5],
                firstLine: firstLine(r[6]), depth: 0, children: []), parent: r[7])
        }
        let tree = ThreadTree(items: items, id: \.node.rowID, parent: \.parent, date: \.node.date)
        func convert(_ n: ThreadTree<Item>.Node) -> ThreadMessageNode {
            var node = n.item.node
            node.depth = n.depth
            node.children = n.children.map(convert)
            return node
        }
        return ThreadDetail(thread: threadSummary(row), roots: tree.roots.map(convert))
    }

    /// The first line of `text` worth showing: not empty, not a quote (`>`), not an "On ... wrote:" line.
    public static func firstLine(_ text: String?) -> String {
        guard let text else { return "" }
        for line in text.split(whereSeparator: \.isNewline) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.isEmpty || t.hasPrefix(">") { continue }
            if t.hasSuffix("wrote:") || t.hasSuffix("a écrit :") || t.hasSuffix("a écrit:") || t.hasSuffix("escribió:") { continue }
            return String(t.prefix(200))
        }
        return ""
    }

    /// One message by row id, whatever its status.
    public static func message(_ db: Database, rowID: Int64) throws -> MessageDetail? {
        guard let r = try Row.fetchOne(db, sql: """
            SELECT m.*, p.message_id AS parent_message_id FROM messages m LEFT JOIN messages p ON p.id = m.parent
            WHERE m.id = ?
            """, arguments: [rowID]) else { return nil }
        let attachments = try Row.fetchAll(db, sql: """
            SELECT position, filename, content_type, size, sha256, content_id, inline FROM attachments
            WHERE message_id = ? ORDER BY position
            """, arguments: [rowID]).map {
            AttachmentInfo(position: $0[0], filename: $0[1], contentType: $0[2], size: $0[3], sha256: $0[4],
                           contentID: $0[5], isInline: $0[6])
        }
        let raw: Data = r["raw"]
        let irt: String? = r["in_reply_to"]
        let refs: String = r["refs"]
        let statusText: String = r["status"]
        return MessageDetail(
            rowID: r["id"], list: r["list_id"], messageID: r["message_id"], messageIDIsSynthetic: r["synthetic"],
            subject: r["subject"], fromName: r["from_name"], fromAddress: r["from_address"], date: r["date"],
            receivedAt: r["received_at"], inReplyTo: ThreadingEngine.split(irt ?? ""),
            references: ThreadingEngine.split(refs), threadID: r["thread_id"], parentMessageID: r["parent_message_id"],
            threadedBySubject: r["threaded_by_subject"], status: ArchiveStatus(rawValue: statusText) ?? .accepted,
            decisionRule: r["decision_rule"], source: r["source"], uidValidity: r["uidvalidity"], uid: r["uid"],
            size: r["size"], headers: ArchiveWriter.headerExcerpt(Array(raw), limit: raw.count), text: r["text"],
            html: r["html"], textIsDerivedFromHTML: r["text_derived"], attachments: attachments, raw: raw)
    }

    /// One message by list and Message-ID (without angle brackets).
    public static func message(_ db: Database, list: String, messageID: String) throws -> MessageDetail? {
        guard let row = try Int64.fetchOne(db, sql: "SELECT id FROM messages WHERE list_id = ? AND message_id = ?",
                                           arguments: [list, messageID]) else { return nil }
        return try message(db, rowID: row)
    }

    /// The content of an attachment, by hash.
    public static func attachmentData(_ db: Database, sha256: String) throws -> Data? {
        try Data.fetchOne(db, sql: "SELECT data FROM blobs WHERE sha256 = ?", arguments: [sha256])
    }

    /// Counts and sizes for the whole database.
    public static func stats(_ db: Database) throws -> ArchiveStats {
        var byStatus: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM messages GROUP BY status") {
            byStatus[row[0]] = row[1]
        }
        let one = { (sql: String) throws -> Int in try Int.fetchOne(db, sql: sql) ?? 0 }
        let attachmentBytes = try one("SELECT coalesce(sum(size), 0) FROM attachments")
        let blobBytes = try one("SELECT coalesce(sum(length(data)), 0) FROM blobs")
        return ArchiveStats(
            lists: try one("SELECT count(*) FROM lists"),
            messages: byStatus.values.reduce(0, +),
            messagesByStatus: byStatus,
            threads: try one("SELECT count(*) FROM threads WHERE message_count > 0"),
            rawBytes: try one("SELECT coalesce(sum(size), 0) FROM messages"),
            attachments: try one("SELECT count(*) FROM attachments"),
            attachmentBytes: attachmentBytes,
            blobs: try one("SELECT count(*) FROM blobs"),
            blobBytes: blobBytes,
            dedupSavedBytes: attachmentBytes - blobBytes,
            quarantined: try one("SELECT count(*) FROM quarantine"),
            databaseBytes: try one("PRAGMA page_count") * (try one("PRAGMA page_size")))
    }

    /// Quarantined messages, newest first, optionally of one list.
    public static func quarantine(_ db: Database, list: String? = nil, limit: Int = 100) throws -> [QuarantineEntry] {
        var sql = """
            SELECT id, list_id, size, raw IS NOT NULL, headers_excerpt, error, source, uidvalidity, uid, created
            FROM quarantine
            """
        var arguments: StatementArguments = []
        if let list {
            sql += " WHERE list_id = ?"
            arguments += [list]
        }
        sql += " ORDER BY created DESC, id DESC LIMIT ?"
        arguments += [max(0, limit)]
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
            QuarantineEntry(id: $0[0], list: $0[1], size: $0[2], rawStored: $0[3], headersExcerpt: $0[4], error: $0[5],
                            source: $0[6], uidValidity: $0[7], uid: $0[8], created: $0[9])
        }
    }

    /// The raw bytes of a quarantined message (nil for an oversize one).
    public static func quarantinedRaw(_ db: Database, id: Int64) throws -> Data? {
        try Data.fetchOne(db, sql: "SELECT raw FROM quarantine WHERE id = ?", arguments: [id])
    }
}
