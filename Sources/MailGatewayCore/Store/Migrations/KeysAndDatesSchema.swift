/// The tables that migration `store-v1-keys-and-dates` rebuilds (``KeysAndDatesMigration``): the same columns in
/// the same order, with foreign keys, and `DATETIME` (GRDB's Date text) where the outbox and ingest tables had
/// `DOUBLE` seconds since 1970.
package enum KeysAndDatesSchema {
    /// One table to rebuild: its new definition (columns and constraints), the expression copying each column
    /// from the old table, and its indexes.
    package struct Table {
        package var name: String
        package var definition: String
        package var withoutRowID = false
        /// Columns whose DOUBLE seconds become Date text.
        package var dateColumns: Set<String> = []
        package var indexes: [String] = []
    }

    /// Tables in rebuild order (a table's parents are rebuilt, or untouched, before it).
    package static let tables: [Table] = [
        Table(name: "threads", definition: """
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
            subject TEXT NOT NULL DEFAULT '',
            base_subject TEXT NOT NULL DEFAULT '',
            root_message INTEGER REFERENCES messages(id) ON DELETE SET NULL,
            first_date DATETIME,
            last_date DATETIME,
            message_count INTEGER NOT NULL DEFAULT 0,
            participant_count INTEGER NOT NULL DEFAULT 0
            """, indexes: [
                "CREATE INDEX threads_list_last ON threads(list_id, last_date)",
                "CREATE INDEX threads_list_subject ON threads(list_id, base_subject)",
            ]),
        Table(name: "thread_nodes", definition: """
            list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
            message_id TEXT NOT NULL,
            thread_id INTEGER NOT NULL REFERENCES threads(id),
            is_placeholder INTEGER NOT NULL,
            message_row INTEGER REFERENCES messages(id) ON DELETE SET NULL,
            PRIMARY KEY (list_id, message_id)
            """, withoutRowID: true, indexes: ["CREATE INDEX thread_nodes_thread ON thread_nodes(thread_id)"]),
        Table(name: "quarantine", definition: """
            id INTEGER PRIMARY KEY,
            list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
            raw BLOB,
            size INTEGER NOT NULL,
            headers_excerpt TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('imap','import')),
            uidvalidity INTEGER,
            uid INTEGER,
            created DATETIME NOT NULL
            """, indexes: ["CREATE INDEX quarantine_list ON quarantine(list_id, created)"]),
        Table(name: "memberships", definition: """
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'moderator', 'owner')),
            delivery TEXT NOT NULL DEFAULT 'immediate' CHECK (delivery IN ('immediate', 'digest', 'none')),
            language TEXT CHECK (language IS NULL OR language IN ('fr', 'en', 'es')),
            origin TEXT NOT NULL DEFAULT 'manual' CHECK (origin IN ('register', 'manual')),
            joined_at DATETIME NOT NULL,
            UNIQUE (list_id, person_id)
            """, indexes: ["CREATE INDEX memberships_person ON memberships(person_id)"]),
        Table(name: "holds", definition: """
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            list_id TEXT NOT NULL REFERENCES lists(id),
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
            notify_author INTEGER NOT NULL DEFAULT 1,
            request_sent INTEGER NOT NULL DEFAULT 0,
            UNIQUE (message_id, list_id)
            """, indexes: [
                "CREATE INDEX holds_pending ON holds(status, expires_at)",
                "CREATE INDEX holds_requests ON holds(list_id, created_at)",
            ]),
        Table(name: "notice_log", definition: """
            sender TEXT NOT NULL,
            reason TEXT NOT NULL,
            list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
            day TEXT NOT NULL,
            sent_at DATETIME NOT NULL,
            suppressed INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (sender, reason, list_id, day)
            """, withoutRowID: true),
        Table(name: "outbox", definition: """
            id INTEGER PRIMARY KEY,
            list_id TEXT NOT NULL REFERENCES lists(id),
            message_id INTEGER NOT NULL REFERENCES messages(id),
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
            """, dateColumns: ["next_attempt_at", "retry_from", "created_at", "claimed_at", "sent_at", "handed_at"],
            indexes: [
                "CREATE INDEX outbox_due ON outbox(status, next_attempt_at)",
                "CREATE INDEX outbox_list ON outbox(list_id, status)",
            ]),
        Table(name: "digest_entries", definition: """
            list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
            message_row_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            created_at DATETIME NOT NULL,
            sent_at DATETIME,
            PRIMARY KEY (list_id, message_row_id)
            """, withoutRowID: true),
        Table(name: "ingest_progress", definition: """
            list_id TEXT PRIMARY KEY REFERENCES lists(id) ON DELETE CASCADE,
            uidvalidity INTEGER NOT NULL,
            uid INTEGER NOT NULL,
            run_id TEXT NOT NULL,
            crashes INTEGER NOT NULL DEFAULT 0 CHECK (crashes >= 0),
            started_at DATETIME NOT NULL
            """, dateColumns: ["started_at"]),
        Table(name: "fetch_failures", definition: """
            list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
            uidvalidity INTEGER NOT NULL,
            uid INTEGER NOT NULL,
            failures INTEGER NOT NULL CHECK (failures >= 0),
            last_error TEXT NOT NULL,
            unfetchable_at DATETIME,
            PRIMARY KEY (list_id, uidvalidity, uid)
            """, withoutRowID: true, dateColumns: ["unfetchable_at"]),
    ]

    /// A foreign key the migration checks before rebuilding: every non-NULL `column` of `table` names a row of
    /// `parent`; `rowKey` names the child row in an error.
    package struct Reference {
        package var table: String
        package var column: String
        package var parent: String
        package var rowKey: String
    }

    /// The keys to rows that the migration cannot create (a missing list row is created instead).
    package static let references: [Reference] = [
        Reference(table: "holds", column: "message_id", parent: "messages", rowKey: "'id ' || id"),
        Reference(table: "outbox", column: "message_id", parent: "messages", rowKey: "'id ' || id"),
        Reference(table: "outbox", column: "body_id", parent: "outbox_body", rowKey: "'id ' || id"),
        Reference(table: "digest_entries", column: "message_row_id", parent: "messages",
                  rowKey: "'list ' || list_id || ', message row ' || message_row_id"),
        Reference(table: "thread_nodes", column: "thread_id", parent: "threads",
                  rowKey: "'list ' || list_id || ', message-id ' || message_id"),
    ]

    /// Pointers whose new key is ON DELETE SET NULL: a dangling one is set to NULL, as the key would have done.
    package static let nullablePointers: [(table: String, column: String)] = [
        ("thread_nodes", "message_row"), ("threads", "root_message"),
    ]

    /// The tables whose `list_id` must name a `lists` row.
    package static let listTables = ["threads", "thread_nodes", "quarantine", "memberships", "holds", "notice_log", "outbox",
                             "digest_entries", "ingest_progress", "fetch_failures"]
}
