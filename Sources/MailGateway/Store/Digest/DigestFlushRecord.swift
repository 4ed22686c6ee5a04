public import Foundation
public import GRDB

/// A row of `digest_flushes`: a member of a list left a digest mode (for `each`, `nomail`, `notices`) at
/// `requested_at`, in the transaction that changed their mode (``MembershipRecord`` `update`, whichever path did:
/// `members set`, an email `set` command). The digest run drains them: it sends the posts accepted
/// between the member's previous issue and `requested_at` in `format` (the mode they left), then deletes the row,
/// in one transaction. The MailGateway target records the request; the Digest target, which it cannot import,
/// acts on it. One row per (list, person): a second change before a run keeps the latest.
public struct DigestFlushRecord: Codable, Sendable, Equatable, FetchableRecord {
    public var listID: String
    public var personID: Int64
    /// The digest mode the member left (`digest`, `digest-plain`, `digest-mime`, `summary`).
    public var format: String
    public var requestedAt: Date

    enum CodingKeys: String, CodingKey {
        case format
        case listID = "list_id", personID = "person_id", requestedAt = "requested_at"
    }

    /// Records that the member left digest mode `format` at `at`.
    static func record(_ db: Database, listID: String, personID: Int64, format: String, at: Date) throws {
        try db.execute(sql: """
            INSERT INTO digest_flushes (list_id, person_id, format, requested_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (list_id, person_id) DO UPDATE SET format = excluded.format, requested_at = excluded.requested_at
            """, arguments: [listID, personID, format, StoreDate.value(at)])
    }

    /// The requests made at or before `at`, oldest first.
    public static func pending(_ db: Database, upTo at: Date) throws -> [DigestFlushRecord] {
        try fetchAll(db, sql: """
            SELECT list_id, person_id, format, requested_at FROM digest_flushes WHERE requested_at <= ?
            ORDER BY requested_at, list_id, person_id
            """, arguments: [StoreDate.value(at)])
    }

    /// Deletes the request of the member (done, or no longer needed), unless a newer one replaced it.
    public static func delete(_ db: Database, listID: String, personID: Int64, requestedAt: Date) throws {
        try db.execute(sql: "DELETE FROM digest_flushes WHERE list_id = ? AND person_id = ? AND requested_at = ?",
                       arguments: [listID, personID, StoreDate.value(requestedAt)])
    }
}
