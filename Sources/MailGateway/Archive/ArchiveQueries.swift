public import Foundation
public import GRDB

/// One list in the archive summary.
public struct ListSummary: Sendable, Codable, Hashable {
    /// Identifier (row id, or the list id for lists).
    public var id: String
    /// The list address, when registered.
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
    /// Identifier (row id, or the list id for lists).
    public var id: Int64
    /// The list id.
    public var list: String
    /// The subject (decoded).
    public var subject: String
    /// Accepted messages.
    public var messageCount: Int
    /// Distinct sender addresses among accepted messages.
    public var participantCount: Int
    /// Date of the first accepted message.
    public var firstDate: Date?
    /// Date of the latest accepted message.
    public var lastDate: Date?
}

/// One message in a thread tree.
public struct ThreadMessageNode: Sendable, Codable, Hashable {
    /// Row id of the message in `messages`.
    public var rowID: Int64
    /// Message-ID without angle brackets.
    public var messageID: String
    /// The sender's display name, or the address when there is none.
    public var author: String
    /// The sender address.
    public var fromAddress: String?
    /// The message date (UTC).
    public var date: Date
    /// The subject (decoded).
    public var subject: String
    /// The first non-empty line of the text that is not a quote or an attribution line.
    public var firstLine: String
    /// Depth from the root (0 for a root).
    public var depth: Int
    /// Row id of the parent, nil for a root.
    public var parentRowID: Int64?
    /// Replies, sorted by date. At depth ``ThreadDetail/maxNesting`` - 1, also every deeper descendant, in
    /// display order (each with its own `depth` and `parentRowID`).
    public var children: [ThreadMessageNode]
}

/// A thread with its messages arranged as a tree (children sorted by date).
public struct ThreadDetail: Sendable, Codable, Hashable {
    /// How deep messages nest in ``roots``: deeper ones are listed, in display order, among the children of
    /// their ancestor at depth `maxNesting - 1`. Encoding, comparing and freeing a nested value recurse once
    /// per level, so a 10,000-reply chain must not become 10,000 levels; no thread of the corpora comes near.
    public static let maxNesting = 64
    /// The thread figures.
    public var thread: ThreadSummary
    /// Messages without a parent in the thread, sorted by date.
    public var roots: [ThreadMessageNode]
}

/// An attachment's description (its content is in ``ArchiveQueries/attachmentData(_:sha256:)``).
public struct AttachmentInfo: Sendable, Codable, Hashable {
    /// 0-based position among the message's attachments.
    public var position: Int
    /// Decoded file name, if any.
    public var filename: String?
    /// `type/subtype`, lower-cased.
    public var contentType: String
    /// Size in bytes.
    public var size: Int
    /// SHA-256 of the content, hex; key of `blobs`.
    public var sha256: String
    /// Content-ID without angle brackets.
    public var contentID: String?
    /// True for inline parts.
    public var isInline: Bool
}

/// Everything stored about one message.
public struct MessageDetail: Sendable, Codable, Hashable {
    /// Row id of the message in `messages`.
    public var rowID: Int64
    /// The list id.
    public var list: String
    /// Message-ID without angle brackets.
    public var messageID: String
    /// True when the message had no Message-ID and one was derived from its bytes.
    public var messageIDIsSynthetic: Bool
    /// The subject (decoded).
    public var subject: String
    /// The sender display name.
    public var fromName: String?
    /// The sender address.
    public var fromAddress: String?
    /// The message date (UTC).
    public var date: Date
    /// When the gateway received it.
    public var receivedAt: Date
    /// In-Reply-To ids used for threading.
    public var inReplyTo: [String]
    /// References ids used for threading, oldest first.
    public var references: [String]
    /// The thread it belongs to.
    public var threadID: Int64
    /// Message-ID of the resolved parent, nil for a root.
    public var parentMessageID: String?
    /// True when the subject fallback placed it.
    public var threadedBySubject: Bool
    /// The policy decision.
    public var status: ArchiveStatus
    /// The rule that decided, if any.
    public var decisionRule: String?
    /// `imap` or `import`.
    public var source: String
    /// IMAP UIDVALIDITY, for messages fetched over IMAP.
    public var uidValidity: Int64?
    /// IMAP UID, for messages fetched over IMAP.
    public var uid: Int64?
    /// Size in bytes.
    public var size: Int
    /// The header block as received (lossless for ASCII headers; other bytes replaced).
    public var headers: String
    /// The text as UTF-8.
    public var text: String?
    /// The HTML part as UTF-8.
    public var html: String?
    /// True when `text` was rendered from `html`.
    public var textIsDerivedFromHTML: Bool
    /// Attachments, in order.
    public var attachments: [AttachmentInfo]
    /// The exact bytes received.
    public var raw: Data
}

