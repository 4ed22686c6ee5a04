public import Foundation

extension MemberDirectory {
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
                } else if let id = try OrganisationRecord.id(named: organisation, in: db) {
                    organisationID = id
                } else {
                    throw MemberDirectoryError(.unknownOrganisation, context: "partners add (give a college to create it)")
                }
            }
            let normalized = MailAddress(address: address).normalized
            let personID: Int64
            if let id = try AddressRecord.personID(normalized: normalized, in: db) {
                try PersonRecord.update(id: id, name: name, language: language, organisationID: organisationID,
                                        isSecretariat: isSecretariat, now: now, in: db)
                personID = id
            } else {
                personID = try PersonRecord.insert(name: name, language: language, organisationID: organisationID,
                                                   isSecretariat: isSecretariat, now: now, in: db)
                try AddressRecord.insert(personID: personID, address: address, normalized: normalized, in: db)
            }
            _ = try Self.syncRegisterMemberships(personID: personID, lists: lists, now: now, in: db)
            guard let person = try PersonRecord.person(id: personID, in: db) else {
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
            guard let id = try AddressRecord.personID(address: existing, in: db) else {
                throw MemberDirectoryError(.unknownAddress, context: "partners add address")
            }
            let normalized = MailAddress(address: address).normalized
            if let owner = try AddressRecord.personID(normalized: normalized, in: db) {
                if owner != id { throw MemberDirectoryError(.addressTaken, context: "partners add address") }
                return
            }
            try AddressRecord.insert(personID: id, address: address, normalized: normalized, in: db)
        }
    }

    /// Removes an organisation with its people, their addresses and memberships. Returns false when unknown.
    @discardableResult
    public func removeOrganisation(named name: String) throws -> Bool {
        try writer.write { db in try OrganisationRecord.delete(named: name, in: db) }
    }

    /// Removes the person who has this address, with all their addresses and memberships.
    @discardableResult
    public func removePerson(address: String) throws -> Bool {
        try writer.write { db in
            guard let id = try AddressRecord.personID(address: address, in: db) else { return false }
            try PersonRecord.delete(id: id, in: db)
            return true
        }
    }
}
