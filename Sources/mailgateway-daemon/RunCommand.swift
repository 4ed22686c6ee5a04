import ArgumentParser
import Foundation
import MailGateway
import MailGatewayCLI
import MailGatewayRuntime

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the gateway: watch every list's mailbox (IDLE or polling), archive, moderate, deliver.",
        discussion: """
            Without --once, runs until SIGTERM or SIGINT, then stops cleanly (exit 0): each mailbox's current batch is \
            committed and flagged, copies being sent are finished. With --once, does one pass over every mailbox, \
            sends the copies that are due, and exits: 0 when every mailbox was processed and the outbox could be \
            sent (SMTP login accepted), 1 otherwise. Only one run may use a database at a time (an exclusive lock \
            on <database>.lock): a second one exits with status \(RunCommand.lockHeldStatus) and changes nothing.
            """)

    /// The exit status of a `run` that found another one using the database.
    static let lockHeldStatus: Int32 = 3

    @OptionGroup var global: GlobalOptions
    @Flag(help: "One pass over every mailbox, then send what is due, then exit.") var once = false
    @Flag(help: "With --once: print the report as JSON.") var json = false

    func run() async throws {
        MallocArenas.limit()
        let config = try global.loadConfig()
        let daemon: GatewayDaemon
        do {
            daemon = try GatewayDaemon.open(config: config, logger: global.makeLogger(), faults: Self.faults())
        } catch let error as ProcessLockError {
            throw CommandFailure(message: "\(error)", status: error.kind == .held ? Self.lockHeldStatus : 1,
                                 prefix: "mailgateway: ")
        } catch {
            throw CommandFailure(message: "\(error)", prefix: "mailgateway: ")
        }
        guard once else {
            do {
                try await daemon.run()
            } catch {
                throw CommandFailure(message: "\(error)", prefix: "mailgateway: ")
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
        var problems: [String] = []
        if let error = report.outboxError {
            problems.append("mailgateway: the outbox could not be sent: \(error)")
        }
        if !report.mailboxesOK {
            let failed = report.mailboxes.filter { $0.error != nil }.map(\.list)
            problems.append("mailgateway: \(failed.count) mailbox(es) could not be processed: \(failed.joined(separator: ", "))")
        }
        if !problems.isEmpty {
            // Each line made safe alone, as when they were printed one by one.
            throw CommandFailure(message: problems.map { terminalSafe($0, multiline: true) }.joined(separator: "\n"), prefix: "")
        }
    }

    /// Test-only fault points from `MAILGATEWAY_FAULT` (see `FaultInjection`): the process ends here, in the
    /// executable, never in the library. `exit-after-commit` exits with 75; a crash point aborts (SIGABRT).
    static func faults() -> FaultInjection {
        FaultInjection(ProcessInfo.processInfo.environment["MAILGATEWAY_FAULT"]) { point in
            switch point {
            case .afterCommit:
                Foundation.exit(75)
            case .processing:
                Foundation.abort()
            }
        }
    }
}
