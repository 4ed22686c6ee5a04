public import Foundation
public import GRDB

/// A row of `allowed_senders` (migration `commands-v1`): an address a moderator accepted for a list from now on
/// (a moderator's "approve and accept the sender"): its posts to that list are accepted like a member's.
public enum AllowedSenderRecord {
    /// Adds an address (idempotent).
    static func add(_ db: Database, listID: String, address: String, addedBy: String, now: Date) throws {
        try db.execute(sql: """
            INSERT INTO allowed_senders (list_id, address_key, address, added_by, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (list_id, address_key) DO NOTHING
            """, arguments: [listID, MailAddress.canonicalKey(address), address, addedBy, now])
    }

    /// Whether an address is accepted on a list.
    static func contains(_ db: Database, listID: String, address: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM allowed_senders WHERE list_id = ? AND address_key = ?"),
                          arguments: [listID, MailAddress.canonicalKey(address)]) ?? false
    }
}
