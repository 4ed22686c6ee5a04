package import GRDB

/// Migrations of partners and membership: `organisations`, `people`, `addresses`, `memberships`. Registered by
/// ``StoreMigrations`` in the order they shipped, between the moderation and notice migrations:
/// - `members-v1`: the four tables;
/// - `members-v2-address-key`: `addresses.normalized` recomputed as the case-insensitive key.
///
/// Since `store-v1-keys-and-dates` (``KeysAndDatesMigration``) `memberships.list_id` is a foreign key to `lists`.
package enum MembersMigrations {
    /// `members-v1`.
    package static func v1(in migrator: inout DatabaseMigrator) {
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
    }

    /// `members-v2-address-key`.
    package static func v2AddressKey(in migrator: inout DatabaseMigrator) {
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
