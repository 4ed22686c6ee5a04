package import GRDB

/// Migrations of the moderation queue, `holds`, registered by ``StoreMigrations`` in the order they shipped:
/// - `moderation-v1`: `holds`;
/// - `moderation-v2-notices`: `holds.notify_author` and `holds.request_sent`;
/// - `moderation-v3-unproven-authors`: holds of unproven authors never notify them.
///
/// Since `store-v1-keys-and-dates` (``KeysAndDatesMigration``) `holds.message_id` is a foreign key to `messages`
/// (ON DELETE CASCADE) and `holds.list_id` one to `lists`.
package enum ModerationMigrations {
    /// `moderation-v1`.
    package static func v1(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("moderation-v1") { db in
            try db.execute(sql: """
                CREATE TABLE holds (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    message_id INTEGER NOT NULL,
                    list_id TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    rule TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    expires_at DATETIME NOT NULL,
                    token_hash TEXT,
                    status TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'approved', 'rejected', 'discarded', 'expired')),
                    decided_by TEXT,
                    decided_at DATETIME,
                    decision_reason TEXT,
                    UNIQUE (message_id, list_id)
                );
                CREATE INDEX holds_pending ON holds(status, expires_at);
                """)
        }
    }

    /// `moderation-v2-notices` then `moderation-v3-unproven-authors`.
    package static func v2AndV3(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("moderation-v2-notices") { db in
            // Whether the author may be told of the hold's outcome (false when the policy said "no notice", e.g.
            // an unproven From), recorded at hold time; whether the moderators were sent a request.
            try db.execute(sql: """
                ALTER TABLE holds ADD COLUMN notify_author INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE holds ADD COLUMN request_sent INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX holds_requests ON holds(list_id, created_at);
                """)
        }
        migrator.registerMigration("moderation-v3-unproven-authors") { db in
            // Holds made before `notify_author` existed: a spoofing hold's author is unproven and is never told.
            try db.execute(sql: "UPDATE holds SET notify_author = 0 WHERE rule = 'spoofing'")
        }
    }
}
