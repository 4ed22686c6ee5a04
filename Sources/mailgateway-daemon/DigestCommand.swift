import ArgumentParser
import Digest
import Foundation
import MailGateway
import MailGatewayCLI
import MailGatewayRuntime

/// `mailgateway digest`: preview a member's next issue, send the issues due, see each list's digest state.
struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Preview, send and follow the members' digests.",
        subcommands: [Preview.self, Run.self, Status.self])

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the message(s) a member's digest would be if it were sent now (or --at); records nothing.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListOption
        @Option(help: "The member's address.") var member: String
        @Option(help: "The instant, ISO 8601 (default: now).") var at: String?
        @Option(help: "digest, digest-plain, digest-mime or summary (default: the member's).") var mode: String?

        func run() async throws {
            let gateway = try global.openStore()
            try reportingFailures {
                let config = try requireList(list.id, in: gateway.config)
                let instant = try parseInstant(at)
                var format: DigestContent.Format?
                if let mode {
                    guard let f = DigestContent.Format(rawValue: mode) else {
                        throw CommandFailure(message: "--mode must be digest, digest-plain, digest-mime or summary")
                    }
                    format = f
                }
                let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
                guard let person = try directory.personID(address: member) else {
                    throw CommandFailure(message: "no person has the address \(member)")
                }
                let run = DigestRun(config: gateway.config,
                                    renderer: try makeDigestRenderer(templatesDirectory: gateway.config.templatesDirectory))
                guard let messages = try gateway.database.pool.read({ db in
                    try run.preview(db, list: config, person: person, at: instant, mode: format)
                }) else {
                    print("no post pending for \(member) on \(list.id)")
                    return
                }
                for message in messages {
                    FileHandle.standardOutput.write(Data(message))
                }
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the issues due now (or at --at), then the outbox; a second run sends nothing new.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "The instant, ISO 8601 (default: now).") var at: String?

        func run() async throws {
            let config = try global.loadConfig()
            let instant = try reportingFailures { try parseInstant(at) }
            let daemon: GatewayDaemon
            do {
                daemon = try GatewayDaemon.open(config: config, logger: global.makeLogger())
            } catch let error as ProcessLockError {
                throw CommandFailure(message: "\(error)", status: error.kind == .held ? RunCommand.lockHeldStatus : 1,
                                     prefix: "mailgateway: ")
            } catch {
                throw CommandFailure(message: "\(error)", prefix: "mailgateway: ")
            }
            do {
                let report = try await daemon.runDigests(at: instant)
                print("digest: \(report.issues) issue(s), \(report.copies) message(s) enqueued"
                      + (report.empty > 0 ? ", \(report.empty) due without posts" : ""))
            } catch {
                throw CommandFailure(message: "\(error)", prefix: "mailgateway: ")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per list: members per delivery mode, pending posts, last and next send.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListFilter
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let gateway = try global.openReader()
            try reportingFailures {
                if let id = list.id { _ = try requireList(id, in: gateway.config) }
                let (config, only, now) = (gateway.config, list.id, Date())
                let status = try gateway.database.queue.read { db in
                    try DigestRun.status(db, config: config, list: only, at: now)
                }
                if json { return try printJSON(status) }
                printTable(["LIST", "MEMBERS", "PENDING", "ISSUES", "LAST", "NEXT"], status.map {
                    [$0.list, $0.members.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                     "\($0.pendingItems)", "\($0.issues)", localTime($0.lastSend), localTime($0.nextSend)]
                })
            }
        }
    }
}

/// An ISO 8601 instant (`2026-03-02T07:00:00Z`, offsets allowed), now when nil.
private func parseInstant(_ text: String?) throws -> Date {
    guard let text else { return Date() }
    let formatter = ISO8601DateFormatter()
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    throw CommandFailure(message: "--at: \"\(text)\" is not an ISO 8601 instant (e.g. 2026-03-02T07:00:00Z)")
}
