import Foundation
import GRDB

/// One row of `people` (migration `members-v1`): a partner's representative, or an individual member when
/// `organisation_id` is NULL. Deleting a row deletes its addresses and memberships (`ON DELETE CASCADE`).
struct PersonRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "people"

    var id: Int64?
    var name: String
    var language: Language
    var organisationID: Int64?
    var isSecretariat: Bool
    var createdAt: Date
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, language
        case organisationID = "organisation_id"
        case isSecretariat = "is_secretariat"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    // MARK: Queries

    /// A person with their addresses.
    static func person(id: Int64, in db: Database) throws -> Person? {
        guard let record = try fetchOne(db, key: id) else { return nil }
        return Person(id: id, name: record.name, language: record.language, organisationID: record.organisationID,
                      isSecretariat: record.isSecretariat,
                      addresses: try AddressRecord.addresses(ofPerson: id, in: db))
    }

    /// The people of an organisation, or the individual members when `organisationID` is nil, by name without
    /// case.
    static func people(organisationID: Int64?, in db: Database) throws -> [Person] {
        let ids = try Int64.fetchAll(db, select(Column("id"))
            .filter(Column("organisation_id") == organisationID)
            .order(Column("name").collating(.nocase)))
        return try ids.compactMap { try person(id: $0, in: db) }
    }

    /// Whether the person already has this name, language and organisation (compared as SQLite does).
    static func matches(id: Int64, name: String, language: Language, organisationID: Int64?,
                        in db: Database) throws -> Bool {
        try Row.fetchOne(db, sql: """
            SELECT 1 FROM people WHERE id = ? AND name = ? AND language = ? AND organisation_id IS ?
            """, arguments: [id, name, language.rawValue, organisationID]) != nil
    }

    /// Inserts a person and returns their id.
    static func insert(name: String, language: Language, organisationID: Int64?, isSecretariat: Bool = false,
                       now: Date, in db: Database) throws -> Int64 {
        var record = PersonRecord(id: nil, name: name, language: language, organisationID: organisationID,
                                  isSecretariat: isSecretariat, createdAt: now, updatedAt: now)
        try record.insert(db)
        return db.lastInsertedRowID
    }

    /// Updates a person's name, language, organisation and, when given, secretariat flag.
    static func update(id: Int64, name: String, language: Language, organisationID: Int64?,
                       isSecretariat: Bool? = nil, now: Date, in db: Database) throws {
        var assignments = [Column("name").set(to: name), Column("language").set(to: language.rawValue),
                           Column("organisation_id").set(to: organisationID)]
        if let isSecretariat { assignments.append(Column("is_secretariat").set(to: isSecretariat)) }
        assignments.append(Column("updated_at").set(to: now))
        try filter(key: id).updateAll(db, assignments)
    }

    /// Deletes a person (and, by cascade, their addresses and memberships).
    static func delete(id: Int64, in db: Database) throws {
        _ = try deleteOne(db, key: id)
    }

    /// The sender identity of an address, for the policy chain; nil for an unknown address.
    static func identity(of address: String, in db: Database) throws -> SenderIdentity? {
        guard let id = try AddressRecord.personID(address: address, in: db),
              let record = try fetchOne(db.cachedStatement(sql: "SELECT * FROM people WHERE id = ?"), arguments: [id])
        else { return nil }
        return SenderIdentity(personID: id, name: record.name, language: record.language,
                              organisation: try OrganisationRecord.organisation(ofPerson: id, in: db),
                              isSecretariat: record.isSecretariat,
                              roles: try MembershipRecord.roles(ofPerson: id, in: db))
    }
}
