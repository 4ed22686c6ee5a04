public import GRDB

extension OutboxBodyRecord {
    /// The total size of the bodies of copies whose purpose starts with `purposePrefix` (each body counted once).
    static func totalBytes(_ db: Database, purposePrefix: String) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT coalesce(sum(length(b.bytes)), 0) FROM outbox_body b
            WHERE b.id IN (SELECT body_id FROM outbox WHERE purpose LIKE ? || '%')
            """, arguments: [purposePrefix]) ?? 0
    }
}
