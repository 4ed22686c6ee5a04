import ArgumentParser
import Foundation
import MailGateway
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
            let r = try StageBenchmark.parse(mbox: URL(fileURLWithPath: mbox), passes: passes)
            print(String(format: "PARSE messages=%d bytes=%d best=%.3fs rate=%.0f/s (%.1f MB/s) unparsed=%d",
                         r.messages, r.bytes, r.best, Double(r.messages) / r.best, Double(r.bytes) / r.best / 1e6, r.unparsed))
        }
    }

    /// The posting chain's cost per message (issue 3 §6), on parsed real mail, with the spoofing rule enabled.
    struct Policy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the posting chain over every message of an mbox; print the cost per message.")
        @Argument(help: "The mbox file (.gz allowed).") var mbox: String
        @Option(help: "Passes over the messages.") var passes = 5

        func run() throws {
            for r in try StageBenchmark.policy(mbox: URL(fileURLWithPath: mbox), passes: passes) {
                print(String(format: "POLICY spoofing=%@ messages=%d best=%.4fs per-message=%.2fµs", r.spoofing ? "on" : "off",
                             r.messages, r.best, r.best / Double(max(1, r.messages)) * 1e6)
                      + " actions=" + r.actions.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","))
            }
        }
    }
}
