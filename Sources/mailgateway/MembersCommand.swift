import ArgumentParser
import Foundation
import MailGateway

/// `mailgateway members`: who is on a list, with which role, delivery mode and language.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members",
        abstract: "List, add, remove and change the members of a list.",
        subcommands: [List.self, Add.self, Remove.self, Set.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a list's members.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListOption
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let gateway = try global.openStore()
            try reportingFailures {
                _ = try requireList(list.id, in: gateway.config)
                let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
                let members = try directory.members(listID: list.id)
                if json { return try printJSON(members) }
                print("\(list.id): \(members.count) members")
                guard !members.isEmpty else { return }
                printTable(["NAME", "ADDRESS", "ROLE", "DELIVERY", "LANGUAGE", "ORIGIN", "JOINED"], members.map {
                    [$0.personName, $0.address, $0.role.rawValue, $0.delivery.rawValue,
                     $0.language.rawValue + ($0.languageOverride == nil ? "" : " (list)"), $0.origin.rawValue,
                     localTime($0.joinedAt)]
                })
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a known person (see `partners add`) to a list, or change their existing membership.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListOption
        @Argument(help: "The person's address.") var address: String
        @Option(help: "member, moderator or owner.") var role: MemberRole = .member
        @Option(help: "immediate (each), digest, digest-plain, digest-mime, summary, notices or none (nomail).") var delivery: DeliveryMode = .immediate
        @Option(help: "fr, en or es (default: the person's language).") var language: Language?

        func run() async throws {
            let gateway = try global.openStore()
            try reportingFailures {
                _ = try requireList(list.id, in: gateway.config)
                let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
                try requirePerson(address, directory)
                try directory.addMember(listID: list.id, address: address, role: role, delivery: delivery,
                                        language: language)
                print("\(address) on \(list.id): role \(role.rawValue), delivery \(delivery.rawValue)"
                      + (language.map { ", language \($0.rawValue)" } ?? ""))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a person from a list (a register membership comes back at the next import: "
                + "use `members set --delivery none` to stop mail).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListOption
        @Argument(help: "The person's address.") var address: String

        func run() async throws {
            let gateway = try global.openStore()
            try reportingFailures {
                _ = try requireList(list.id, in: gateway.config)
                let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
                try requirePerson(address, directory)
                guard try directory.removeMember(listID: list.id, address: address) else {
                    throw CommandFailure(message: "\(address) is not a member of \(list.id)")
                }
                print("removed \(address) from \(list.id)")
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a member's role, delivery mode or language.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListOption
        @Argument(help: "The member's address.") var address: String
        @Option(help: "member, moderator or owner.") var role: MemberRole?
        @Option(help: "immediate (each), digest, digest-plain, digest-mime, summary, notices or none (nomail).") var delivery: DeliveryMode?
        @Option(help: "fr, en or es for this list.") var language: Language?

        func validate() throws {
            if role == nil && delivery == nil && language == nil {
                throw ValidationError("nothing to change: give --role, --delivery or --language")
            }
        }

        func run() async throws {
            let gateway = try global.openStore()
            try reportingFailures {
                _ = try requireList(list.id, in: gateway.config)
                let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
                let person = try requirePerson(address, directory)
                guard try directory.members(listID: list.id).contains(where: { $0.personID == person.id }) else {
                    throw CommandFailure(message: "\(address) is not a member of \(list.id) "
                        + "(add them with `mailgateway members add --list \(list.id) \(address)`)")
                }
                try directory.setMember(listID: list.id, address: address, role: role, delivery: delivery,
                                        language: language.map { .some($0) })
                guard let member = try directory.members(listID: list.id).first(where: { $0.personID == person.id }) else {
                    throw CommandFailure(message: "\(address) is no longer a member of \(list.id)")
                }
                print("\(address) on \(list.id): role \(member.role.rawValue), delivery \(member.delivery.rawValue), "
                      + "language \(member.language.rawValue)")
            }
        }
    }
}

/// The person who has `address`, or a failure telling the operator how to add them.
@discardableResult
private func requirePerson(_ address: String, _ directory: MemberDirectory) throws -> Person {
    guard let person = try directory.person(address: address) else {
        throw CommandFailure(message: "no person has the address \(address) "
            + "(add them first with `mailgateway partners add` or `partners import`)")
    }
    return person
}
