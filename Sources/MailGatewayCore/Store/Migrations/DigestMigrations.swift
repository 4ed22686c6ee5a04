package import GRDB

/// Migration `digest-v1`: the digest's schedule and its issues.
/// - `memberships.delivery` gains `digest-plain`, `digest-mime`, `summary` and `notices` (the CHECK constraint
///   changes: the table is rebuilt with ``KeysAndDatesMigration/rebuild(_:_:)``, every row kept), and two columns:
///   `digest_time` (`HH:MM`, the member's local time; NULL = the list's, then the configuration's) and
///   `digest_weekday` (NULL = daily, 1 = Monday ... 7 = Sunday = weekly on that day);
/// - `people.time_zone`: an IANA time zone name (NULL = the list's, then the configuration's);
/// - `digest_issues`: one issue of one member's digest of one list, UNIQUE (list, person, period_end): the key
///   that makes a second run, or a second process, a no-op. Its copies are outbox rows with purpose
///   `digest:<issue id>` (`digest:<issue id>.<part>` from the second part on) naming the last item (the
///   UNIQUE key's index serves the queries by list and by member: no other index). The digest run reads a list's
///   `digest_entries` through their primary key's `list_id` prefix, filtering on `created_at` (no index on it:
///   the fixture database of main must keep its printed size, `MainFixtureCLITests`).
package enum DigestMigrations {
    package static let memberships = KeysAndDatesSchema.Table(name: "memberships", definition: """
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'moderator', 'owner')),
        delivery TEXT NOT NULL DEFAULT 'immediate' CHECK (delivery IN
            ('immediate', 'digest', 'none', 'digest-plain', 'digest-mime', 'summary', 'notices')),
        language TEXT CHECK (language IS NULL OR language IN ('fr', 'en', 'es')),
        origin TEXT NOT NULL DEFAULT 'manual' CHECK (origin IN ('register', 'manual')),
        joined_at DATETIME NOT NULL,
        digest_time TEXT CHECK (digest_time IS NULL OR digest_time GLOB '[0-2][0-9]:[0-5][0-9]'),
        digest_weekday INTEGER CHECK (digest_weekday IS NULL OR digest_weekday BETWEEN 1 AND 7),
        UNIQUE (list_id, person_id)
        """, indexes: ["CREATE INDEX memberships_person ON memberships(person_id)"])

    /// Migration `digest-v2-flushes`: `digest_flushes`, one row per member who left a digest mode and is owed
    /// what accumulated (``DigestFlushRecord``); the primary key serves every query.
    package static func registerFlushes(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("digest-v2-flushes") { db in
            try db.execute(sql: """
                CREATE TABLE digest_flushes (
                    list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
                    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
                    format TEXT NOT NULL CHECK (format IN ('digest', 'digest-plain', 'digest-mime', 'summary')),
                    requested_at DATETIME NOT NULL,
                    PRIMARY KEY (list_id, person_id)
                )
                """)
        }
    }

    package static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("digest-v1") { db in
            try KeysAndDatesMigration.rebuild(db, memberships)
            try db.execute(sql: """
                ALTER TABLE people ADD COLUMN time_zone TEXT;
                CREATE TABLE digest_issues (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
                    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
                    number INTEGER NOT NULL CHECK (number >= 1),
                    format TEXT NOT NULL CHECK (format IN ('digest', 'digest-plain', 'digest-mime', 'summary')),
                    recipient TEXT NOT NULL,
                    period_start DATETIME,
                    period_end DATETIME NOT NULL,
                    items TEXT NOT NULL,
                    parts INTEGER NOT NULL DEFAULT 0,
                    created_at DATETIME NOT NULL,
                    UNIQUE (list_id, person_id, period_end)
                );
                """)
        }
    }
}
