package import GRDB

/// Tables of the ingest stage (migrations `ingest-v1`, `ingest-v2-guards`).
///
/// `digest_entries`: an accepted post of a list with digest members, due in the next daily digest
/// (`Digest` reads and clears them). One row per (list, message): the digest is built per member from them.
///
/// `ingest_progress`: the message each list's mailbox is processing, written (committed) before the message is
/// parsed and cleared in the transaction that commits it (``IngestProgress``). A row left by a process that is gone
/// is an abnormal exit during that message; `crashes` counts them (the poison-message guard).
///
/// `fetch_failures`: UIDs the server failed to return (FETCH error, or an OK answer without them), with the count
/// of failed attempts; `unfetchable_at` is set when the gateway gave up on one and moved on (``FetchFailures``).
///
/// Since `store-v1-keys-and-dates` (``KeysAndDatesMigration``), `started_at` and `unfetchable_at` are GRDB's Date
/// text (they were DOUBLE seconds) and every `list_id` is a foreign key to `lists` (ON DELETE CASCADE).
package enum IngestMigrations {
    package static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("ingest-v1") { db in
            try db.execute(sql: """
                CREATE TABLE digest_entries (
                    list_id TEXT NOT NULL,
                    message_row_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                    created_at DATETIME NOT NULL,
                    sent_at DATETIME,
                    PRIMARY KEY (list_id, message_row_id)
                ) WITHOUT ROWID
                """)
        }
        migrator.registerMigration("ingest-v2-guards") { db in
            try db.execute(sql: """
                CREATE TABLE ingest_progress (
                    list_id TEXT PRIMARY KEY,
                    uidvalidity INTEGER NOT NULL,
                    uid INTEGER NOT NULL,
                    run_id TEXT NOT NULL,
                    crashes INTEGER NOT NULL DEFAULT 0 CHECK (crashes >= 0),
                    started_at DOUBLE NOT NULL
                );
                CREATE TABLE fetch_failures (
                    list_id TEXT NOT NULL,
                    uidvalidity INTEGER NOT NULL,
                    uid INTEGER NOT NULL,
                    failures INTEGER NOT NULL CHECK (failures >= 0),
                    last_error TEXT NOT NULL,
                    unfetchable_at DOUBLE,
                    PRIMARY KEY (list_id, uidvalidity, uid)
                ) WITHOUT ROWID;
                """)
        }
    }

    /// `ingest-v3-groups`: `ingest_progress.last_uid`, the last UID of a group of messages committed in one
    /// transaction (``MailboxSync``); NULL for a marker naming one message (every marker written before).
    package static func registerGroups(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("ingest-v3-groups") { db in
            try db.execute(sql: "ALTER TABLE ingest_progress ADD COLUMN last_uid INTEGER CHECK (last_uid IS NULL OR last_uid >= uid)")
        }
    }
}
