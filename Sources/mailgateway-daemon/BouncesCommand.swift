import ArgumentParser
import Foundation
import MailGateway
import MailGatewayCLI

/// `mailgateway bounces`: addresses whose copies bounced, their score, state and events (issue 11, BN-9).
struct BouncesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bounces",
        abstract: "Show bounced addresses: events with their codes and texts, score, state.",
        subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the addresses with bounce events.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this address.") var address: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let gateway = try global.openReader()
            try reportingFailures {
                let rows = try gateway.database.queue.read { db in try BounceQueries.list(db, address: address) }
                if json { return try printJSON(rows) }
                guard !rows.isEmpty else { return print("no bounces") }
                printTable(["ADDRESS", "STATE", "SCORE", "EVENTS", "BY CLASS", "LAST"], rows.map { r in
                    [r.address, r.state, String(format: "%.2f", r.score), "\(r.events)",
                     r.byClass.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                     localTime(r.lastEventAt)]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one address's state and events.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The address.") var address: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let gateway = try global.openReader()
            try reportingFailures {
                guard let detail = try gateway.database.queue.read({ db in try BounceQueries.show(db, address: address) })
                else { throw CommandFailure(message: "no bounce recorded for \(address)") }
                if json { return try printJSON(detail) }
                let state = detail.state
                print("address: \(detail.address)")
                print("state: \(state?.phase.rawValue ?? "active")")
                print("score: \(String(format: "%.2f", state?.score ?? 0))")
                if let at = state?.probeSentAt { print("probe sent: \(localTime(at))") }
                if let at = state?.disabledAt { print("disabled: \(localTime(at))") }
                if let state, state.warningsSent > 0 {
                    print("warnings sent: \(state.warningsSent) (last \(localTime(state.lastWarningAt)))")
                }
                printTable(["WHEN", "LIST", "CLASS", "CODE", "SOURCE", "COUNTED", "TEXT"], detail.events.map { e in
                    [localTime(e.at), e.list ?? "-", e.bounceClass,
                     [e.status, e.code.map(String.init)].compactMap { $0 }.joined(separator: " "), e.source,
                     e.counted ? "yes" : "no", truncated(e.diagnostic, to: 80)]
                })
            }
        }
    }
}
