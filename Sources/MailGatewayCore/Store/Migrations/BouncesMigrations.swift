package import GRDB

/// Migration `bounces-v1` (issue 11, bounces; BN-5, BN-6, BN-7, BN-9):
/// - `bounce_events`: every failed delivery the gateway learnt of (an SMTP refusal of its own RCPT/DATA, a DSN, a
///   bounce in words), with its class, codes and text, the copy it concerns, and whether it counted in the score
///   (at most one counted event per address and UTC day: the worst class of the day);
/// - `bounce_addresses`: the score and state of an address across lists (`active`, `probing`, `disabled`), the
///   probe, the warnings sent while disabled;
/// - `bounce_policy_alerts`: the daily alert to a list's moderators about policy refusals (DMARC, SPF, DKIM,
///   blocklists) from one receiving domain, at most one per (list, domain, day).
package enum BouncesMigrations {
    package static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("bounces-v1") { db in
            try db.execute(sql: """
                CREATE TABLE bounce_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    address_key TEXT NOT NULL,
                    address TEXT NOT NULL,
                    list_id TEXT REFERENCES lists(id) ON DELETE SET NULL,
                    copy_id INTEGER REFERENCES outbox(id) ON DELETE SET NULL,
                    purpose TEXT NOT NULL DEFAULT '',
                    class TEXT NOT NULL CHECK (class IN ('hard', 'soft', 'policy', 'content', 'unknown')),
                    status TEXT,
                    code INTEGER,
                    diagnostic TEXT NOT NULL DEFAULT '',
                    source TEXT NOT NULL CHECK (source IN ('smtp', 'dsn', 'nondsn')),
                    receiving_domain TEXT NOT NULL DEFAULT '',
                    counted INTEGER NOT NULL DEFAULT 0,
                    bounce_row INTEGER REFERENCES messages(id) ON DELETE SET NULL,
                    at DATETIME NOT NULL
                );
                CREATE INDEX bounce_events_address ON bounce_events(address_key, at);
                CREATE INDEX bounce_events_policy ON bounce_events(class, list_id, receiving_domain, at);
                CREATE UNIQUE INDEX bounce_events_copy ON bounce_events(copy_id, source) WHERE copy_id IS NOT NULL;
                CREATE TABLE bounce_addresses (
                    address_key TEXT PRIMARY KEY,
                    address TEXT NOT NULL,
                    list_id TEXT REFERENCES lists(id) ON DELETE SET NULL,
                    score REAL NOT NULL DEFAULT 0,
                    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'probing', 'disabled')),
                    counted_day TEXT,
                    counted_weight REAL NOT NULL DEFAULT 0,
                    last_event_at DATETIME,
                    probe_copy_id INTEGER,
                    probe_sent_at DATETIME,
                    disabled_at DATETIME,
                    disabled_notified INTEGER NOT NULL DEFAULT 0,
                    warnings_sent INTEGER NOT NULL DEFAULT 0,
                    last_warning_at DATETIME,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX bounce_addresses_state ON bounce_addresses(state);
                CREATE TABLE bounce_policy_alerts (
                    list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
                    receiving_domain TEXT NOT NULL,
                    day TEXT NOT NULL,
                    events INTEGER NOT NULL,
                    sent_at DATETIME NOT NULL,
                    PRIMARY KEY (list_id, receiving_domain, day)
                );
                """)
        }
    }
}
