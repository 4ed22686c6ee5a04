package import GRDB

/// Migration `copies-v1` (issue 11, list copies): `memberships.own_posts`, whether a member receives their own
/// posts (1, Mailman 3's default `receive_own_postings`) or not (0, set by `members set --own-posts no` or the
/// email command `set ownposts off`).
package enum CopiesMigrations {
    package static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("copies-v1") { db in
            try db.execute(sql: """
                ALTER TABLE memberships ADD COLUMN own_posts INTEGER NOT NULL DEFAULT 1 CHECK (own_posts IN (0, 1))
                """)
        }
    }
}
