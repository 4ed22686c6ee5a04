public import GRDB

/// Every migration of the gateway's database, in the one order they run. An identifier never changes once
/// shipped and new migrations are only appended: a database written by any earlier version opens and keeps
/// every row (`MigrationFromMainTests` opens one that the main of 2026-12-06 wrote).
public enum StoreMigrations {
    /// The complete migrator.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        ArchiveMigrations.register(in: &migrator)
        MembersMigrations.register(in: &migrator)
        OutboxMigrations.register(in: &migrator)
        IngestMigrations.register(in: &migrator)
        KeysAndDatesMigration.register(in: &migrator)
        return migrator
    }
}
