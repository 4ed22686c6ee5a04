public import Foundation
public import GRDB

/// Read queries for the admin CLI. Each takes a `Database` from `pool.read { db in ... }` and returns Codable
/// values ready to print as JSON. Views show accepted messages only, except ``message(_:rowID:)`` and
/// ``quarantine(_:list:limit:)``, which are for the operator.
public enum ArchiveQueries {
    /// Every list with its accepted message count, thread count and last post.
    public static func lists(_ db: Database) throws -> [ListSummary] {
        try ListRecord.summaries(db)
    }

    /// Threads of a list, latest activity first; `since` keeps threads active at or after that instant.
    public static func threads(_ db: Database, list: String, since: Date? = nil, limit: Int = 50) throws -> [ThreadSummary] {
        try ThreadRecord.summaries(db, list: list, since: since, limit: limit)
    }

    /// One thread as a tree of its accepted messages, or nil when it does not exist or shows nothing.
    public static func thread(_ db: Database, id: Int64) throws -> ThreadDetail? {
        guard let summary = try ThreadRecord.summary(db, id: id) else { return nil }
        let items = try ArchiveReadQueries.threadEntries(db, threadID: id).map { e -> ThreadDetail.Item in
            let author = (e.fromName?.isEmpty == false ? e.fromName : nil) ?? e.fromAddress ?? ""
            return ThreadDetail.Item(node: ThreadMessageNode(
                rowID: e.row, messageID: e.messageID, author: author, fromAddress: e.fromAddress, date: e.date,
                subject: e.subject, firstLine: firstLine(e.text), depth: 0, parentRowID: nil, children: []),
                parent: e.parent)
        }
        return ThreadDetail(thread: summary, items: items)
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

    /// One message by row id, whatever its status. The text, HTML and attachments of a message the ingest archived
    /// from its header alone (a post from a sender nobody in the register has, rejected, discarded or recorded as a
    /// bounce: ``MessageParser/parseHeaders(_:)``) are parsed from its raw bytes here (a held or accepted message
    /// always has its body).
    public static func message(_ db: Database, rowID: Int64) throws -> MessageDetail? {
        guard let (m, parentMessageID) = try ArchiveReadQueries.message(db, row: rowID) else { return nil }
        var detail = MessageDetail(
            rowID: rowID, list: m.listID, messageID: m.messageID, messageIDIsSynthetic: m.synthetic,
            subject: m.subject, fromName: m.fromName, fromAddress: m.fromAddress, date: m.date,
            receivedAt: m.receivedAt, inReplyTo: ThreadingEngine.split(m.inReplyTo ?? ""),
            references: ThreadingEngine.split(m.refs), threadID: m.threadID, parentMessageID: parentMessageID,
            threadedBySubject: m.threadedBySubject, status: m.status, decisionRule: m.decisionRule, source: m.source,
            uidValidity: m.uidValidity, uid: m.uid, size: m.size,
            headers: ArchiveWriter.headerExcerpt(Array(m.raw), limit: m.raw.count), text: m.text, html: m.html,
            textIsDerivedFromHTML: m.textDerived, attachments: try AttachmentRecord.infos(db, messageRow: rowID),
            raw: m.raw)
        if m.status.isRefusal, m.text == nil, m.html == nil, detail.attachments.isEmpty,
           let parsed = try? MessageParser.parse(Array(m.raw)) {
            detail.text = parsed.text
            detail.html = parsed.html
            detail.textIsDerivedFromHTML = parsed.textIsDerivedFromHTML
            detail.attachments = parsed.attachments.enumerated().map { position, part in
                AttachmentInfo(position: position, filename: part.filename, contentType: part.contentType,
                               size: part.data.count, sha256: part.digest, contentID: part.contentID,
                               isInline: part.isInline)
            }
        }
        return detail
    }

    /// One message by list and Message-ID (without angle brackets).
    public static func message(_ db: Database, list: String, messageID: String) throws -> MessageDetail? {
        guard let row = try MessageRecord.rowID(db, list: list, messageID: messageID) else { return nil }
        return try message(db, rowID: row)
    }

    /// One message by Message-ID (without angle brackets), in whichever list first archived it.
    public static func message(_ db: Database, messageID: String) throws -> MessageDetail? {
        guard let row = try MessageRecord.firstRowID(db, messageID: messageID) else { return nil }
        return try message(db, rowID: row)
    }

    /// The content of an attachment, by the SHA-256 of its decoded bytes: the copy an archive written before
    /// "archive-v4-attachments-in-raw" kept in `blobs`, else the part decoded again from the raw bytes of one of the
    /// first 8 messages that carry it (checked against the hash). Nil when none of them decodes to it: a parser that
    /// changed how it decodes a part gives nil, never other bytes (AttachmentsFromCorpusTests reads every attachment
    /// of the real corpora back). The parse runs inside the caller's read: an admin query, not a hot path.
    public static func attachmentData(_ db: Database, sha256: String) throws -> Data? {
        if let stored = try BlobRecord.data(db, sha256: sha256) { return stored }
        for raw in try AttachmentRecord.carriers(db, sha256: sha256, limit: 8) {
            guard let parsed = try? MessageParser.parse(raw) else { continue }
            if let part = parsed.attachments.first(where: { $0.digest == sha256 }) { return Data(part.data) }
        }
        return nil
    }

    /// Counts and sizes for the whole database.
    public static func stats(_ db: Database) throws -> ArchiveStats {
        try ArchiveReadQueries.stats(db)
    }

    /// Quarantined messages, newest first, optionally of one list.
    public static func quarantine(_ db: Database, list: String? = nil, limit: Int = 100) throws -> [QuarantineEntry] {
        try QuarantineRecord.entries(db, list: list, limit: limit)
    }

    /// The raw bytes of a quarantined message (nil for an oversize one).
    public static func quarantinedRaw(_ db: Database, id: Int64) throws -> Data? {
        try QuarantineRecord.raw(db, id: id)
    }
}
