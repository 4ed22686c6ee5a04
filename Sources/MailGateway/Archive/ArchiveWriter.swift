public import Foundation
public import GRDB
import Crypto

/// The IMAP position recorded for a list: the mailbox's UIDVALIDITY and the last UID archived.
public struct MailboxState: Sendable, Hashable, Codable {
    /// The mailbox's UIDVALIDITY (RFC 3501 §2.3.1.1): when it changes, UIDs start over.
    public var uidValidity: UInt32
    /// The last UID archived.
    public var lastUID: UInt32

    /// Creates a state value.
    public init(uidValidity: UInt32, lastUID: UInt32) {
        self.uidValidity = uidValidity
        self.lastUID = lastUID
    }
}

/// Writes to the archive. Every function works inside the caller's transaction (`pool.write { db in ... }`), so
/// the daemon can archive a message, record the policy decision, advance the mailbox state and queue the
/// outgoing copies in one commit.
public enum ArchiveWriter {
    /// Creates the list row if it is missing, and records its address when given.
    public static func registerList(_ db: Database, id: String, address: String? = nil) throws {
        try db.cachedStatement(sql: """
            INSERT INTO lists (id, address, created) VALUES (?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET address = coalesce(excluded.address, lists.address)
            """).execute(arguments: [id, address, Date()])
    }

    /// Archives one message: stores the exact bytes and the parsed fields, threads it (when `accepted`: other
    /// messages get a thread of their own that is listed nowhere, see ``setStatus(_:messageRowID:status:decisionRule:)``),
    /// indexes it for search and stores its attachments (content once per SHA-256). At most
    /// ``ThreadReferences/limit`` References and In-Reply-To ids count and are stored. A message whose
    /// Message-ID the list already holds is a `.duplicate`: nothing is written.
    /// - Parameters:
    ///   - list: the list id (created on first use).
    ///   - raw: the message exactly as received.
    ///   - fallbackDate: the IMAP internal date, used when the Date header is missing or unparseable; when both
    ///     are missing, `receivedAt`.
    ///   - status: the policy decision (archive views show `accepted` only).
    ///   - decisionRule: the rule that decided, if any.
    ///   - receivedAt: when the gateway received it (defaults to now).
    public static func archive(
        _ db: Database, list: String, raw: [UInt8], parsed: ParsedMessage, fallbackDate: Date?,
        status: ArchiveStatus = .accepted, decisionRule: String? = nil, source: ArchiveSource,
        receivedAt: Date = Date()
    ) throws -> ArchiveInsertResult {
        let existing = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM messages WHERE list_id = ? AND message_id = ?"),
            arguments: [list, parsed.messageID])
        if let existing { return .duplicate(existingRowID: existing) }
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO lists (id, created) VALUES (?, ?)")
            .execute(arguments: [list, receivedAt])

        let date = parsed.date ?? fallbackDate ?? receivedAt
        let bracketed = ThreadReferences.bracketed(parsed)
        let ids = ThreadReferences.bounded(inReplyTo: bracketed.inReplyTo, references: bracketed.references)
        let chain = ThreadReferences.chain(messageID: parsed.messageID, inReplyTo: ids.inReplyTo, references: ids.references)
        // Only accepted mail is threaded: anyone can send a message naming two public threads, and a message
        // that was not accepted must not merge them (it is kept, apart, until approved: `setStatus`).
        let threaded = status == .accepted
        let assignment = threaded
            ? try ThreadingEngine.assign(
                db, list: list, messageID: parsed.messageID, chain: chain, subject: parsed.subject, date: date)
            : ThreadingEngine.Assignment(
                threadID: try ThreadingEngine.unlistedThread(db, list: list, subject: parsed.subject),
                filledPlaceholder: false, merged: [], parent: nil, bySubject: false)

