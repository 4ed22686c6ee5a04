import Foundation
import GRDB

/// The displayed figures of a thread (`message_count`, `participant_count`, `first_date`, `last_date`,
/// `root_message` and the subject of the root), kept from its accepted messages.
extension ThreadRecord {
    /// Updates the figures of thread `id` for one newly inserted accepted message (`messageRow`, dated `date`,
    /// from `fromAddress`, with parent `parent`), when nothing else in the thread changed: the same result as
    /// ``refreshStats(_:id:)`` without aggregating the whole thread.
    static func addToStats(_ db: Database, id: Int64, messageRow: Int64, date: Date, fromAddress: String?,
                           parent: Int64?) throws {
        try db.cachedStatement(sql: """
            UPDATE threads SET
                message_count = message_count + 1,
                participant_count = participant_count + (CASE WHEN :from IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM messages WHERE thread_id = :t AND status = 'accepted' AND id != :r
                    AND from_address IS NOT NULL AND lower(from_address) = lower(:from)) THEN 1 ELSE 0 END),
                first_date = CASE WHEN first_date IS NULL OR :d < first_date THEN :d ELSE first_date END,
                last_date = CASE WHEN last_date IS NULL OR :d > last_date THEN :d ELSE last_date END,
                root_message = CASE
                    WHEN root_message IS NULL THEN :r
                    WHEN :p IS NOT NULL THEN root_message
                    WHEN (SELECT parent FROM messages WHERE id = root_message) IS NOT NULL THEN :r
                    WHEN :d < (SELECT date FROM messages WHERE id = root_message) THEN :r
                    ELSE root_message END
            WHERE id = :t
            """).execute(arguments: ["t": id, "r": messageRow, "d": date, "from": fromAddress, "p": parent])
        try db.cachedStatement(sql: """
            UPDATE threads SET subject = (SELECT subject FROM messages WHERE id = threads.root_message)
            WHERE id = ? AND root_message = ?
            """).execute(arguments: [id, messageRow])
    }

    /// Recomputes the figures of thread `id` from its accepted messages.
    static func refreshStats(_ db: Database, id: Int64) throws {
        try db.cachedStatement(sql: """
            UPDATE threads SET
                message_count = (SELECT count(*) FROM messages WHERE thread_id = :t AND status = 'accepted'),
                participant_count = (SELECT count(DISTINCT lower(from_address)) FROM messages
                                     WHERE thread_id = :t AND status = 'accepted' AND from_address IS NOT NULL),
                first_date = (SELECT min(date) FROM messages WHERE thread_id = :t AND status = 'accepted'),
                last_date = (SELECT max(date) FROM messages WHERE thread_id = :t AND status = 'accepted'),
                root_message = (SELECT id FROM messages WHERE thread_id = :t AND status = 'accepted'
                                ORDER BY parent IS NOT NULL, date, id LIMIT 1)
            WHERE id = :t
            """).execute(arguments: ["t": id])
        try db.cachedStatement(sql: """
            UPDATE threads SET subject = (SELECT subject FROM messages WHERE id = threads.root_message)
            WHERE id = ? AND root_message IS NOT NULL
            """).execute(arguments: [id])
    }
}