/// Archive figures for `mailgateway archive stats`.
public struct ArchiveStats: Sendable, Codable, Hashable {
    /// Lists.
    public var lists: Int
    /// Messages, all statuses.
    public var messages: Int
    /// Messages per status (`accepted`, `held`...).
    public var messagesByStatus: [String: Int]
    /// Threads with accepted messages.
    public var threads: Int
    /// Sum of raw message sizes.
    public var rawBytes: Int
    /// Attachments, in order.
    public var attachments: Int
    /// Sum of attachment sizes as received.
    public var attachmentBytes: Int
    /// Distinct contents stored.
    public var blobs: Int
    /// Bytes of stored attachment contents.
    public var blobBytes: Int
    /// Bytes not stored twice thanks to content deduplication.
    public var dedupSavedBytes: Int
    /// Quarantined messages.
    public var quarantined: Int
    /// Size of the main database file (pages in use and free), without the WAL.
    public var databaseBytes: Int
}

/// One quarantined message.
public struct QuarantineEntry: Sendable, Codable, Hashable {
    /// Identifier (row id, or the list id for lists).
    public var id: Int64
    /// The list id.
    public var list: String
    /// Size in bytes.
    public var size: Int
    /// False for an oversize message, of which only the headers were kept.
    public var rawStored: Bool
    /// The header block (at most 4 KiB).
    public var headersExcerpt: String
    /// Why it was quarantined.
    public var error: String
    /// `imap` or `import`.
    public var source: String
    /// IMAP UIDVALIDITY, for messages fetched over IMAP.
    public var uidValidity: Int64?
    /// IMAP UID, for messages fetched over IMAP.
    public var uid: Int64?
    /// When it was quarantined.
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
                firstLine: firstLine(r[6]), depth: 0, parentRowID: nil, children: []), parent: r[7])
        }
        let flat = ThreadTree(items: items, id: \.node.rowID, parent: \.parent, date: \.node.date).flattened
        // Where each message is nested: under its parent, or, deeper than the cap, under its ancestor at depth
        // `maxNesting - 1` (`path[d]` is the current ancestor at depth d; display order is depth-first).
        let cap = ThreadDetail.maxNesting
        var nestedUnder = [Int?](repeating: nil, count: flat.count)
        var path: [Int] = []
        for (k, n) in flat.enumerated() {
            if n.depth < cap {
                path.removeSubrange(min(n.depth, path.count)...)
                nestedUnder[k] = n.parent
                path.append(k)
            } else {
                nestedUnder[k] = path.last
            }
        }
        // Built from the last message back, so that each node's children are complete before it is.
        var pending: [Int: [ThreadMessageNode]] = [:]
        var roots: [ThreadMessageNode] = []
        for k in flat.indices.reversed() {
            var node = flat[k].item.node
            node.depth = flat[k].depth
            node.parentRowID = flat[k].parent.map { flat[$0].item.node.rowID }
            node.children = (pending.removeValue(forKey: k) ?? []).reversed()
            if let under = nestedUnder[k] { pending[under, default: []].append(node) } else { roots.append(node) }
        }
        return ThreadDetail(thread: threadSummary(row), roots: roots.reversed())
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
