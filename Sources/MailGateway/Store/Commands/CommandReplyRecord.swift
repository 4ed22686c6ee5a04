public import Foundation
public import GRDB

/// A row of `command_replies` (migration `commands-v1`): one automatic answer to a command, for the per-address
/// daily cap of CM-12 (at most 10 command replies per address per day). The address is keyed by
/// `MailAddress.mailboxKey` (no `+tag`, no Gmail dots), so the cap holds however the address is written.
public enum CommandReplyRecord {
    /// Records an answer to `address` about list `listID`.
    static func record(_ db: Database, address: String, listID: String, kind: String, now: Date) throws {
        try db.execute(sql: """
            INSERT INTO command_replies (address_key, list_id, kind, created_at) VALUES (?, ?, ?, ?)
            """, arguments: [MailAddress.mailboxKey(address), listID, kind, now])
    }

    /// How many answers went to `address` since `since`.
    static func count(_ db: Database, address: String, since: Date) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM command_replies WHERE address_key = ? AND created_at >= ?",
                         arguments: [MailAddress.mailboxKey(address), since]) ?? 0
    }

    /// Forgets answers older than `cutoff`.
    static func deleteOlder(_ db: Database, than cutoff: Date) throws -> Int {
        try db.execute(sql: "DELETE FROM command_replies WHERE created_at < ?", arguments: [cutoff])
        return db.changesCount
    }
}
