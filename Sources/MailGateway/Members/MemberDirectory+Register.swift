public import Foundation
import GRDB

extension MemberDirectory {
    /// What an import changed.
    public struct ImportSummary: Sendable, Equatable, Codable {
        public var organisationsCreated = 0
        public var organisationsUpdated = 0
        public var peopleCreated = 0
        public var peopleUpdated = 0
        public var addressesAdded = 0
        public var membershipsAdded = 0
        public var membershipsRemoved = 0
        /// Welcomes queued for people new to a list (none with `--no-welcome`).
        public var welcomesQueued = 0
    }

    /// Imports (or re-imports) a validated register in one transaction: the same address is the same person,
    /// whose name, language and organisation are updated; nothing is duplicated. People absent from the
    /// register are kept (remove them with `removePerson`). A person who left a list (`opt_outs`) is not added
    /// back. With `welcome`, each person new to a list gets a welcome (queued in the same transaction); without
    /// (`--no-welcome`, a first migration), none.
    @discardableResult
    public func importRegister(_ register: PartnerRegister, now: Date = Date(),
                               welcome: MembershipMail? = nil) throws -> ImportSummary {
        let summary = try writer.write { db in
            try Self.importRegister(register, lists: lists, now: now, welcome: welcome, in: db)
        }
        logger?.info("partner register imported", metadata: [
            "rows": "\(register.entries.count)",
            "organisations.created": "\(summary.organisationsCreated)",
            "people.created": "\(summary.peopleCreated)", "people.updated": "\(summary.peopleUpdated)",
            "memberships.added": "\(summary.membershipsAdded)", "memberships.removed": "\(summary.membershipsRemoved)",
        ])
        return summary
    }

    private static func importRegister(_ register: PartnerRegister, lists: [ListConfig], now: Date,
                                       welcome: MembershipMail?, in db: Database) throws -> ImportSummary {
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
            var personID = try AddressRecord.personID(normalized: normalized, in: db)
            if personID == nil { personID = personIDs[personKey] }
            if let id = personID {
                if try !PersonRecord.matches(id: id, name: entry.person, language: entry.language,
                                             organisationID: organisationID, in: db) {
                    try PersonRecord.update(id: id, name: entry.person, language: entry.language,
                                            organisationID: organisationID, now: now, in: db)
                    if !touched.contains(id) { summary.peopleUpdated += 1 }
                }
            } else {
                personID = try PersonRecord.insert(name: entry.person, language: entry.language,
                                                   organisationID: organisationID, now: now, in: db)
                summary.peopleCreated += 1
            }
            guard let id = personID else { continue }
            personIDs[personKey] = id
            if try AddressRecord.personID(normalized: normalized, in: db) == nil {
                try AddressRecord.insert(personID: id, address: entry.email, normalized: normalized, in: db)
                summary.addressesAdded += 1
            }
            if !touched.contains(id) { touched.append(id) }
        }
        for id in touched {
            let (added, removed) = try syncRegisterMemberships(personID: id, lists: lists, now: now, in: db)
            summary.membershipsAdded += added.count
            summary.membershipsRemoved += removed
            if let welcome {
                for list in lists where added.contains(list.id) {
                    if try welcome.welcome(db, list: list, personID: id, now: now) { summary.welcomesQueued += 1 }
                }
            }
        }
        return summary
    }

    /// Finds an organisation by name and brings it up to date, or creates it; returns (id, created).
    static func upsertOrganisation(name: String, country: String, college: College, isFunder: Bool,
                                   now: Date, in db: Database) throws -> (Int64, Bool) {
        if let id = try OrganisationRecord.id(named: name, in: db) {
            try OrganisationRecord.update(id: id, name: name, country: country, college: college,
                                          isFunder: isFunder, now: now, in: db)
            return (id, false)
        }
        return (try OrganisationRecord.insert(name: name, country: country, college: college, isFunder: isFunder,
                                              now: now, in: db), true)
    }

    /// The lists a person belongs to by the register: their college's list(s), the funders list(s) for a funder
    /// partner, the individuals list(s) for an individual, and every announcement list (everyone in the register
    /// receives announcements; opting out is `delivery = none` on that membership, which an import keeps).
    public static func registerListIDs(organisation: Organisation?, lists: [ListConfig]) -> [String] {
        lists.filter { list in
            switch list.kind {
            case .college: return organisation != nil && list.college == organisation?.college
            case .funders: return organisation?.isFunder == true
            case .individuals: return organisation == nil
            case .announce: return true
            case .interface: return false
            }
        }.map(\.id)
    }

    /// Brings a person's `origin = register` memberships in step with the register, leaving out the lists they
    /// left (`opt_outs`: a removal sticks until they join again); returns (the lists they were added to, how many
    /// register memberships went).
    static func syncRegisterMemberships(personID: Int64, lists: [ListConfig], now: Date,
                                        in db: Database) throws -> (added: [String], removed: Int) {
        let organisation = try OrganisationRecord.organisation(ofPerson: personID, in: db)
        let wanted = registerListIDs(organisation: organisation, lists: lists)
        let optedOut = try OptOutRecord.listIDs(db, personID: personID)
        var added: [String] = []
        for listID in wanted where !optedOut.contains(listID) {
            if try MembershipRecord.insertRegister(listID: listID, personID: personID, now: now, in: db) {
                added.append(listID)
            }
        }
        var removed = 0
        for listID in try MembershipRecord.registerMemberListIDs(ofPerson: personID, in: db)
        where !wanted.contains(listID) {
            if try MembershipRecord.delete(listID: listID, personID: personID, in: db) { removed += 1 }
        }
        return (added, removed)
    }
}
