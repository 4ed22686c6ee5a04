public import Foundation
public import GRDB

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
        try ListRecord.register(db, id: id, address: address, created: Date())
    }

    /// Archives one message: stores the exact bytes and the parsed fields, threads it and indexes it for search
    /// when `accepted` (other messages get a thread that is listed nowhere and no index entry, see
    /// ``setStatus(_:messageRowID:status:decisionRule:)``), and describes its attachments (their content stays in `raw`). At most
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
        if let existing = try MessageRecord.rowID(db, list: list, messageID: parsed.messageID) {
            return .duplicate(existingRowID: existing)
        }
        try ListRecord.ensure(db, id: list, created: receivedAt)

        let date = parsed.date ?? fallbackDate ?? receivedAt
        let bracketed = ThreadReferences.bracketed(parsed)
        let ids = ThreadReferences.bounded(inReplyTo: bracketed.inReplyTo, references: bracketed.references)
        // Only accepted mail is threaded: anyone can send a message naming two public threads, and a message
        // that was not accepted must not merge them (it is kept, apart, until approved: `setStatus`).
        let threaded = status == .accepted
        let chain = threaded
            ? ThreadReferences.chain(messageID: parsed.messageID, inReplyTo: ids.inReplyTo, references: ids.references)
            : []
        let assignment = threaded
            ? try ThreadingEngine.assign(
                db, list: list, messageID: parsed.messageID, chain: chain, subject: parsed.subject, date: date)
            : ThreadingEngine.Assignment(
                threadID: try ThreadingEngine.unlistedThread(db, list: list, subject: parsed.subject, status: status),
                filledPlaceholder: false, merged: [], parent: nil, bySubject: false)

        let from = parsed.from.first ?? parsed.sender
        let (uidValidity, uid): (Int64?, Int64?) = switch source {
        case .imap(let v, let u): (Int64(v), Int64(u))
        case .import: (nil, nil)
        }
        let irt = ids.inReplyTo.joined(separator: " ")
        var record = MessageRecord(
            listID: list, messageID: parsed.messageID, synthetic: parsed.messageIDIsSynthetic, subject: parsed.subject,
            fromName: from?.name, fromAddress: from?.address, date: date, receivedAt: receivedAt,
            inReplyTo: irt.isEmpty ? nil : irt, refs: ids.references.joined(separator: " "), text: parsed.text,
            html: parsed.html, textDerived: parsed.textIsDerivedFromHTML, size: raw.count, raw: Data(raw),
            threadID: assignment.threadID, parent: assignment.parent, threadedBySubject: assignment.bySubject,
            status: status, decisionRule: decisionRule, source: source.kind, uidValidity: uidValidity, uid: uid)
        try record.insertCached(db)
        let row = db.lastInsertedRowID
        if threaded {
            try ThreadingEngine.recordNodes(
                db, list: list, messageID: parsed.messageID, messageRow: row, threadID: assignment.threadID,
                chain: chain)
        }
        if assignment.filledPlaceholder {
            try ThreadingEngine.recomputeParents(db, threadID: assignment.threadID)
        }
        if status == .accepted {
            try MessageFTS.index(db, row: row)
        }
        if !parsed.attachments.isEmpty {
            try storeAttachments(db, messageRow: row, attachments: parsed.attachments)
        }
        if assignment.filledPlaceholder || !assignment.merged.isEmpty {
            try ThreadRecord.refreshStats(db, id: assignment.threadID)
        } else if status == .accepted {
            try ThreadRecord.addToStats(db, id: assignment.threadID, messageRow: row, date: date,
                                        fromAddress: from?.address, parent: assignment.parent)
        }
        return .inserted(messageRowID: row, threadID: assignment.threadID)
    }

    /// Describes each attachment (name, type, size, SHA-256 of the decoded content). The content itself is not
    /// copied: it is in `raw`, and ``ArchiveQueries/attachmentData(_:sha256:)`` decodes it from there when asked.
    /// (Until "archive-v4-attachments-in-raw", every attachment was also stored decoded in `blobs`: a fifth of the
    /// database on the generated corpus, written twice by the WAL, for a reader no command had.)
    static func storeAttachments(_ db: Database, messageRow: Int64, attachments: [ParsedAttachment]) throws {
        for (position, part) in attachments.enumerated() {
            let digest = part.digest
            try AttachmentRecord(
                messageRow: messageRow, position: position, filename: part.filename, contentType: part.contentType,
                size: part.data.count, sha256: digest, contentID: part.contentID, isInline: part.isInline
            ).insertCached(db)
        }
    }

    /// Changes the policy status of an archived message (a held post approved, rejected or expired: the moderation
    /// actions' only use; a rejected post stored from its header alone has no body to index) and refreshes its
    /// thread's figures. A message becoming `accepted` is threaded and indexed for search now, in the caller's
    /// transaction (it was kept out of the threads and the index until then). A message leaving `accepted`
    /// keeps its place in the thread structure but is no longer shown, counted or found.
    public static func setStatus(_ db: Database, messageRowID: Int64, status: ArchiveStatus,
                                 decisionRule: String? = nil) throws {
        try MessageRecord.setStatus(db, row: messageRowID, status: status, decisionRule: decisionRule)
        if status == .accepted {
            try ThreadingEngine.threadLate(db, messageRow: messageRowID)
        }
        if let thread = try MessageRecord.threadID(db, row: messageRowID) {
            try ThreadRecord.refreshStats(db, id: thread)
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
        try ListRecord.ensure(db, id: list, created: date)
        let (uidValidity, uid): (Int64?, Int64?) = switch source {
        case .imap(let v, let u): (Int64(v), Int64(u))
        case .import: (nil, nil)
        }
        var record = QuarantineRecord(
            listID: list, raw: oversize ? nil : Data(raw), size: originalSize ?? raw.count,
            headersExcerpt: headerExcerpt(raw), error: error, source: source.kind, uidValidity: uidValidity, uid: uid,
            created: date)
        try record.insert(db)
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
        try MailboxStateRecord.find(db, list: list)
    }

    /// Records the IMAP position of `list` (in the same transaction as the messages it covers).
    public static func setMailboxState(_ db: Database, list: String, _ state: MailboxState) throws {
        try ListRecord.ensure(db, id: list, created: Date())
        try MailboxStateRecord.save(db, list: list, state)
    }
}
