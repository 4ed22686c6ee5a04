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
/// Every method runs in one transaction of its own (the CLI's and the tests' entry point). Stages that look
/// members up inside a transaction of their own (the ingest) call the store's methods directly:
/// `PersonRecord.identity(of:in:)`, `MembershipRecord.members(listID:delivery:in:)`,
/// `AddressRecord.personID(address:in:)`.
///
/// The methods are grouped by topic: the register import (`MemberDirectory+Register`), partners and people
/// (`MemberDirectory+Partners`), list memberships (`MemberDirectory+Memberships`) and the lookups below.
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

    // MARK: Lookups

    /// Every organisation, by name.
    public func organisations() throws -> [Organisation] {
        try writer.read { db in try OrganisationRecord.all(in: db) }
    }

    /// Individual members (people without an organisation), by name.
    public func individuals() throws -> [Person] {
        try writer.read { db in try PersonRecord.people(organisationID: nil, in: db) }
    }

    /// An organisation and its people, by name (case-insensitive).
    public func partner(named name: String) throws -> PartnerDetails? {
        try writer.read { db in
            guard let organisation = try OrganisationRecord.named(name, in: db)?.organisation else { return nil }
            return PartnerDetails(organisation: organisation,
                                  people: try PersonRecord.people(organisationID: organisation.id, in: db))
        }
    }

    /// The person who has this address (compared without case, `MailAddress.normalized`).
    public func person(address: String) throws -> Person? {
        try writer.read { db in
            guard let id = try AddressRecord.personID(address: address, in: db) else { return nil }
            return try PersonRecord.person(id: id, in: db)
        }
    }
}
