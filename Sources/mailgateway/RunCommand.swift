import ArgumentParser
import Foundation
import MailGateway

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the gateway: watch every list's mailbox (IDLE or polling), archive, moderate, deliver.",
        discussion: """
            Without --once, runs until SIGTERM or SIGINT, then stops cleanly (exit 0): each mailbox's current batch is \
            committed and flagged, copies being sent are finished. With --once, does one pass over every mailbox, \
            sends the copies that are due, and exits: 0 when every mailbox was processed, 1 otherwise.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "One pass over every mailbox, then send what is due, then exit.") var once = false
    @Flag(help: "With --once: print the report as JSON.") var json = false

    func run() async throws {
        let config = try global.loadConfig()
        let logger = global.makeLogger()
        let gateway: Gateway
        do {
            gateway = try Gateway(config: config)
        } catch {
            printError("mailgateway: \(error)")
            throw ExitCode(1)
        }
        let daemon = GatewayDaemon(gateway: gateway, logger: logger)
        guard once else {
            do {
                try await daemon.run()
            } catch {
                printError("mailgateway: \(error)")
                throw ExitCode(1)
            }
            return
        }
        let report = await daemon.runOnce()
        if json {
            try printJSON(report)
        } else {
            for m in report.mailboxes {
                if let error = m.error {
                    print("\(padded(m.list, to: 22)) FAILED: \(terminalSafe("\(error)"))")
                } else if let s = m.summary {
                    let outcomes = s.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    var line = "\(padded(m.list, to: 22)) \(s.processed) new"
                    if !outcomes.isEmpty { line += " (\(outcomes))" }
                    if s.uidValidityChanged { line += ", UIDVALIDITY changed: rescanned" }
                    if s.repaired > 0 { line += ", \(s.repaired) flagged after an interruption" }
                    print(line)
                }
            }
            var outbox = "outbox: \(report.outboxSent) sent, \(report.outboxFailed) failed, \(report.outboxPending) waiting"
            if let e = report.outboxError { outbox += " (\(terminalSafe("\(e)")))" }
            print(outbox)
        }
        if !report.mailboxesOK {
            let failed = report.mailboxes.filter { $0.error != nil }.map(\.list)
            printError("mailgateway: \(failed.count) mailbox(es) could not be processed: \(failed.joined(separator: ", "))")
            throw ExitCode(1)
        }
    }
}
