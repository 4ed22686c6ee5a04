import ArgumentParser
import Foundation
import MailGateway
import MailGatewayCLI

/// `mailgateway partners`: the Initiative's partner register (organisations, people, individuals).
struct PartnersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partners",
        abstract: "Import, add, list, show and remove partners and individual members.",
        subcommands: [Import.self, Add.self, List.self, Show.self, Remove.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import the partner register (CSV; see docs/partners.md). Nothing is imported if any row is bad.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The register, a CSV file.", valueName: "file.csv"))
        var file: String

        @Flag(help: "Validate the file and print what it contains; change nothing.")
        var dryRun = false

        @Flag(help: "Send no welcome to the people new to a list (a first migration of existing lists).")
        var noWelcome = false

        func run() async throws {
            let bytes: [UInt8]
            do {
                bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                throw CommandFailure(message: "cannot read \(file): \((error as NSError).localizedDescription)", status: 2)
            }
            let register: PartnerRegister
            do {
                register = try PartnerRegister(csv: bytes)
            } catch {
                // Each line made safe alone, as when they were printed one by one.
                let problems = error.problems.map { "\n  " + terminalSafe($0.description, multiline: true) }.joined()
                throw CommandFailure(message: "\(file): \(error.problems.count) problem(s), nothing imported:" + problems,
                                     status: 2, prefix: "")
            }
            if dryRun {
                let organisations = Set(register.entries.compactMap { $0.organisation?.lowercased() })
                let individuals = register.entries.filter { $0.organisation == nil }.count
                print("\(file): valid; \(register.entries.count) rows, \(organisations.count) organisations, "
                      + "\(individuals) individual rows (dry run: nothing imported)")
                return
            }
            let gateway = try global.openStore()
            try reportingFailures {
                // The summary is printed; the library's log line goes to standard error only when asked for.
                let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists,
                                                logger: global.logLevel <= .debug ? global.makeLogger() : nil)
                let welcome = noWelcome ? nil : MembershipMail(
                    config: gateway.config, notices: try NoticeComposer(templatesDirectory: gateway.config.templatesDirectory))
                let s = try directory.importRegister(register, welcome: welcome)
                print("imported \(register.entries.count) rows from \(file)")
                printTable(["", "created", "updated"], [
                    ["organisations", "\(s.organisationsCreated)", "\(s.organisationsUpdated)"],
                    ["people", "\(s.peopleCreated)", "\(s.peopleUpdated)"],
                ])
                print("addresses added: \(s.addressesAdded); memberships added: \(s.membershipsAdded), "
                      + "removed: \(s.membershipsRemoved)")
                if !noWelcome { print("welcomes queued: \(s.welcomesQueued)") }
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add (or update) one person: a partner's representative, or an individual without --organisation.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "The partner organisation (omit for an individual member).")
        var organisation: String?
        @Option(help: "The organisation's country (required to create an organisation).")
        var country: String?
        @Option(help: "The organisation's college: states, research, producers, civil-society, private.")
        var college: College?
        @Flag(help: "The organisation is a funder.")
        var funder = false
        @Option(help: "The person's full name.")
        var person: String
        @Option(help: "The person's mail address.")
        var email: String
        @Option(help: "Preferred language: fr, en or es.")
        var language: Language

        func validate() throws {
            if organisation == nil {
                if college != nil || funder || country != nil {
                    throw ValidationError("an individual (no --organisation) takes no --country, --college or --funder")
                }
            } else if college != nil && (country ?? "").isEmpty {
                throw ValidationError("--country is required with --college (creating or updating an organisation)")
            }
            if person.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--person is empty") }
            if let problem = AddressSyntax.problem(email) { throw ValidationError("--email is not a valid mail address: \(problem)") }
        }

        func run() async throws {
            let gateway = try global.openStore()
            try reportingFailures {
                let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
                let added: Person
                do {
                    added = try directory.addPerson(name: person, address: email, language: language,
                                                    organisation: organisation, country: country ?? "",
                                                    college: college, isFunder: funder)
                } catch let error as MemberDirectoryError where error.kind == .unknownOrganisation {
                    throw CommandFailure(message: "no organisation is named \"\(organisation ?? "")\": "
                        + "give --country and --college to create it")
                }
                let lists = try gateway.config.lists.filter { list in
                    try directory.members(listID: list.id).contains { $0.personID == added.id }
                }.map(\.id)
                print(terminalSafe("\(added.name) <\(email)> \(organisation.map { "of \($0)" } ?? "(individual)"); "
                      + "lists: \(lists.isEmpty ? "none" : lists.joined(separator: ", "))"))
            }
        }
    }

    /// One organisation in `partners list`.
    struct OrganisationRow: Codable {
        var name: String
        var country: String
        var college: College
        var isFunder: Bool
        var people: Int
    }

    /// The whole of `partners list --json`.
    struct Listing: Codable {
        var organisations: [OrganisationRow]
        var individuals: [Person]
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List organisations (country, college, funder, people) and individual members.")

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let gateway = try global.openStore()
            try reportingFailures {
                let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
                let organisations = try directory.organisations().map { o in
                    OrganisationRow(name: o.name, country: o.country, college: o.college, isFunder: o.isFunder,
                                    people: try directory.partner(named: o.name)?.people.count ?? 0)
                }
                let listing = Listing(organisations: organisations, individuals: try directory.individuals())
                if json { return try printJSON(listing) }
                if organisations.isEmpty && listing.individuals.isEmpty {
                    print("no partners yet (import the register with `mailgateway partners import FILE.csv`)")
                    return
                }
                print("\(organisations.count) organisations")
                printTable(["NAME", "COUNTRY", "COLLEGE", "FUNDER", "PEOPLE"], organisations.map {
                    [$0.name, $0.country, $0.college.rawValue, $0.isFunder ? "yes" : "no", "\($0.people)"]
                })
                print("")
                print("\(listing.individuals.count) individual members")
                if !listing.individuals.isEmpty {
                    printTable(["NAME", "LANGUAGE", "ADDRESSES"], listing.individuals.map {
                        [$0.name, $0.language.rawValue, $0.addresses.joined(separator: ", ")]
                    })
                }
            }
        }
    }

    /// `partners show --json` of a person.
    struct PersonDetails: Codable {
        var person: Person
        var organisation: Organisation?
        var memberships: [Membership]
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an organisation (by name) and its people, or a person (by address) and their lists.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("An organisation's name or a person's address.", valueName: "name-or-email"))
        var target: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let gateway = try global.openStore()
            try reportingFailures {
                let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
                if target.contains("@") {
                    guard let person = try directory.person(address: target) else {
                        throw CommandFailure(message: "no person has the address \(target)")
                    }
                    let organisation = try person.organisationID.flatMap { id in
                        try directory.organisations().first { $0.id == id }
                    }
                    let memberships = try gateway.config.lists.flatMap { list in
                        try directory.members(listID: list.id).filter { $0.personID == person.id }
                    }
                    let details = PersonDetails(person: person, organisation: organisation, memberships: memberships)
                    if json { return try printJSON(details) }
                    print(terminalSafe("\(person.name) (\(organisation.map { "of \($0.name)" } ?? "individual member"))"))
                    print("  language:  \(person.language.rawValue)")
                    print("  addresses: \(terminalSafe(person.addresses.joined(separator: ", ")))")
                    if person.isSecretariat { print("  secretariat") }
                    if memberships.isEmpty {
                        print("  lists:     none")
                    } else {
                        print("  lists:")
                        printTable(["    LIST", "ROLE", "DELIVERY", "LANGUAGE", "ORIGIN", "JOINED"], memberships.map {
                            ["    " + $0.listID, $0.role.rawValue, $0.delivery.rawValue, $0.language.rawValue,
                             $0.origin.rawValue, localTime($0.joinedAt)]
                        })
                    }
                } else {
                    guard let details = try directory.partner(named: target) else {
                        throw CommandFailure(message: "no organisation is named \"\(target)\" "
                            + "(give an address to show a person)")
                    }
                    if json { return try printJSON(details) }
                    let o = details.organisation
                    print(terminalSafe("\(o.name): \(o.country), college \(o.college.rawValue)\(o.isFunder ? ", funder" : "")"))
                    printTable(["  NAME", "LANGUAGE", "ADDRESSES"], details.people.map {
                        ["  " + $0.name, $0.language.rawValue, $0.addresses.joined(separator: ", ")]
                    })
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an organisation (by name, with its people) or a person (by address), with their memberships.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("An organisation's name or a person's address.", valueName: "name-or-email"))
        var target: String

        func run() async throws {
            let gateway = try global.openStore()
            try reportingFailures {
                let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
                if target.contains("@") {
                    guard let person = try directory.person(address: target) else {
                        throw CommandFailure(message: "no person has the address \(target)")
                    }
                    try directory.removePerson(address: target)
                    print(terminalSafe("removed \(person.name) (\(person.addresses.joined(separator: ", "))) and their memberships"))
                } else {
                    guard let details = try directory.partner(named: target) else {
                        throw CommandFailure(message: "no organisation is named \"\(target)\"")
                    }
                    try directory.removeOrganisation(named: details.organisation.name)
                    print(terminalSafe("removed \(details.organisation.name) and its \(details.people.count) people"))
                }
            }
        }
    }
}
