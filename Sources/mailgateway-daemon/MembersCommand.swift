import ArgumentParser
import Foundation
import MailGateway
import MailGatewayCLI

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
            let gateway = try global.openReader()
            try reportingFailures {
                _ = try requireList(list.id, in: gateway.config)
                let directory = MemberDirectory(writer: gateway.database.queue, lists: gateway.config.lists)
                let members = try directory.members(listID: list.id)
                if json { return try printJSON(members) }
                print("\(list.id): \(members.count) members")
                guard !members.isEmpty else { return }
                printTable(["NAME", "ADDRESS", "ROLE", "DELIVERY", "OWN POSTS", "LANGUAGE", "ORIGIN", "JOINED"], members.map {
                    [$0.personName, $0.address, $0.role.rawValue, $0.delivery.rawValue, $0.ownPosts ? "yes" : "no",
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
        @Flag(help: "Send no welcome (a person new to the list gets one by default).") var noWelcome = false

        func run() async throws {
            let gateway = try global.openStore()
            try reportingFailures {
                _ = try requireList(list.id, in: gateway.config)
                let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
                try requirePerson(address, directory)
                let welcome = noWelcome ? nil : MembershipMail(
                    config: gateway.config, notices: try NoticeComposer(templatesDirectory: gateway.config.templatesDirectory))
                let isNew = try directory.addMember(listID: list.id, address: address, role: role, delivery: delivery,
                                                    language: language, welcome: welcome)
                print("\(address) on \(list.id): role \(role.rawValue), delivery \(delivery.rawValue)"
                      + (language.map { ", language \($0.rawValue)" } ?? ""))
                if isNew && welcome != nil { print("welcome queued for \(address)") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a person from a list; a register import does not add them back until they join "
                + "again (by email or `members add`).")

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
        @Option(help: "The person's time zone, an IANA name (e.g. Africa/Nairobi); \"list\" for the list's.")
        var timeZone: String?
        @Option(help: "The digest's local time HH:MM for this list; \"list\" for the list's.") var digestTime: String?
        @Option(help: "Weekly digest on this day, 1 = Monday ... 7 = Sunday; 0 for daily.") var digestWeekday: Int?
        @Option(help: "yes or no: whether the member receives a copy of their own posts (yes by default).")
        var ownPosts: String?

        func validate() throws {
            if role == nil && delivery == nil && language == nil && timeZone == nil && digestTime == nil
                && digestWeekday == nil && ownPosts == nil {
                throw ValidationError("nothing to change: give --role, --delivery, --language, --time-zone, "
                    + "--digest-time, --digest-weekday or --own-posts")
            }
            if let ownPosts, CommandWords.onOff(ownPosts) == nil {
                throw ValidationError("--own-posts takes yes or no, not \"\(ownPosts)\"")
            }
        }

        func run() async throws {
            let gateway = try global.openStore()
            try reportingFailures {
                _ = try requireList(list.id, in: gateway.config)
                let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
                let person = try requirePerson(address, directory)
                guard let current = try directory.members(listID: list.id).first(where: { $0.personID == person.id }) else {
                    throw CommandFailure(message: "\(address) is not a member of \(list.id) "
                        + "(add them with `mailgateway members add --list \(list.id) \(address)`)")
                }
                try directory.setMember(listID: list.id, address: address, role: role, delivery: delivery,
                                        language: language.map { .some($0) }, ownPosts: ownPosts.flatMap(CommandWords.onOff))
                // Leaving the digest: the change recorded what accumulated as owed; the gateway's digest pass sends
                // it, with the member's bounce tag and one-click link (this command holds no keys).
                if let delivery, !delivery.isDigest, current.delivery.isDigest {
                    print("\(address) on \(list.id): any pending digest goes out with the gateway's next digest pass "
                        + "(within a minute while `mailgateway run` runs, or now with `mailgateway digest run`)")
                }
                if timeZone != nil || digestTime != nil || digestWeekday != nil {
                    if let timeZone {
                        try directory.setTimeZone(address: address, timeZone: timeZone == "list" ? nil : timeZone)
                    }
                    try directory.setDigestSchedule(
                        listID: list.id, address: address,
                        time: digestTime.map { $0 == "list" ? String?.none : String?.some($0) },
                        weekday: digestWeekday.map { $0 == 0 ? Int?.none : Int?.some($0) })
                    print("\(address) on \(list.id): digest at \(digestTime ?? "(unchanged)")"
                          + (digestWeekday.map { $0 == 0 ? ", daily" : ", weekly on day \($0)" } ?? "")
                          + (timeZone.map { ", time zone \($0)" } ?? ""))
                }
                guard let member = try directory.members(listID: list.id).first(where: { $0.personID == person.id }) else {
                    throw CommandFailure(message: "\(address) is no longer a member of \(list.id)")
                }
                print("\(address) on \(list.id): role \(member.role.rawValue), delivery \(member.delivery.rawValue), "
                      + "language \(member.language.rawValue), own posts \(member.ownPosts ? "yes" : "no")")
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
