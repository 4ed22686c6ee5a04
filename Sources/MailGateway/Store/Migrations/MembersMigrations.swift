import GRDB

/// The SQLite schema of partners, membership, moderation holds and the notice log.
///
/// Registered by ``StoreMigrations``, after the archive's migrations; it registers,
/// in this order:
/// - `members-v1`: `organisations`, `people`, `addresses`, `memberships`;
/// - `moderation-v1`: `holds` (the moderation queue);
/// - `notices-v1`: `notice_log` (one notice per sender, reason and list per day);
/// - `members-v2-address-key`: `addresses.normalized` recomputed as the case-insensitive key;
/// - `moderation-v2-notices`: `holds.notify_author` and `holds.request_sent`.
///
/// `holds.message_id` is the archive's message row id. Since `store-v1-keys-and-dates` (``KeysAndDatesMigration``)
/// it is a foreign key to `messages` (ON DELETE CASCADE), and `holds.list_id`, `memberships.list_id` and
/// `notice_log.list_id` are foreign keys to `lists`.
enum MembersMigrations {
    /// Registers the `members-v1`, `moderation-v1` and `notices-v1` migrations.
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("members-v1") { db in
            try db.execute(sql: """
                CREATE TABLE organisations (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    country TEXT NOT NULL DEFAULT '',
                    college TEXT NOT NULL
                        CHECK (college IN ('states', 'research', 'producers', 'civil-society', 'private')),
                    is_funder INTEGER NOT NULL DEFAULT 0 CHECK (is_funder IN (0, 1)),
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE TABLE people (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,
                    language TEXT NOT NULL CHECK (language IN ('fr', 'en', 'es')),
                    organisation_id INTEGER REFERENCES organisations(id) ON DELETE CASCADE,
                    is_secretariat INTEGER NOT NULL DEFAULT 0 CHECK (is_secretariat IN (0, 1)),
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX people_organisation ON people(organisation_id);
                CREATE TABLE addresses (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
                    address TEXT NOT NULL,
                    normalized TEXT NOT NULL UNIQUE
                );
                CREATE INDEX addresses_person ON addresses(person_id);
                CREATE TABLE memberships (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    list_id TEXT NOT NULL,
                    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
                    role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'moderator', 'owner')),
                    delivery TEXT NOT NULL DEFAULT 'immediate' CHECK (delivery IN ('immediate', 'digest', 'none')),
                    language TEXT CHECK (language IS NULL OR language IN ('fr', 'en', 'es')),
                    origin TEXT NOT NULL DEFAULT 'manual' CHECK (origin IN ('register', 'manual')),
                    joined_at DATETIME NOT NULL,
                    UNIQUE (list_id, person_id)
                );
                CREATE INDEX memberships_person ON memberships(person_id);
                """)
        }
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
        migrator.registerMigration("members-v2-address-key") { db in
            // `addresses.normalized` becomes the case-insensitive key (`AddressSyntax.canonicalKey` of
            // 2026-12-06, frozen below as `addressKeyV2`). Two rows whose addresses differ only in case are one
            // mailbox: the older row is kept.
            let rows = try Row.fetchAll(db, sql: "SELECT id, address FROM addresses ORDER BY id")
            var seen: Set<String> = []
            for row in rows {
                let id: Int64 = row["id"]
                let key = addressKeyV2(row["address"])
                if seen.insert(key).inserted {
                    try db.execute(sql: "UPDATE addresses SET normalized = ? || '\u{1}' WHERE id = ?",
                                   arguments: [key, id])
                } else {
                    try db.execute(sql: "DELETE FROM addresses WHERE id = ?", arguments: [id])
                }
            }
            // Two steps, so that the UNIQUE index never sees a transient collision.
            try db.execute(sql: "UPDATE addresses SET normalized = substr(normalized, 1, length(normalized) - 1)")
        }
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

    /// The address key of `members-v2-address-key`: `AddressSyntax.canonicalKey` as it was when the migration
    /// shipped (the whole address, ASCII letters lower-cased, other bytes kept). A migration is history: this
    /// copy never follows later changes of the address rules, so the migration always computes the same keys.
    private static func addressKeyV2(_ address: String) -> String {
        var out = Array(address.utf8)
        for i in out.indices where out[i] >= 65 && out[i] <= 90 { out[i] += 32 }
        return String(decoding: out, as: UTF8.self)
    }
}
