public import GRDB

/// Every migration of the gateway's database, in the one order they run. An identifier never changes once
/// shipped and new migrations are only appended: a database written by any earlier version opens and keeps
/// every row (`MigrationFromMainTests` opens one that the main of 2026-12-06 wrote).
public enum StoreMigrations {
    /// The complete migrator.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        ArchiveMigrations.register(in: &migrator)
        // The members, moderation and notice migrations shipped interleaved: their order is history.
        MembersMigrations.v1(in: &migrator)
        ModerationMigrations.v1(in: &migrator)
        NoticesMigrations.v1(in: &migrator)
        MembersMigrations.v2AddressKey(in: &migrator)
        ModerationMigrations.v2AndV3(in: &migrator)
        OutboxMigrations.register(in: &migrator)
        IngestMigrations.register(in: &migrator)
        KeysAndDatesMigration.register(in: &migrator)
        DigestMigrations.register(in: &migrator)
        CommandsMigrations.register(in: &migrator)
        DigestMigrations.registerFlushes(in: &migrator)
        CopiesMigrations.register(in: &migrator)
        BouncesMigrations.register(in: &migrator)
        ArchiveMigrations.registerSearchIndex(in: &migrator)
        IngestMigrations.registerGroups(in: &migrator)
        OutboxMigrations.registerListIndex(in: &migrator)
        ArchiveMigrations.registerAcceptedOnlySearch(in: &migrator)
        ArchiveMigrations.registerAttachmentsInRaw(in: &migrator)
        return migrator
    }
}
