public import Foundation
public import GRDB

/// A row of `opt_outs` (migration `commands-v1`): a person who left a list stays out. The register import skips
/// these (list, person) pairs; joining again (by email or `members add`) deletes the row.
public enum OptOutRecord {
    /// Records that a person left a list; `source` says how (`email`, `cli`, `bounce`).
    static func record(_ db: Database, listID: String, personID: Int64, source: String, now: Date) throws {
        try db.execute(sql: """
            INSERT INTO opt_outs (list_id, person_id, created_at, source) VALUES (?, ?, ?, ?)
            ON CONFLICT (list_id, person_id) DO UPDATE SET created_at = excluded.created_at, source = excluded.source
            """, arguments: [listID, personID, now, source])
    }

    /// Forgets an opt-out (the person joins again); returns whether there was one.
    @discardableResult
    static func clear(_ db: Database, listID: String, personID: Int64) throws -> Bool {
        try db.execute(sql: "DELETE FROM opt_outs WHERE list_id = ? AND person_id = ?", arguments: [listID, personID])
        return db.changesCount > 0
    }

    /// The lists a person opted out of.
    static func listIDs(_ db: Database, personID: Int64) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT list_id FROM opt_outs WHERE person_id = ?", arguments: [personID]))
    }
}
