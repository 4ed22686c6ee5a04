package import GRDB

/// The migration of the notice log, `notice_log` (one notice per sender, reason and list per day):
/// `notices-v1`. Since `store-v1-keys-and-dates` `notice_log.list_id` is a foreign key to `lists`.
package enum NoticesMigrations {
    /// `notices-v1`.
    package static func v1(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("notices-v1") { db in
            try db.execute(sql: """
                CREATE TABLE notice_log (
                    sender TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    list_id TEXT NOT NULL,
                    day TEXT NOT NULL,
                    sent_at DATETIME NOT NULL,
                    suppressed INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (sender, reason, list_id, day)
                ) WITHOUT ROWID;
                """)
        }
    }
}
