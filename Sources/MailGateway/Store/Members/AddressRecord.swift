import GRDB

/// One row of `addresses` (migration `members-v1`): one of a person's mail addresses, as given (`address`) and
/// as the unique case-insensitive key (`normalized`, ``MailAddress/normalized``).
struct AddressRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "addresses"

    var id: Int64?
    var personID: Int64
    var address: String
    var normalized: String

    enum CodingKeys: String, CodingKey {
        case id, address, normalized
        case personID = "person_id"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    // MARK: Queries

    /// The person id owning an address (compared by `MailAddress.normalized`).
    static func personID(address: String, in db: Database) throws -> Int64? {
        try personID(normalized: MailAddress(address: address).normalized, in: db)
    }

    /// The person id owning an already normalized address.
    static func personID(normalized: String, in db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT person_id FROM addresses WHERE normalized = ?"),
                           arguments: [normalized])
    }

    /// A person's addresses as given, oldest first.
    static func addresses(ofPerson personID: Int64, in db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT address FROM addresses WHERE person_id = ? ORDER BY id",
                            arguments: [personID])
    }

    /// Adds an address to a person.
    static func insert(personID: Int64, address: String, normalized: String, in db: Database) throws {
        var record = AddressRecord(id: nil, personID: personID, address: address, normalized: normalized)
        try record.insert(db)
    }
}
