public import Foundation
public import GRDB
public import Logging

/// Partners, people, addresses and list memberships, stored in SQLite (`MembersMigrations`).
///
/// Membership of the automatic groups is **materialized**: each import (and `addPerson`) writes one
/// `memberships` row, `origin = register`, per group the person belongs to by the register (their college's list,
/// the funders list for a funder partner, the individuals list for an individual), so that every member can
/// choose a delivery mode and language per list. Rows added by hand (`origin = manual`, e.g. joining an
/// interface) are never removed by an import; register rows the register no longer implies are removed (unless
/// the person moderates or owns that list).
///
/// Every method runs in one transaction; the `static … in db:` variants run inside the caller's transaction
/// (the ingest uses `identity(of:in:)`).
public struct MemberDirectory: Sendable {
    /// The database (migrated by ``StoreMigrations``).
    public let writer: any DatabaseWriter
    /// The configured lists: they say which list is a college's, the funders', the individuals'.
    public let lists: [ListConfig]
    /// Where imports and membership changes are logged (info, counts and list ids only, never addresses).
    public let logger: Logger?

    /// Creates a directory over a migrated database.
    public init(writer: any DatabaseWriter, lists: [ListConfig], logger: Logger? = nil) {
        self.writer = writer
        self.lists = lists
        self.logger = logger
    }

    // MARK: Partners

    /// What an import changed.
    public struct ImportSummary: Sendable, Equatable, Codable {
        public var organisationsCreated = 0
        public var organisationsUpdated = 0
        public var peopleCreated = 0
        public var peopleUpdated = 0
        public var addressesAdded = 0
        public var membershipsAdded = 0
        public var membershipsRemoved = 0
    }

    /// Imports (or re-imports) a validated register in one transaction: the same address is the same person,
    /// whose name, language and organisation are updated; nothing is duplicated. People absent from the
    /// register are kept (remove them with `removePerson`).
    @discardableResult
    public func importRegister(_ register: PartnerRegister, now: Date = Date()) throws -> ImportSummary {
        let summary = try writer.write { db in try Self.importRegister(register, lists: lists, now: now, in: db) }
        logger?.info("partner register imported", metadata: [
            "rows": "\(register.entries.count)",
            "organisations.created": "\(summary.organisationsCreated)",
            "people.created": "\(summary.peopleCreated)", "people.updated": "\(summary.peopleUpdated)",
            "memberships.added": "\(summary.membershipsAdded)", "memberships.removed": "\(summary.membershipsRemoved)",
        ])
        return summary
    }

