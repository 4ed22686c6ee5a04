package import GRDB

/// The outbox tables (migrations "outbox-v1", "outbox-v2-claims",
/// "outbox-v3-redact-sent-notices"), registered by the owner of the main database.
///
/// - `outbox_body`: the bytes common to all copies of a post, stored once (keyed by SHA-256).
/// - `outbox`: one row per recipient copy. `purpose` says what the copy is: `post` (the list's copy of an archived
///   message) or `notice:<kind>` (a notice about that message, e.g. `notice:moderation-request`).
///   `UNIQUE(message_id, recipient, purpose)` makes enqueuing twice a no-op, while a moderator can still get
///   both the moderation request and, once approved, the post.
///   Status goes `pending -> sending -> sent`, or back to `pending` (transient failure, with backoff), or to
///   `failed` (permanent 5xx, or transient failures past the retry period). Permanent failures keep the
///   server's code and text in `last_error_*` with `last_error_kind = 'permanent'`: that row is the record
///   for bounce processing (no separate bounces table).
///   A `sending` row records the run that claimed it (`claimed_by`, ``Gateway/runID``) and, once it is handed to
///   SMTP, `handed_at`: only a handed row of a process that died may have been delivered (at most one per
///   connection); a claimed row never handed was not attempted.
///
/// Since `store-v1-keys-and-dates` (``KeysAndDatesMigration``) the dates are GRDB's Date text (they were DOUBLE
/// seconds since 1970), `outbox.message_id` is a foreign key to `messages` (every copy, notices included, is
/// about an archived message) and `outbox.list_id` to `lists`.
package enum OutboxMigrations {
    /// Adds the "outbox-v1" migration.
    package static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("outbox-v1") { db in
            try db.execute(sql: """
                CREATE TABLE outbox_body (
                    id INTEGER PRIMARY KEY,
                    digest TEXT NOT NULL UNIQUE,
                    bytes BLOB NOT NULL
                );
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY,
                    list_id TEXT NOT NULL,
                    message_id INTEGER NOT NULL,
                    purpose TEXT NOT NULL DEFAULT 'post',
                    recipient TEXT NOT NULL,
                    envelope_from TEXT NOT NULL,
                    header_prefix BLOB NOT NULL,
                    body_id INTEGER NOT NULL REFERENCES outbox_body(id),
                    status TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    next_attempt_at DOUBLE NOT NULL,
                    retry_from DOUBLE NOT NULL,
                    last_error_kind TEXT CHECK (last_error_kind IN ('transient', 'permanent')),
                    last_error_code INTEGER,
                    last_error_command TEXT,
                    last_error_text TEXT,
                    created_at DOUBLE NOT NULL,
                    claimed_at DOUBLE,
                    sent_at DOUBLE,
                    UNIQUE (message_id, recipient, purpose)
                );
                CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
                CREATE INDEX outbox_list ON outbox(list_id, status);
                """)
        }
        migrator.registerMigration("outbox-v2-claims") { db in
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
                ALTER TABLE outbox ADD COLUMN handed_at DOUBLE;
                """)
        }
        migrator.registerMigration("outbox-v3-redact-sent-notices") { db in
            // Notice bodies sent before this version still hold usable moderation tokens: empty them as
            // `Outbox.markSent` now does.
            try db.execute(sql: """
                UPDATE outbox_body SET bytes = X'', digest = 'redacted:' || id
                WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.body_id = outbox_body.id AND o.purpose LIKE 'notice:%')
                  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.body_id = outbox_body.id AND o.status <> 'sent')
                """)
        }
    }
}

extension OutboxMigrations {
    /// Issue 12 (batched RCPTs): `outbox_list` indexed `(list_id, status)`, so every status change of a copy (claimed,
    /// then sent: two per copy) moved its entry in that index as well as in `outbox_due`; measured about 5 us a
    /// copy per index and status change in a 20,000-copy fan-out. Its readers are admin commands (`outbox list
    /// --list`, `outbox retry --list`, the counts by list), which need the list's rows, not their status: an index
    /// on `list_id` alone serves them and no status change touches it (SQLite updates only the indexes holding a
    /// changed column). Safe: an index changes no row and no result, only the plan; `outbox_due` (status,
    /// next_attempt_at) still serves every status query of the sender.
    package static func registerListIndex(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("outbox-v4-list-index") { db in
            try db.execute(sql: """
                DROP INDEX IF EXISTS outbox_list;
                CREATE INDEX outbox_list_id ON outbox(list_id);
                """)
        }
    }
}
