import Foundation
import GRDB

/// The reads of the archive views (``ArchiveQueries``) that span several tables: a message with its parent's
/// Message-ID, a thread's accepted messages, the figures of the whole database.
enum ArchiveReadQueries {
    /// One message of a thread, as the thread view shows it.
    struct ThreadEntry: Sendable {
        var row: Int64
        var messageID: String
        var fromName: String?
        var fromAddress: String?
        var date: Date
        var subject: String
        var text: String?
        var parent: Int64?
    }

    /// Message `row` (any status) and the Message-ID of its parent, if any.
    static func message(_ db: Database, row: Int64) throws -> (message: MessageRecord, parentMessageID: String?)? {
        guard let r = try Row.fetchOne(db, sql: """
            SELECT m.*, p.message_id AS parent_message_id FROM messages m LEFT JOIN messages p ON p.id = m.parent
            WHERE m.id = ?
            """, arguments: [row]) else { return nil }
        return (try MessageRecord(row: r), r["parent_message_id"])
    }

    /// The accepted messages of thread `threadID`, by date then arrival.
    static func threadEntries(_ db: Database, threadID: Int64) throws -> [ThreadEntry] {
        try Row.fetchAll(db, sql: """
            SELECT id, message_id, from_name, from_address, date, subject, text, parent FROM messages
            WHERE thread_id = ? AND status = 'accepted' ORDER BY date, id
            """, arguments: [threadID]).map {
            ThreadEntry(row: $0[0], messageID: $0[1], fromName: $0[2], fromAddress: $0[3], date: $0[4], subject: $0[5],
                        text: $0[6], parent: $0[7])
        }
    }

    /// Counts and sizes for the whole database.
    static func stats(_ db: Database) throws -> ArchiveStats {
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
}
