public import GRDB

/// Tables of the ingest stage (migration `ingest-v1`).
///
/// `digest_entries`: an accepted post of a list with digest members, due in the next daily digest
/// (`Digest` reads and clears them). One row per (list, message): the digest is built per member from them.
public enum IngestSchema {
    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {
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
    }
}
