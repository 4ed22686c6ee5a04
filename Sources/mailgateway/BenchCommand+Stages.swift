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
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let report = try await FanoutBenchmark.run(
                .init(port: port, copies: copies, connections: connections, claimBatch: claimBatch,
                      synchronousNormal: synchronousNormal), logger: global.makeLogger())
            print(String(format: "FANOUT sync=%@ copies=%d connections=%d bytes=%d enqueue=%.3fs send=%.3fs rate=%.1f/s sent=%d failed=%d",
                         synchronousNormal ? "normal" : "full", report.copies, report.connections, report.messageBytes,
                         report.enqueueSeconds, report.sendSeconds, report.rate, report.sent, report.failed))
            if report.sent != copies { throw ExitCode(1) }
        }
    }

    /// Parse rate over an mbox (the parse stage alone).
    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Parse every message of an mbox; print messages/s.")
        @Argument(help: "The mbox file (.gz allowed).") var mbox: String
        @Option(help: "Passes over the messages.") var passes = 3

        func run() throws {
            let messages = try BenchCommand.load(mbox)
            var best = Double.infinity
            var failed = 0
            for _ in 0..<max(1, passes) {
                let start = ContinuousClock.now
                failed = 0
                for raw in messages where (try? MessageParser.parse(raw)) == nil { failed += 1 }
                best = min(best, BenchCommand.seconds(ContinuousClock.now - start))
            }
            let bytes = messages.reduce(0) { $0 + $1.count }
            print(String(format: "PARSE messages=%d bytes=%d best=%.3fs rate=%.0f/s (%.1f MB/s) unparsed=%d",
                         messages.count, bytes, best, Double(messages.count) / best, Double(bytes) / best / 1e6, failed))
        }
    }

    /// The posting chain's cost per message (issue 3 §6), on parsed real mail, with the spoofing rule enabled.
    struct Policy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the posting chain over every message of an mbox; print the cost per message.")
        @Argument(help: "The mbox file (.gz allowed).") var mbox: String
        @Option(help: "Passes over the messages.") var passes = 5

        func run() throws {
            // An archive's messages carry the fields their list added on distribution; a list mailbox receives
            // posts before that: drop them, or the `auto-reply` rule discards nearly everything as another list's.
            let listFields: Set<String> = ["list-id", "list-post", "list-help", "list-archive", "list-unsubscribe",
                                           "list-subscribe", "precedence", "x-mailing-list", "list-owner"]
            let parsed = try BenchCommand.load(mbox).compactMap { raw -> (ParsedMessage, Int)? in
                guard var message = try? MessageParser.parse(raw) else { return nil }
                message.headers.removeAll { listFields.contains($0.name.lowercased()) }
                return (message, raw.count)
            }
            let list = ListConfig(id: "college-research", kind: .college, college: .research,
                                  name: LocalizedName(fr: "Recherche", en: "Research"), address: "college-research@lists.example.org",
                                  language: .fr, mailbox: MailboxConfig(user: "r"))
            let partner = SenderIdentity(personID: 1, name: "P", language: .fr,
                                         organisation: Organisation(id: 1, name: "INRAE", country: "France", college: .research, isFunder: false),
                                         roles: ["college-research": .member])
            // Half the senders are entitled partners, half unknown; with and without a trusted authserv-id (the
            // spoofing rule parses every Authentication-Results header; here none is trusted, so posts are held).
            for authserv in [nil, "mx.lists.example.org"] as [String?] {
                let contexts = parsed.enumerated().map { i, p in
                    PostContext(message: p.0, rawSize: p.1, list: list, sender: i % 2 == 0 ? partner : nil, lists: [list],
                                ownListIDs: ["college-research.lists.example.org"],
                                ownAddresses: ["college-research@lists.example.org"], trustedAuthservID: authserv)
                }
                let chain = PolicyChain.standard
                var best = Double.infinity
                var actions: [String: Int] = [:]
                for _ in 0..<max(1, passes) {
                    actions = [:]
                    let start = ContinuousClock.now
                    for context in contexts { actions[chain.decide(context).action.rawValue, default: 0] += 1 }
                    best = min(best, BenchCommand.seconds(ContinuousClock.now - start))
                }
                print(String(format: "POLICY spoofing=%@ messages=%d best=%.4fs per-message=%.2fµs", authserv == nil ? "off" : "on",
                             contexts.count, best, best / Double(max(1, contexts.count)) * 1e6)
                      + " actions=" + actions.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","))
            }
        }
    }

    static func load(_ path: String) throws -> [[UInt8]] {
        let reader = try MboxReader(url: URL(fileURLWithPath: path))
        var messages: [[UInt8]] = []
        while let message = try reader.next() { messages.append(message.raw) }
        return messages
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