    /// `importRegister` inside the caller's transaction.
    public static func importRegister(_ register: PartnerRegister, lists: [ListConfig], now: Date,
                                      in db: Database) throws -> ImportSummary {
        var summary = ImportSummary()
        var organisationIDs: [String: Int64] = [:]
        // Rows of the same organisation and person name are one person with several addresses.
        var personIDs: [String: Int64] = [:]
        var touched: [Int64] = []
        for entry in register.entries {
            var organisationID: Int64?
            if let name = entry.organisation, let college = entry.college {
                let key = name.lowercased()
                if let id = organisationIDs[key] {
                    organisationID = id
                } else {
                    let (id, created) = try upsertOrganisation(name: name, country: entry.country, college: college,
                                                               isFunder: entry.isFunder, now: now, in: db)
                    if created { summary.organisationsCreated += 1 } else { summary.organisationsUpdated += 1 }
                    organisationIDs[key] = id
                    organisationID = id
                }
            }
            let personKey = "\(organisationID.map(String.init) ?? "-")\u{0}\(entry.person.lowercased())"
            let normalized = MailAddress(address: entry.email).normalized
            var personID = try Int64.fetchOne(db, sql: "SELECT person_id FROM addresses WHERE normalized = ?",
                                               arguments: [normalized])
            if personID == nil { personID = personIDs[personKey] }
            if let id = personID {
                let changed = try Row.fetchOne(db, sql: """
                    SELECT 1 FROM people WHERE id = ? AND name = ? AND language = ? AND organisation_id IS ?
                    """, arguments: [id, entry.person, entry.language.rawValue, organisationID]) == nil
                if changed {
                    try db.execute(sql: """
                        UPDATE people SET name = ?, language = ?, organisation_id = ?, updated_at = ? WHERE id = ?
                        """, arguments: [entry.person, entry.language.rawValue, organisationID, now, id])
                    if !touched.contains(id) { summary.peopleUpdated += 1 }
                }
            } else {
                try db.execute(sql: """
                    INSERT INTO people (name, language, organisation_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [entry.person, entry.language.rawValue, organisationID, now, now])
                personID = db.lastInsertedRowID
                summary.peopleCreated += 1
            }
            guard let id = personID else { continue }
            personIDs[personKey] = id
            if try Int64.fetchOne(db, sql: "SELECT person_id FROM addresses WHERE normalized = ?",
                                  arguments: [normalized]) == nil {
                try db.execute(sql: "INSERT INTO addresses (person_id, address, normalized) VALUES (?, ?, ?)",
                               arguments: [id, entry.email, normalized])
                summary.addressesAdded += 1
            }
            if !touched.contains(id) { touched.append(id) }
        }
        for id in touched {
            let (added, removed) = try syncRegisterMemberships(personID: id, lists: lists, now: now, in: db)
            summary.membershipsAdded += added
            summary.membershipsRemoved += removed
        }
        return summary
    }

    private static func upsertOrganisation(name: String, country: String, college: College, isFunder: Bool,
                                           now: Date, in db: Database) throws -> (Int64, Bool) {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM organisations WHERE name = ?", arguments: [name]) {
            try db.execute(sql: """
                UPDATE organisations SET name = ?, country = ?, college = ?, is_funder = ?, updated_at = ?
                WHERE id = ? AND (name != ? OR country != ? OR college != ? OR is_funder != ?)
                """, arguments: [name, country, college.rawValue, isFunder, now, id,
                                 name, country, college.rawValue, isFunder])
            return (id, false)
        }
        try db.execute(sql: """
            INSERT INTO organisations (name, country, college, is_funder, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [name, country, college.rawValue, isFunder, now, now])
        return (db.lastInsertedRowID, true)
    }

    /// The lists a person belongs to by the register: their college's list(s), the funders list(s) for a funder
    /// partner, the individuals list(s) for an individual.
    public static func registerListIDs(organisation: Organisation?, lists: [ListConfig]) -> [String] {
        lists.filter { list in
            switch list.kind {
            case .college: return organisation != nil && list.college == organisation?.college
            case .funders: return organisation?.isFunder == true
            case .individuals: return organisation == nil
            case .interface, .announce: return false
            }
        }.map(\.id)
    }

    /// Brings a person's `origin = register` memberships in step with the register; returns (added, removed).
    static func syncRegisterMemberships(personID: Int64, lists: [ListConfig], now: Date,
                                        in db: Database) throws -> (Int, Int) {
        let organisation = try organisationOf(personID: personID, in: db)
        let wanted = registerListIDs(organisation: organisation, lists: lists)
        var added = 0
        for listID in wanted {
            try db.execute(sql: """
                INSERT OR IGNORE INTO memberships (list_id, person_id, role, delivery, origin, joined_at)
                VALUES (?, ?, 'member', 'immediate', 'register', ?)
                """, arguments: [listID, personID, now])
            added += db.changesCount
        }
        let existing = try String.fetchAll(db, sql: """
            SELECT list_id FROM memberships WHERE person_id = ? AND origin = 'register' AND role = 'member'
            """, arguments: [personID])
        var removed = 0
        for listID in existing where !wanted.contains(listID) {
            try db.execute(sql: "DELETE FROM memberships WHERE person_id = ? AND list_id = ?",
                           arguments: [personID, listID])
            removed += db.changesCount
        }
        return (added, removed)
    }

    private static func organisationOf(personID: Int64, in db: Database) throws -> Organisation? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT o.id, o.name, o.country, o.college, o.is_funder FROM people p
            JOIN organisations o ON o.id = p.organisation_id WHERE p.id = ?
            """, arguments: [personID]) else { return nil }
        return organisation(row)
    }

    private static func organisation(_ row: Row) -> Organisation? {
        guard let college = College(rawValue: row["college"] ?? "") else { return nil }
        return Organisation(id: row["id"], name: row["name"], country: row["country"], college: college,
                            isFunder: row["is_funder"])
    }

    /// Adds one person by hand (the `partners add` command): to an existing organisation (by name, created
    /// when `college` is given) or as an individual when `organisation` is nil. An address already known
    /// updates that person instead.
    @discardableResult
    public func addPerson(name: String, address: String, language: Language, organisation: String?,
                          country: String = "", college: College? = nil, isFunder: Bool = false,
                          isSecretariat: Bool = false, now: Date = Date()) throws -> Person {
        if let problem = AddressSyntax.problem(address) {
            throw MemberDirectoryError(.invalidAddress, context: "partners add (\(problem))")
        }
        return try writer.write { db in
            var organisationID: Int64?
            if let organisation {
                if let college {
                    organisationID = try Self.upsertOrganisation(name: organisation, country: country,
                                                                 college: college, isFunder: isFunder,
                                                                 now: now, in: db).0
                } else if let id = try Int64.fetchOne(db, sql: "SELECT id FROM organisations WHERE name = ?",
                                                      arguments: [organisation]) {
                    organisationID = id
                } else {
                    throw MemberDirectoryError(.unknownOrganisation, context: "partners add (give a college to create it)")
                }
            }
            let normalized = MailAddress(address: address).normalized
            let personID: Int64
            if let id = try Int64.fetchOne(db, sql: "SELECT person_id FROM addresses WHERE normalized = ?",
                                           arguments: [normalized]) {
                try db.execute(sql: """
                    UPDATE people SET name = ?, language = ?, organisation_id = ?, is_secretariat = ?, updated_at = ?
                    WHERE id = ?
                    """, arguments: [name, language.rawValue, organisationID, isSecretariat, now, id])
                personID = id
            } else {
                try db.execute(sql: """
                    INSERT INTO people (name, language, organisation_id, is_secretariat, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [name, language.rawValue, organisationID, isSecretariat, now, now])
                personID = db.lastInsertedRowID
                try db.execute(sql: "INSERT INTO addresses (person_id, address, normalized) VALUES (?, ?, ?)",
                               arguments: [personID, address, normalized])
            }
            _ = try Self.syncRegisterMemberships(personID: personID, lists: lists, now: now, in: db)
            guard let person = try Self.person(id: personID, in: db) else {
                throw MemberDirectoryError(.unknownAddress, context: "partners add")
            }
            return person
        }
    }

