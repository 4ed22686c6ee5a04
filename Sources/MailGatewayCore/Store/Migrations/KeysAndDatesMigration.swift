package import GRDB

/// Migration `store-v1-keys-and-dates`: foreign keys with their ON DELETE rule on every `list_id` and on the
/// references to messages and threads, and one date encoding (GRDB's Date text, `yyyy-MM-dd HH:mm:ss.SSS` UTC)
/// for the outbox and ingest dates that were DOUBLE seconds. SQLite cannot add a foreign key to a table, so each
/// table of ``KeysAndDatesSchema/tables`` is rebuilt (SQLite's procedure, with the copy in a temporary table so
/// that the file does not grow: copy the rows out, drop the table, create it anew, copy them back, recreate the
/// indexes); GRDB runs a migration with foreign keys off and checks them all before it commits.
///
/// Seconds are truncated to the millisecond, as GRDB writes a Date. Nothing is dropped: a row whose list has no
/// `lists` row gets one (its address unknown until the
/// configuration registers it); a dangling thread root or node pointer is set to NULL (what its new ON DELETE SET
/// NULL does); a row naming a message, thread or body that does not exist cannot be kept with
/// its key, and the migration fails naming the table and rows (the database is left as it was).
package enum KeysAndDatesMigration {
    package static let identifier = "store-v1-keys-and-dates"

    package static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration(identifier) { db in
            try addMissingLists(db)
            try clearDanglingPointers(db)
            try checkReferences(db)
            for table in KeysAndDatesSchema.tables {
                try rebuild(db, table)
            }
        }
    }

    package static func addMissingLists(_ db: Database) throws {
        for table in KeysAndDatesSchema.listTables {
            try db.execute(sql: """
                INSERT OR IGNORE INTO lists (id, created)
                SELECT DISTINCT list_id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM \(table)
                """)
        }
    }

    package static func clearDanglingPointers(_ db: Database) throws {
        for (table, column) in KeysAndDatesSchema.nullablePointers {
            try db.execute(sql: """
                UPDATE \(table) SET \(column) = NULL
                WHERE \(column) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = \(table).\(column))
                """)
        }
    }

    package static func checkReferences(_ db: Database) throws {
        var problems: [String] = []
        for reference in KeysAndDatesSchema.references {
            let rows = try String.fetchAll(db, sql: """
                SELECT \(reference.rowKey) || ' (\(reference.column) ' || \(reference.column) || ')' FROM \(reference.table)
                WHERE \(reference.column) IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM \(reference.parent) p WHERE p.rowid = \(reference.table).\(reference.column))
                LIMIT 20
                """)
            if !rows.isEmpty {
                problems.append("\(reference.table) rows naming a missing \(reference.parent) row: "
                                + rows.joined(separator: "; "))
            }
        }
        guard problems.isEmpty else {
            throw DatabaseError(resultCode: .SQLITE_CONSTRAINT_FOREIGNKEY, message: """
                migration \(identifier) cannot add the foreign keys without losing rows; fix or remove them, then \
                start again: \(problems.joined(separator: " | "))
                """)
        }
    }

    /// Rebuilds `table` with its new definition, keeping every row, its AUTOINCREMENT sequence and its indexes.
    /// The rows wait in a temporary table (outside the database file) while the old table is dropped and the new
    /// one created under the same name: the new table reuses the old one's pages instead of growing the file.
    package static func rebuild(_ db: Database, _ table: KeysAndDatesSchema.Table) throws {
        let name = table.name
        let columns = try db.columns(in: name).map(\.name)
        let sequence = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = ?", arguments: [name])
        try db.execute(sql: "CREATE TEMP TABLE old_\(name) AS SELECT * FROM main.\(name)")
        try db.execute(sql: "DROP TABLE main.\(name)")
        try db.execute(sql: """
            CREATE TABLE main.\(name) (
            \(table.definition)
            )\(table.withoutRowID ? " WITHOUT ROWID" : "")
            """)
        let values = columns.map { column in
            table.dateColumns.contains(column)
                ? "CASE WHEN typeof(\(column)) IN ('integer', 'real') "
                    + "THEN strftime('%Y-%m-%d %H:%M:%f', CAST(\(column) * 1000 AS INTEGER) / 1000.0, 'unixepoch') "
                    + "ELSE \(column) END"
                : column
        }
        try db.execute(sql: """
            INSERT INTO main.\(name) (\(columns.joined(separator: ", ")))
            SELECT \(values.joined(separator: ", ")) FROM temp.old_\(name)
            """)
        try db.execute(sql: "DROP TABLE temp.old_\(name)")
        for index in table.indexes { try db.execute(sql: index) }
        if let sequence {
            try db.execute(sql: "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", arguments: [sequence, name])
            if db.changesCount == 0 {
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", arguments: [name, sequence])
            }
        }
    }
}
