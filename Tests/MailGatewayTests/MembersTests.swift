import Foundation
import GRDB
import Testing
@testable import MailGateway

@Suite("Members")
struct MembersTests {
    // MARK: CSV

    @Test func csvHandlesQuotesEscapesNewlinesBOMAndCRLF() throws {
        let text = "\u{FEFF}a,b,c\r\n\"x, y\",\"he said \"\"hi\"\"\",\"two\r\nlines\"\r\n\r\nlast,,\r\n"
        let records = try CSVParser.parse(Array(text.utf8))
        #expect(records.count == 3)
        #expect(records[0] == CSVParser.Record(line: 1, fields: ["a", "b", "c"]))
        #expect(records[1].line == 2)
        #expect(records[1].fields == ["x, y", "he said \"hi\"", "two\r\nlines"])
        #expect(records[2] == CSVParser.Record(line: 5, fields: ["last", "", ""]))
    }

    @Test func csvReportsSyntaxErrorsWithLine() {
        #expect(throws: CSVParser.SyntaxError(line: 2, kind: .unterminatedQuote)) {
            try CSVParser.parse("a,b\n\"open,c\nmore")
        }
        #expect(throws: CSVParser.SyntaxError(line: 1, kind: .textAfterClosingQuote)) {
            try CSVParser.parse("\"a\"b,c")
        }
        #expect(throws: CSVParser.SyntaxError(line: 3, kind: .quoteInUnquotedField)) {
            try CSVParser.parse("a\nb\nc\"d")
        }
        #expect(throws: CSVParser.SyntaxError(line: 1, kind: .notUTF8)) {
            try CSVParser.parse([0x61, 0xFF, 0x62])
        }
    }

    // MARK: Register validation

    @Test func registerReportsEveryBadRowWithItsLineAndImportsNothing() throws {
        let (db, directory) = try MembersFixtures.directory()
        let before = try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM people") }
        let csv = """
            organisation,country,college,funder,person,email,language
            New Org,Kenya,research,no,Good Person,good@neworg.ke,en
            Bad College,Kenya,universities,no,P One,p1@bad.ke,en
            Bad Lang,Kenya,research,no,P Two,p2@bad.ke,de
            Bad Mail,Kenya,research,no,P Three,not-an-address,en
            "Multi
            line",Kenya,,no,P Four,p4@bad.ke,en
            ,Chile,,,,p5@bad.cl,es
            """
        var caught: PartnerRegister.ValidationError?
        do { _ = try PartnerRegister(csv: Array(csv.utf8)) } catch { caught = error }
        let problems = try #require(caught).problems
        #expect(problems.map(\.line) == [3, 4, 5, 6, 8])
        #expect(problems.map(\.column) == ["college", "language", "email", "college", "person"])
        #expect(problems[3].reason == "missing required field")
        // Nothing changed: the good row on line 2 was not imported either.
        let after = try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM people") }
        #expect(before == after)
        #expect(try directory.person(address: "good@neworg.ke") == nil)
    }

    @Test func registerRejectsDuplicateAddressesAndInconsistentOrganisations() {
        let csv = """
            organisation,country,college,funder,person,email,language
            Org A,France,research,no,One,one@a.fr,fr
            Org A,France,states,no,Two,two@a.fr,fr
            Org B,France,private,no,Three,ONE@A.FR,fr
            """
        #expect(throws: PartnerRegister.ValidationError.self) { try PartnerRegister(csv: Array(csv.utf8)) }
        do { _ = try PartnerRegister(csv: Array(csv.utf8)) } catch {
            #expect(error.problems.map(\.line) == [3, 4])
            #expect(error.problems.map(\.column) == ["organisation", "email"])
        }
        // Addresses compare without case: ONE@A.FR is one@a.fr (line 4 above), and so is one@A.FR.
        let csv2 = """
            organisation,country,college,funder,person,email,language
            Org A,France,research,no,One,one@a.fr,fr
            Org A,France,research,no,Two,one@A.FR,fr
            """
        do { _ = try PartnerRegister(csv: Array(csv2.utf8)); Issue.record("expected a duplicate") } catch {
            #expect(error.problems.first?.line == 3)
            #expect(error.problems.first?.reason.contains("line 2") == true)
        }
    }

    @Test func registerHeaderMayBeReorderedButNotIncomplete() throws {
        let csv = "EMAIL, Person ,language,organisation,country,college,funder\nx@y.org,X,en,,,,\n"
        let register = try PartnerRegister(csv: Array(csv.utf8))
        #expect(register.entries.first?.email == "x@y.org")
        #expect(register.entries.first?.organisation == nil)
        do { _ = try PartnerRegister(csv: Array("organisation,person,email\n".utf8)) } catch {
            #expect(error.problems.first?.reason.contains("country") == true)
        }
    }

    // MARK: Import

    @Test func importCreatesPartnersPeopleAndMaterializedMemberships() throws {
        let (_, directory) = try MembersFixtures.directory()
        #expect(try directory.organisations().map(\.name) == ["CIRAD, Montpellier", "INRAE", "Ministerio de Agricultura"])
        let cirad = try #require(try directory.partner(named: "cirad, montpellier"))
        #expect(cirad.organisation.isFunder)
        #expect(cirad.organisation.college == .research)
        #expect(cirad.people.map(\.name) == ["John Smith"])
        #expect(try directory.members(listID: "college-research").map(\.personName) == ["John Smith", "Marie Dupont"])
        #expect(try directory.members(listID: "funders").map(\.personName) == ["John Smith"])
        #expect(try directory.members(listID: "college-states").map(\.personName) == ["Ana García"])
        #expect(try directory.members(listID: "individuals").map(\.personName) == ["Awa Diop"])
        // Interfaces are opt-in; the announcement list reaches everyone in the register.
        #expect(try directory.members(listID: "interface-knowledge").isEmpty)
        #expect(try directory.members(listID: "announce").map(\.personName)
                == ["Ana García", "Awa Diop", "John Smith", "Marie Dupont"])
        #expect(try directory.individuals().map(\.name) == ["Awa Diop"])
    }

    @Test func addressLookupIgnoresCase() throws {
        let (db, directory) = try MembersFixtures.directory()
        #expect(try directory.person(address: "Marie.Dupont@inrae.FR")?.name == "Marie Dupont")
        #expect(try directory.person(address: "marie.dupont@inrae.fr")?.name == "Marie Dupont")
        #expect(try directory.person(address: "MARIE.DUPONT@INRAE.FR")?.addresses.contains("Marie.Dupont@INRAE.fr") == true,
                "stored as given")
        let identity = try #require(try db.read { try PersonRecord.identity(of: "john@CIRAD.fr", in: $0) })
        #expect(identity.organisation?.name == "CIRAD, Montpellier")
        #expect(identity.roles == ["college-research": .member, "funders": .member, "announce": .member])
    }

    @Test func reimportUpdatesAndNeverDuplicates() throws {
        let (db, directory) = try MembersFixtures.directory()
        func counts() throws -> [Int] {
            try db.read { db in
                try ["organisations", "people", "addresses", "memberships"].map {
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") ?? -1
                }
            }
        }
        let before = try counts()
        #expect(before == [3, 4, 4, 9], "5 by college, funders and individuals, 4 to announce")
        let again = try directory.importRegister(PartnerRegister(csv: Array(MembersFixtures.register.utf8)))
        #expect(try counts() == before)
        #expect(again.peopleCreated == 0 && again.addressesAdded == 0 && again.membershipsAdded == 0)
        #expect(again.peopleUpdated == 0)

        // Marie moves to the states college under a new organisation, renames herself and reads English;
        // she gains a second address on a second row.
        let changed = """
            organisation,country,college,funder,person,email,language
            Agence Nationale,France,states,no,Marie Dupont-Durand,Marie.Dupont@inrae.fr,en
            Agence Nationale,France,states,no,Marie Dupont-Durand,marie@agence.fr,en
            """
        let summary = try directory.importRegister(PartnerRegister(csv: Array(changed.utf8)))
        #expect(summary.peopleCreated == 0)
        #expect(summary.addressesAdded == 1)
        let marie = try #require(try directory.person(address: "marie@agence.fr"))
        #expect(marie.name == "Marie Dupont-Durand")
        #expect(marie.language == .en)
        #expect(marie.addresses == ["Marie.Dupont@INRAE.fr", "marie@agence.fr"])
        #expect(try directory.members(listID: "college-research").map(\.personName) == ["John Smith"])
        #expect(try directory.members(listID: "college-states").map(\.personName).contains("Marie Dupont-Durand"))
    }

    @Test func importIsOneTransaction() throws {
        let (db, directory) = try MembersFixtures.directory()
        // A database-level failure mid-import (an organisation row that violates the college CHECK cannot come
        // from a validated register, so simulate one with a trigger) rolls everything back.
        try db.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_last BEFORE INSERT ON people WHEN NEW.name = 'Last' BEGIN
                    SELECT RAISE(ABORT, 'refused'); END
                """)
        }
        let csv = """
            organisation,country,college,funder,person,email,language
            Fresh Org,Peru,producers,no,First,first@fresh.pe,es
            Fresh Org,Peru,producers,no,Last,last@fresh.pe,es
            """
        #expect(throws: DatabaseError.self) { try directory.importRegister(PartnerRegister(csv: Array(csv.utf8))) }
        #expect(try directory.partner(named: "Fresh Org") == nil)
        #expect(try directory.person(address: "first@fresh.pe") == nil)
    }

    // MARK: Members commands

    @Test func membersAddSetRemove() throws {
        let (_, directory) = try MembersFixtures.directory()
        try directory.addMember(listID: "interface-knowledge", address: "ana@mapa.gob.es", delivery: .digest)
        var members = try directory.members(listID: "interface-knowledge")
        #expect(members.map(\.personName) == ["Ana García"])
        #expect(members.first?.delivery == .digest)
        #expect(members.first?.origin == .manual)
        #expect(members.first?.language == .es)

        try directory.setMember(listID: "interface-knowledge", address: "ana@mapa.gob.es", role: .moderator,
                                delivery: .immediate, language: .some(.fr))
        members = try directory.members(listID: "interface-knowledge", delivery: .immediate)
        #expect(members.first?.role == .moderator)
        #expect(members.first?.language == .fr)
        #expect(try directory.members(listID: "interface-knowledge", delivery: .digest).isEmpty)

        #expect(try directory.removeMember(listID: "interface-knowledge", address: "ana@mapa.gob.es"))
        #expect(try directory.members(listID: "interface-knowledge").isEmpty)
        #expect(try !directory.removeMember(listID: "interface-knowledge", address: "ana@mapa.gob.es"))
        #expect(throws: MemberDirectoryError.self) {
            try directory.addMember(listID: "no-such-list", address: "ana@mapa.gob.es")
        }
        #expect(throws: MemberDirectoryError.self) {
            try directory.addMember(listID: "interface-knowledge", address: "stranger@example.com")
        }
    }

    @Test func reimportKeepsManualMembershipsAndModerators() throws {
        let (_, directory) = try MembersFixtures.directory()
        try directory.addMember(listID: "interface-knowledge", address: "john@cirad.fr")
        try directory.setMember(listID: "college-research", address: "Marie.Dupont@inrae.fr", role: .moderator)
        // Marie leaves the research college in the register: as moderator she stays on its list.
        let csv = """
            organisation,country,college,funder,person,email,language
            INRAE,France,private,no,Marie Dupont,Marie.Dupont@INRAE.fr,fr
            """
        try directory.importRegister(PartnerRegister(csv: Array(csv.utf8)))
        #expect(try directory.members(listID: "interface-knowledge").map(\.personName) == ["John Smith"])
        #expect(try directory.members(listID: "college-research").map(\.personName) == ["John Smith", "Marie Dupont"])
    }

    @Test func partnersAddShowRemove() throws {
        let (_, directory) = try MembersFixtures.directory()
        let person = try directory.addPerson(name: "Lu Wei", address: "lu@caas.cn", language: .en,
                                             organisation: "CAAS", country: "China", college: .research)
        #expect(person.organisationID != nil)
        #expect(try directory.members(listID: "college-research").map(\.personName).contains("Lu Wei"))
        try directory.addAddress("wei.lu@caas.cn", toPersonWith: "lu@caas.cn")
        #expect(try directory.person(address: "wei.lu@caas.cn")?.id == person.id)
        #expect(throws: MemberDirectoryError.self) { try directory.addAddress("awa@example.sn", toPersonWith: "lu@caas.cn") }
        #expect(throws: MemberDirectoryError.self) {
            try directory.addPerson(name: "X", address: "x@nowhere.org", language: .fr, organisation: "Unknown Org")
        }
        #expect(try directory.removeOrganisation(named: "CAAS"))
        #expect(try directory.person(address: "wei.lu@caas.cn") == nil)
        #expect(try !directory.members(listID: "college-research").map(\.personName).contains("Lu Wei"))
        #expect(try directory.removePerson(address: "awa@example.sn"))
        #expect(try directory.members(listID: "individuals").isEmpty)
    }

    // MARK: Migration

    /// `members-v2-address-key` computes each address's key with its own frozen copy of the rule of 2026-12-06
    /// (ASCII letters lower-cased, other bytes kept) and keeps the older of two rows with one key, whatever the
    /// address rules of later versions say.
    @Test func addressKeyMigrationKeepsTheOlderOfTwoCaseVariants() throws {
        let queue = try DatabaseQueue()
        try StoreMigrations.migrator.migrate(queue, upTo: "notices-v1")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO people (id, name, language, created_at, updated_at)
                VALUES (1, 'Élise Martin', 'fr', '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000');
                INSERT INTO addresses (id, person_id, address, normalized) VALUES
                    (1, 1, 'Élise.Martin@Example.ORG', 'Élise.Martin@example.org'),
                    (2, 1, 'ÉLISE.MARTIN@EXAMPLE.ORG', 'ÉLISE.MARTIN@example.org'),
                    (3, 1, 'elise@example.org', 'elise@example.org'),
                    (4, 1, 'élise.martin@example.org', 'élise.martin@example.org');
                """)
        }
        try StoreMigrations.migrator.migrate(queue)
        let rows = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT id, address, normalized FROM addresses ORDER BY id").map {
                "\($0["id"] as Int64) \($0["address"] as String) \($0["normalized"] as String)"
            }
        }
        #expect(rows == ["1 Élise.Martin@Example.ORG Élise.martin@example.org",
                         "3 elise@example.org elise@example.org",
                         "4 élise.martin@example.org élise.martin@example.org"])
    }
}