        let from = parsed.from.first ?? parsed.sender
        let (uidValidity, uid): (Int64?, Int64?) = switch source {
        case .imap(let v, let u): (Int64(v), Int64(u))
        case .import: (nil, nil)
        }
        let author = [from?.name, from?.address].compactMap { $0 }.joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO messages (list_id, message_id, synthetic, subject, from_name, from_address, date, received_at,
                in_reply_to, refs, text, html, text_derived, size, raw, thread_id, parent, threaded_by_subject, status,
                decision_rule, source, uidvalidity, uid)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let irt = ids.inReplyTo.joined(separator: " ")
        let refs = ids.references.joined(separator: " ")
        try insert.execute(arguments: [
            list, parsed.messageID, parsed.messageIDIsSynthetic, parsed.subject, from?.name, from?.address, date,
            receivedAt, irt.isEmpty ? nil : irt, refs, parsed.text, parsed.html, parsed.textIsDerivedFromHTML,
            raw.count, Data(raw), assignment.threadID, assignment.parent, assignment.bySubject, status.rawValue, decisionRule,
            source.kind, uidValidity, uid,
        ])
        let row = db.lastInsertedRowID
        if threaded {
            try ThreadingEngine.recordNodes(
                db, list: list, messageID: parsed.messageID, messageRow: row, threadID: assignment.threadID,
                chain: chain)
        }
        if assignment.filledPlaceholder {
            try ThreadingEngine.recomputeParents(db, threadID: assignment.threadID)
        }
        try db.cachedStatement(sql: "INSERT INTO message_fts (rowid, subject, body, author) VALUES (?, ?, ?, ?)")
            .execute(arguments: [row, parsed.subject, parsed.text ?? "", author])
        if !parsed.attachments.isEmpty {
            try storeAttachments(db, messageRow: row, attachments: parsed.attachments)
        }
        if assignment.filledPlaceholder || !assignment.merged.isEmpty {
            try ThreadingEngine.refreshStats(db, threadID: assignment.threadID)
        } else if status == .accepted {
            try ThreadingEngine.addToStats(db, threadID: assignment.threadID, messageRow: row, date: date,
                                           fromAddress: from?.address, parent: assignment.parent)
        }
        return .inserted(messageRowID: row, threadID: assignment.threadID)
    }

    static func storeAttachments(_ db: Database, messageRow: Int64, attachments: [ParsedAttachment]) throws {
        let blob = try db.cachedStatement(sql: "INSERT OR IGNORE INTO blobs (sha256, data) VALUES (?, ?)")
        let attachment = try db.cachedStatement(sql: """
            INSERT INTO attachments (message_id, position, filename, content_type, size, sha256, content_id, inline)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (position, part) in attachments.enumerated() {
            let digest = SHA256.hash(data: part.data).map { String(format: "%02x", $0) }.joined()
            try blob.execute(arguments: [digest, Data(part.data)])
            try attachment.execute(arguments: [
                messageRow, position, part.filename, part.contentType, part.data.count, digest, part.contentID,
                part.isInline,
            ])
        }
    }

    /// Changes the policy status of an archived message (e.g. a held post approved) and refreshes its
    /// thread's figures. A message becoming `accepted` is threaded now, in the caller's transaction (it was
    /// kept out of the threads until then). A message leaving `accepted` keeps its place in the thread
    /// structure but is no longer shown or counted.
    public static func setStatus(_ db: Database, messageRowID: Int64, status: ArchiveStatus,
                                 decisionRule: String? = nil) throws {
        try db.execute(
            sql: "UPDATE messages SET status = ?, decision_rule = coalesce(?, decision_rule) WHERE id = ?",
            arguments: [status.rawValue, decisionRule, messageRowID])
        if status == .accepted {
            try ThreadingEngine.threadLate(db, messageRow: messageRowID)
        }
        if let thread = try Int64.fetchOne(db, sql: "SELECT thread_id FROM messages WHERE id = ?",
                                           arguments: [messageRowID]) {
            try ThreadingEngine.refreshStats(db, threadID: thread)
        }
    }

    /// Keeps a message that could not be archived (unparseable, oversize...) for the operator. Nothing is lost:
    /// the raw bytes are stored, except for an oversize message, of which `raw` holds only the header block and
    /// `originalSize` the real size.
    /// - Returns: the quarantine row id.
    @discardableResult
    public static func quarantine(
        _ db: Database, list: String, raw: [UInt8], error: String, source: ArchiveSource,
        oversize: Bool = false, originalSize: Int? = nil, at date: Date = Date()
    ) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO lists (id, created) VALUES (?, ?)")
            .execute(arguments: [list, date])
        let (uidValidity, uid): (Int64?, Int64?) = switch source {
        case .imap(let v, let u): (Int64(v), Int64(u))
        case .import: (nil, nil)
        }
        try db.execute(sql: """
            INSERT INTO quarantine (list_id, raw, size, headers_excerpt, error, source, uidvalidity, uid, created)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                list, oversize ? nil : Data(raw), originalSize ?? raw.count, headerExcerpt(raw), error,
                source.kind, uidValidity, uid, date,
            ])
        return db.lastInsertedRowID
    }

    /// The header block of `raw` (up to the first empty line), at most `limit` bytes, as text.
    static func headerExcerpt(_ raw: [UInt8], limit: Int = 4096) -> String {
        var end = min(raw.count, limit)
        var i = 0
        while i + 1 < end {
            if raw[i] == 10 && raw[i + 1] == 10 { end = i + 1; break }
            if raw[i] == 10 && raw[i + 1] == 13 && i + 2 < raw.count && raw[i + 2] == 10 { end = i + 1; break }
            i += 1
        }
        return String(decoding: raw[..<end], as: UTF8.self)
    }

    /// The IMAP position recorded for `list`, or nil before the first fetch.
    public static func mailboxState(_ db: Database, list: String) throws -> MailboxState? {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT uidvalidity, last_uid FROM mailbox_state WHERE list_id = ?", arguments: [list])
        else { return nil }
        let validity: Int64 = row[0]
        let last: Int64 = row[1]
        return MailboxState(uidValidity: UInt32(truncatingIfNeeded: validity), lastUID: UInt32(truncatingIfNeeded: last))
    }

    /// Records the IMAP position of `list` (in the same transaction as the messages it covers).
    public static func setMailboxState(_ db: Database, list: String, _ state: MailboxState) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO lists (id, created) VALUES (?, ?)")
            .execute(arguments: [list, Date()])
        try db.cachedStatement(sql: """
            INSERT INTO mailbox_state (list_id, uidvalidity, last_uid) VALUES (?, ?, ?)
            ON CONFLICT (list_id) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid
            """).execute(arguments: [list, Int64(state.uidValidity), Int64(state.lastUID)])
    }
}
