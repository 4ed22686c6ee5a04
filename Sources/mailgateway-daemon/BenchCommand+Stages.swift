import ArgumentParser
import Foundation
import MailGateway
import MailGatewayCLI
import MailGatewayBench

extension BenchCommand {
    /// One post to N recipients through the durable outbox into an SMTP server (bench/fanout.sh starts smtp-sink).
    struct Fanout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compose one post, enqueue one VERP copy per recipient, deliver them all to 127.0.0.1:PORT.")
        @Option(help: "The SMTP server's port on 127.0.0.1 (smtp-sink).") var port: Int
        @Option(help: "Copies (one recipient each).") var copies = 10_000
        @Option(help: "SMTP connections in parallel.") var connections = 4
        @Option(help: "Copies a worker claims per transaction.") var claimBatch = 16
        @Flag(help: "PRAGMA synchronous = NORMAL, as the gateway's database runs (default: SQLite's FULL).")
        var synchronousNormal = false
        @Option(help: "The templates folder whose footers the copies carry (one per reader language).")
        var templates = "templates"
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let report = try await FanoutBenchmark.run(
                .init(port: port, copies: copies, connections: connections, claimBatch: claimBatch,
                      synchronousNormal: synchronousNormal, templatesDirectory: templates), logger: global.makeLogger())
            print(String(format: "FANOUT sync=%@ copies=%d connections=%d bytes=%d enqueue=%.3fs send=%.3fs rate=%.1f/s sent=%d failed=%d bodies_composed=%d bodies_stored=%d",
                         synchronousNormal ? "normal" : "full", report.copies, report.connections, report.messageBytes,
                         report.enqueueSeconds, report.sendSeconds, report.rate, report.sent, report.failed,
                         report.bodiesComposed, report.bodiesStored))
            if report.sent != copies { throw ExitCode(1) }
        }
    }

    /// Parse rate over an mbox (the parse stage alone).
    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Parse every message of an mbox; print messages/s.")
        @Argument(help: "The mbox file (.gz allowed).") var mbox: String
        @Option(help: "Passes over the messages.") var passes = 3

        func run() throws {
            print(StageBenchmark.line(try StageBenchmark.parse(mbox: URL(fileURLWithPath: mbox), passes: passes)))
        }
    }

    /// The posting chain's cost per message (issue 3 §6), on parsed real mail, with the spoofing rule enabled.
    struct Policy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the posting chain over every message of an mbox; print the cost per message.")
        @Argument(help: "The mbox file (.gz allowed).") var mbox: String
        @Option(help: "Passes over the messages.") var passes = 5
        @Option(help: "Only the run with (on) or without (off) the spoofing rule (default: both).") var spoofing: String?

        func validate() throws {
            if let spoofing, !["on", "off"].contains(spoofing) { throw ValidationError("--spoofing: on or off") }
        }

        func run() throws {
            for r in try StageBenchmark.policy(mbox: URL(fileURLWithPath: mbox), passes: passes,
                                               spoofing: spoofing.map { $0 == "on" }) {
                print(StageBenchmark.line(r))
            }
        }
    }
}