    /// Adds another address to the person who has `existing`.
    public func addAddress(_ address: String, toPersonWith existing: String) throws {
        if let problem = AddressSyntax.problem(address) {
            throw MemberDirectoryError(.invalidAddress, context: "partners add address (\(problem))")
        }
        try writer.write { db in
            guard let id = try Self.personID(address: existing, in: db) else {
                throw MemberDirectoryError(.unknownAddress, context: "partners add address")
            }
            let normalized = MailAddress(address: address).normalized
            if let owner = try Self.personID(address: address, in: db) {
                if owner != id { throw MemberDirectoryError(.addressTaken, context: "partners add address") }
                return
            }
            try db.execute(sql: "INSERT INTO addresses (person_id, address, normalized) VALUES (?, ?, ?)",
                           arguments: [id, address, normalized])
        }
    }

    /// Every organisation, by name.
    public func organisations() throws -> [Organisation] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM organisations ORDER BY name COLLATE NOCASE")
                .compactMap(Self.organisation)
        }
    }

    /// Individual members (people without an organisation), by name.
    public func individuals() throws -> [Person] {
        try writer.read { db in
            let ids = try Int64.fetchAll(db, sql: """
                SELECT id FROM people WHERE organisation_id IS NULL ORDER BY name COLLATE NOCASE
                """)
            return try ids.compactMap { try Self.person(id: $0, in: db) }
        }
    }

    /// An organisation and its people, by name (case-insensitive).
    public func partner(named name: String) throws -> PartnerDetails? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM organisations WHERE name = ?", arguments: [name]),
                  let organisation = Self.organisation(row) else { return nil }
            let ids = try Int64.fetchAll(db, sql: """
                SELECT id FROM people WHERE organisation_id = ? ORDER BY name COLLATE NOCASE
                """, arguments: [organisation.id])
            return PartnerDetails(organisation: organisation, people: try ids.compactMap { try Self.person(id: $0, in: db) })
        }
    }

    /// The person who has this address (compared without case, `MailAddress.normalized`).
    public func person(address: String) throws -> Person? {
        try writer.read { db in
            guard let id = try Self.personID(address: address, in: db) else { return nil }
            return try Self.person(id: id, in: db)
        }
    }

    /// Removes an organisation with its people, their addresses and memberships. Returns false when unknown.
    @discardableResult
    public func removeOrganisation(named name: String) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM organisations WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    /// Removes the person who has this address, with all their addresses and memberships.
    @discardableResult
    public func removePerson(address: String) throws -> Bool {
        try writer.write { db in
            guard let id = try Self.personID(address: address, in: db) else { return false }
            try db.execute(sql: "DELETE FROM people WHERE id = ?", arguments: [id])
            return true
        }
    }

    // MARK: Members

    /// Adds the person who has `address` to a list (opt-in to an interface, or a moderator added by hand).
    /// An existing membership gets the given role, delivery and language and becomes manual.
    public func addMember(listID: String, address: String, role: MemberRole = .member,
                          delivery: DeliveryMode = .immediate, language: Language? = nil,
                          now: Date = Date()) throws {
        guard lists.contains(where: { $0.id == listID }) else {
            throw MemberDirectoryError(.unknownList, context: "members add \(listID)")
        }
        if let problem = AddressSyntax.problem(address) {
            throw MemberDirectoryError(.invalidAddress, context: "members add \(listID) (\(problem))")
        }
        try writer.write { db in
            guard let id = try Self.personID(address: address, in: db) else {
                throw MemberDirectoryError(.unknownAddress, context: "members add \(listID)")
            }
            try db.execute(sql: """
                INSERT INTO memberships (list_id, person_id, role, delivery, language, origin, joined_at)
                VALUES (?, ?, ?, ?, ?, 'manual', ?)
                ON CONFLICT (list_id, person_id) DO UPDATE SET
                    role = excluded.role, delivery = excluded.delivery, language = excluded.language, origin = 'manual'
                """, arguments: [listID, id, role.rawValue, delivery.rawValue, language?.rawValue, now])
        }
    }

    /// Removes a person from a list. Returns false when they were not a member. (A register membership comes
    /// back at the next import: set its delivery to `none` instead to stop mail.)
    @discardableResult
    public func removeMember(listID: String, address: String) throws -> Bool {
        try writer.write { db in
            guard let id = try Self.personID(address: address, in: db) else {
                throw MemberDirectoryError(.unknownAddress, context: "members remove \(listID)")
            }
            try db.execute(sql: "DELETE FROM memberships WHERE list_id = ? AND person_id = ?", arguments: [listID, id])
            return db.changesCount > 0
        }
    }

    /// Changes a membership's role, delivery mode or language override (`.some(nil)` clears the override).
    public func setMember(listID: String, address: String, role: MemberRole? = nil, delivery: DeliveryMode? = nil,
                          language: Language?? = nil) throws {
        try writer.write { db in
            guard let id = try Self.personID(address: address, in: db) else {
                throw MemberDirectoryError(.unknownAddress, context: "members set \(listID)")
            }
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM memberships WHERE list_id = ? AND person_id = ?",
                                   arguments: [listID, id]) != nil else {
                throw MemberDirectoryError(.unknownAddress, context: "members set \(listID): not a member")
            }
            if let role {
                try db.execute(sql: "UPDATE memberships SET role = ? WHERE list_id = ? AND person_id = ?",
                               arguments: [role.rawValue, listID, id])
            }
            if let delivery {
                try db.execute(sql: "UPDATE memberships SET delivery = ? WHERE list_id = ? AND person_id = ?",
                               arguments: [delivery.rawValue, listID, id])
            }
            if let language {
                try db.execute(sql: "UPDATE memberships SET language = ? WHERE list_id = ? AND person_id = ?",
                               arguments: [language?.rawValue, listID, id])
            }
        }
    }

    /// The members of a list, by name, optionally only those with one delivery mode.
    public func members(listID: String, delivery: DeliveryMode? = nil) throws -> [Membership] {
        try writer.read { db in try Self.members(listID: listID, delivery: delivery, in: db) }
    }

    /// `members(listID:delivery:)` inside the caller's transaction (the distribute stage uses it).
    public static func members(listID: String, delivery: DeliveryMode? = nil, in db: Database) throws -> [Membership] {
        var sql = """
            SELECT m.list_id, m.person_id, p.name, p.language AS person_language, m.role, m.delivery,
                   m.language, m.origin, m.joined_at,
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
        return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
            guard let address: String = row["address"],
                  let role = MemberRole(rawValue: row["role"]),
                  let delivery = DeliveryMode(rawValue: row["delivery"]),
                  let personLanguage = Language(rawValue: row["person_language"]),
                  let origin = MembershipOrigin(rawValue: row["origin"]) else { return nil }
            return Membership(listID: row["list_id"], personID: row["person_id"], personName: row["name"],
                              address: address, role: role, delivery: delivery,
                              languageOverride: (row["language"] as String?).flatMap(Language.init(rawValue:)),
                              personLanguage: personLanguage, origin: origin, joinedAt: row["joined_at"])
        }
    }

    // MARK: Lookups

    /// The sender identity of an address, for the policy chain; nil for an unknown address.
    public func identity(of address: String) throws -> SenderIdentity? {
        try writer.read { db in try Self.identity(of: address, in: db) }
    }

    /// `identity(of:)` inside the caller's transaction (the ingest's).
    public static func identity(of address: String, in db: Database) throws -> SenderIdentity? {
        guard let id = try personID(address: address, in: db),
              let row = try Row.fetchOne(db, sql: "SELECT * FROM people WHERE id = ?", arguments: [id]),
              let language = Language(rawValue: row["language"]) else { return nil }
        let organisation = try organisationOf(personID: id, in: db)
        var roles: [String: MemberRole] = [:]
        for role in try Row.fetchAll(db, sql: "SELECT list_id, role FROM memberships WHERE person_id = ?",
                                     arguments: [id]) {
            roles[role["list_id"]] = MemberRole(rawValue: role["role"]) ?? .member
        }
        return SenderIdentity(personID: id, name: row["name"], language: language, organisation: organisation,
                              isSecretariat: row["is_secretariat"], roles: roles)
    }

    /// The person id owning an address (normalized comparison).
    public static func personID(address: String, in db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT person_id FROM addresses WHERE normalized = ?"),
                           arguments: [MailAddress(address: address).normalized])
    }

    /// A person with their addresses.
    public static func person(id: Int64, in db: Database) throws -> Person? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM people WHERE id = ?", arguments: [id]),
              let language = Language(rawValue: row["language"]) else { return nil }
        let addresses = try String.fetchAll(db, sql: "SELECT address FROM addresses WHERE person_id = ? ORDER BY id",
                                            arguments: [id])
        return Person(id: id, name: row["name"], language: language, organisationID: row["organisation_id"],
                      isSecretariat: row["is_secretariat"], addresses: addresses)
    }
}
