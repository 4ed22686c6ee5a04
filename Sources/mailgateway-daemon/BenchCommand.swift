import ArgumentParser
import Foundation
import MailGateway
import MailGatewayCLI
import MailGatewayBench

/// `mailgateway bench …` (hidden): the pieces of `bench/ingest.sh` that need the library.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (bench/ingest.sh, bench/fanout.sh): print figures, assert nothing.",
        shouldDisplay: false,
        subcommands: [Fetch.self, SplitMbox.self, Fanout.self, Parse.self, Policy.self, Digest.self])

    /// The raw IMAP fetch rate of a list's mailbox: the physical limit of the ingest's fetch step.
    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch every body of a list's mailbox (BODY.PEEK[], batched like the gateway) and discard it.",
            discussion: "Read-only: no flag is changed and the database is not opened. Prints messages/s and MB/s.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListOption
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let config = try global.loadConfig(checkSecrets: false)
            let listConfig: ListConfig
            do { listConfig = try requireList(list.id, in: config) } catch let failure as CommandFailure {
                throw CommandFailure(message: failure.message, status: 2, prefix: "mailgateway: ")
            }
            let server = config.imapServer(for: listConfig)
            guard let password = Secrets().value(env: server.passwordEnv, file: server.passwordFile) else {
                throw CommandFailure(message: "the mailbox password of \(list.id) is not set (see check-config)",
                                     status: 2, prefix: "mailgateway: ")
            }
            let client = IMAPClient(server: server, timeout: .seconds(120), logger: global.makeLogger())
            let result: RawFetchResult
            do {
                try await client.connect(password: password)
                result = try await RawFetchBenchmark.run(client: client, folder: listConfig.mailbox.folder,
                                                         limits: MailboxSyncPlan.Limits(maxMessageBytes: config.maxMessageBytes))
                await client.logout()
            } catch {
                await client.logout()
                throw CommandFailure(message: "\(error)", prefix: "mailgateway: ")
            }
            if json { return try printJSON(result) }
            print(String(format: "%d messages, %.1f MB in %d batches: list %.2f s + fetch %.2f s = %.2f s, %.0f messages/s, %.1f MB/s",
                         result.messages, Double(result.bytes) / 1e6, result.batches, result.listSeconds,
                         result.fetchSeconds, result.totalSeconds, result.messagesPerSecond, result.megabytesPerSecond))
        }
    }

    /// Splits an mbox into Maildir files (the library's mbox reading rules), to fill a mailbox without APPEND.
    struct SplitMbox: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "split-mbox",
            abstract: "Write each message of an mbox (.gz allowed) as one unseen Maildir file into a folder.")
        @Argument(help: "The mbox file.") var mbox: String
        @Argument(help: "The folder to write into (a Maildir's cur/).") var directory: String
        @Option(help: "At most this many messages.") var limit: Int?

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            try reportingFailures {
                let count = try MaildirSeeder.write(mbox: URL(fileURLWithPath: mbox),
                                                    to: URL(fileURLWithPath: directory), limit: limit)
                print("\(count) messages written to \(directory)")
            }
        }
    }
}
