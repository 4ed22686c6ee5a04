package import GRDB

/// Migration `commands-v1` (issue 10: commands by email, confirmations, moderation by email, welcome and goodbye):
/// - `outbox.message_id` may be NULL: a welcome, a goodbye or a confirmation that no archived message caused (a
///   register import, `members add`) is still a durable outbox copy. Such copies are unique by (recipient,
///   purpose) — the purpose names the event, e.g. `welcome:<membership id>` — through the partial index
///   `outbox_unbound` (the table is rebuilt, every row kept);
/// - `confirmations`: one-time tokens (CM-4): only the SHA-256 of the token is stored, bound to (list, action,
///   target address, parameters); single use (`used_at`, `used_by`), an expiry. A moderation request's token
///   (`action = 'moderate'`) names its hold;
/// - `command_replies`: every automatic answer to a command, by the canonical key of the address it went to (the
///   per-address daily caps of CM-12);
/// - `opt_outs`: a person who left a list (by email or by the CLI) stays out: a register import does not add them
///   back until they join again;
/// - `allowed_senders`: addresses a moderator accepted for a list from now on ("approve and accept the sender").
package enum CommandsMigrations {
    package static let outbox = KeysAndDatesSchema.Table(name: "outbox", definition: """
        id INTEGER PRIMARY KEY,
        list_id TEXT NOT NULL REFERENCES lists(id),
        message_id INTEGER REFERENCES messages(id),
        purpose TEXT NOT NULL DEFAULT 'post',
        recipient TEXT NOT NULL,
        envelope_from TEXT NOT NULL,
        header_prefix BLOB NOT NULL,
        body_id INTEGER NOT NULL REFERENCES outbox_body(id),
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at DATETIME NOT NULL,
        retry_from DATETIME NOT NULL,
        last_error_kind TEXT CHECK (last_error_kind IN ('transient', 'permanent')),
        last_error_code INTEGER,
        last_error_command TEXT,
        last_error_text TEXT,
        created_at DATETIME NOT NULL,
        claimed_at DATETIME,
        sent_at DATETIME,
        claimed_by TEXT,
        handed_at DATETIME,
        UNIQUE (message_id, recipient, purpose)
        """, indexes: [
            "CREATE INDEX outbox_due ON outbox(status, next_attempt_at)",
            "CREATE INDEX outbox_list ON outbox(list_id, status)",
            "CREATE UNIQUE INDEX outbox_unbound ON outbox(recipient, purpose) WHERE message_id IS NULL",
        ])

    package static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("commands-v1") { db in
            try KeysAndDatesMigration.rebuild(db, outbox)
            try db.execute(sql: """
                CREATE TABLE confirmations (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    token_hash TEXT NOT NULL UNIQUE,
                    list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
                    action TEXT NOT NULL CHECK (action IN ('join', 'leave', 'set', 'lang', 'undo', 'moderate')),
                    address TEXT NOT NULL,
                    address_key TEXT NOT NULL,
                    parameters TEXT NOT NULL DEFAULT '{}',
                    requested_by TEXT,
                    hold_id INTEGER REFERENCES holds(id) ON DELETE CASCADE,
                    created_at DATETIME NOT NULL,
                    expires_at DATETIME NOT NULL,
                    used_at DATETIME,
                    used_by TEXT
                );
                CREATE INDEX confirmations_address ON confirmations(address_key, created_at);
                CREATE INDEX confirmations_hold ON confirmations(hold_id) WHERE hold_id IS NOT NULL;
                CREATE TABLE command_replies (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    address_key TEXT NOT NULL,
                    list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX command_replies_address ON command_replies(address_key, created_at);
                CREATE TABLE opt_outs (
                    list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
                    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
                    created_at DATETIME NOT NULL,
                    source TEXT NOT NULL,
                    PRIMARY KEY (list_id, person_id)
                ) WITHOUT ROWID;
                CREATE TABLE allowed_senders (
                    list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
                    address_key TEXT NOT NULL,
                    address TEXT NOT NULL,
                    added_by TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    PRIMARY KEY (list_id, address_key)
                ) WITHOUT ROWID;
                """)
        }
    }
}
