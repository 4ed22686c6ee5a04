import Foundation
import GRDB

/// One row of `organisations` (migration `members-v1`): a partner organisation. `name` is unique without case
/// (`COLLATE NOCASE`). Deleting a row deletes its people (`people.organisation_id … ON DELETE CASCADE`).
struct OrganisationRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "organisations"

    var id: Int64?
    var name: String
    var country: String
    var college: College
    var isFunder: Bool
    var createdAt: Date
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, country, college
        case isFunder = "is_funder"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The domain value.
    var organisation: Organisation {
        Organisation(id: id ?? 0, name: name, country: country, college: college, isFunder: isFunder)
    }

    // MARK: Queries

    /// The row with this name (compared without case).
    static func named(_ name: String, in db: Database) throws -> OrganisationRecord? {
        try filter(Column("name") == name).fetchOne(db)
    }

    /// The id of the organisation with this name (compared without case).
    static func id(named name: String, in db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM organisations WHERE name = ?", arguments: [name])
    }

    /// Every organisation, by name without case.
    static func all(in db: Database) throws -> [Organisation] {
        try order(Column("name").collating(.nocase)).fetchAll(db).map(\.organisation)
    }

    /// The organisation of a person; nil for an individual member.
    static func organisation(ofPerson personID: Int64, in db: Database) throws -> Organisation? {
        try fetchOne(db.cachedStatement(sql: """
            SELECT o.* FROM people p JOIN organisations o ON o.id = p.organisation_id WHERE p.id = ?
            """), arguments: [personID])?.organisation
    }

    /// Inserts a new organisation and returns its id.
    static func insert(name: String, country: String, college: College, isFunder: Bool, now: Date,
                       in db: Database) throws -> Int64 {
        var record = OrganisationRecord(id: nil, name: name, country: country, college: college, isFunder: isFunder,
                                        createdAt: now, updatedAt: now)
        try record.insert(db)
        return db.lastInsertedRowID
    }

    /// Updates an organisation's name, country, college and funder flag; `updated_at` only moves when one of
    /// them changed.
    static func update(id: Int64, name: String, country: String, college: College, isFunder: Bool, now: Date,
                       in db: Database) throws {
        try db.execute(sql: """
            UPDATE organisations SET name = ?, country = ?, college = ?, is_funder = ?, updated_at = ?
            WHERE id = ? AND (name != ? OR country != ? OR college != ? OR is_funder != ?)
            """, arguments: [name, country, college.rawValue, isFunder, now, id,
                             name, country, college.rawValue, isFunder])
    }

    /// Deletes the organisation with this name (and, by cascade, its people); false when there was none.
    static func delete(named name: String, in db: Database) throws -> Bool {
        try db.execute(sql: "DELETE FROM organisations WHERE name = ?", arguments: [name])
        return db.changesCount > 0
    }
}
