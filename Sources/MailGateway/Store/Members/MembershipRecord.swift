import Foundation
import GRDB

/// One row of `memberships` (migration `members-v1`): one person in one list, unique per (list, person).
/// `origin = register` rows are kept in step with the partner register by each import; `manual` rows never are.
struct MembershipRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "memberships"

    var id: Int64?
    var listID: String
    var personID: Int64
    var role: MemberRole
    var delivery: DeliveryMode
    /// Language override for this list; nil uses the person's preference.
    var language: Language?
    var origin: MembershipOrigin
    var joinedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, role, delivery, language, origin
        case listID = "list_id"
        case personID = "person_id"
        case joinedAt = "joined_at"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    // MARK: Queries

    /// The members of a list with the address their mail goes to (their first address), by name without case;
    /// optionally only those with one delivery mode. A person without an address is left out.
    static func members(listID: String, delivery: DeliveryMode? = nil, in db: Database) throws -> [Membership] {
        var sql = """
            SELECT m.list_id, m.person_id, p.name, p.language AS person_language, m.role, m.delivery,
                   m.language, m.origin, m.joined_at, m.own_posts,
                   (SELECT address FROM addresses a WHERE a.person_id = p.id ORDER BY a.id LIMIT 1) AS address
            FROM memberships m JOIN people p ON p.id = m.person_id
            WHERE m.list_id = ?
            """
        var arguments: StatementArguments = [listID]
        if let delivery {
            sql += " AND m.delivery = ?"
            arguments += [delivery.rawValue]
        }
        sql += " ORDER BY p.name COLLATE NOCASE, m.person_id"
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).compactMap { row in
            guard let address: String = row["address"],
                  let role = MemberRole(rawValue: row["role"]),
                  let delivery = DeliveryMode(rawValue: row["delivery"]),
                  let personLanguage = Language(rawValue: row["person_language"]),
                  let origin = MembershipOrigin(rawValue: row["origin"]) else { return nil }
            return Membership(listID: row["list_id"], personID: row["person_id"], personName: row["name"],
                              address: address, role: role, delivery: delivery,
                              languageOverride: (row["language"] as String?).flatMap(Language.init(rawValue:)),
                              personLanguage: personLanguage, origin: origin, joinedAt: row["joined_at"],
                              ownPosts: row["own_posts"])
        }
    }

    /// A person's role in each list they belong to, by list id.
    static func roles(ofPerson personID: Int64, in db: Database) throws -> [String: MemberRole] {
        var roles: [String: MemberRole] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT list_id, role FROM memberships WHERE person_id = ?"),
                                    arguments: [personID]) {
            roles[row["list_id"]] = MemberRole(rawValue: row["role"]) ?? .member
        }
        return roles
    }

    /// The lists where a person is a plain member by the register.
    static func registerMemberListIDs(ofPerson personID: Int64, in db: Database) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT list_id FROM memberships WHERE person_id = ? AND origin = 'register' AND role = 'member'
            """, arguments: [personID])
    }

    /// Whether the person is in the list.
    static func exists(listID: String, personID: Int64, in db: Database) throws -> Bool {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM memberships WHERE list_id = ? AND person_id = ?"),
                         arguments: [listID, personID]) != nil
    }

    /// Adds a register membership (member, immediate delivery) unless the person is already in the list;
    /// true when a row was added.
    static func insertRegister(listID: String, personID: Int64, now: Date, in db: Database) throws -> Bool {
        try db.execute(sql: """
            INSERT OR IGNORE INTO memberships (list_id, person_id, role, delivery, origin, joined_at)
            VALUES (?, ?, 'member', 'immediate', 'register', ?)
            """, arguments: [listID, personID, now])
        return db.changesCount > 0
    }

    /// Adds a manual membership, or gives an existing one this role, delivery and language and makes it manual.
    static func upsertManual(listID: String, personID: Int64, role: MemberRole, delivery: DeliveryMode,
                             language: Language?, now: Date, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO memberships (list_id, person_id, role, delivery, language, origin, joined_at)
            VALUES (?, ?, ?, ?, ?, 'manual', ?)
            ON CONFLICT (list_id, person_id) DO UPDATE SET
                role = excluded.role, delivery = excluded.delivery, language = excluded.language, origin = 'manual'
            """, arguments: [listID, personID, role.rawValue, delivery.rawValue, language?.rawValue, now])
    }

    /// Changes a membership's role, delivery mode or language override (`.some(nil)` clears the override);
    /// nil leaves a field as it is.
    static func update(listID: String, personID: Int64, role: MemberRole?, delivery: DeliveryMode?,
                       language: Language??, ownPosts: Bool? = nil, in db: Database) throws {
        var assignments: [ColumnAssignment] = []
        if let role { assignments.append(Column("role").set(to: role.rawValue)) }
        if let delivery { assignments.append(Column("delivery").set(to: delivery.rawValue)) }
        if let language { assignments.append(Column("language").set(to: language?.rawValue)) }
        if let ownPosts { assignments.append(Column("own_posts").set(to: ownPosts)) }
        guard !assignments.isEmpty else { return }
        try filter(Column("list_id") == listID && Column("person_id") == personID).updateAll(db, assignments)
    }

    /// Removes a person from a list; false when they were not in it.
    static func delete(listID: String, personID: Int64, in db: Database) throws -> Bool {
        try db.execute(sql: "DELETE FROM memberships WHERE list_id = ? AND person_id = ?",
                       arguments: [listID, personID])
        return db.changesCount > 0
    }
}
