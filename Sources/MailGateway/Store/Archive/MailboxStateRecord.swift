import Foundation
import GRDB

/// A row of `mailbox_state`: the last IMAP UID archived for a list, under the mailbox's UIDVALIDITY.
struct MailboxStateRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "mailbox_state"

    var listID: String
    var uidValidity: Int64
    var lastUID: Int64

    enum CodingKeys: String, CodingKey {
        case listID = "list_id"
        case uidValidity = "uidvalidity"
        case lastUID = "last_uid"
    }

    /// The position as the IMAP layer counts (UIDs are 32-bit).
    var state: MailboxState {
        MailboxState(uidValidity: UInt32(truncatingIfNeeded: uidValidity), lastUID: UInt32(truncatingIfNeeded: lastUID))
    }
}

extension MailboxStateRecord {
    /// The position recorded for `list`, or nil before the first fetch.
    static func find(_ db: Database, list: String) throws -> MailboxState? {
        try MailboxStateRecord.fetchOne(db, key: list)?.state
    }

    /// Records the position of `list`, replacing the one recorded.
    static func save(_ db: Database, list: String, _ state: MailboxState) throws {
        try db.cachedStatement(sql: """
            INSERT INTO mailbox_state (list_id, uidvalidity, last_uid) VALUES (?, ?, ?)
            ON CONFLICT (list_id) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid
            """).execute(arguments: [list, Int64(state.uidValidity), Int64(state.lastUID)])
    }
}
