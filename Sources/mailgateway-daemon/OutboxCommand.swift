import ArgumentParser
import Foundation
import MailGateway
import MailGatewayCLI

/// `mailgateway outbox`: the copies waiting to be sent, sent, or failed.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "List outgoing copies and retry failed ones.",
        subcommands: [List.self, Retry.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List outgoing copies, oldest first.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "Only copies in this status: pending, sending, sent, failed.") var status: OutboxStatus?
        @OptionGroup var list: ListFilter
        @Option(help: "At most this many copies.") var limit = 1000
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            let gateway = try global.openReader()
            let list = self.list.id
            try reportingFailures {
                if let list { _ = try requireList(list, in: gateway.config) }
                // Copies a running sender handed to SMTP, whose rows stay `pending` until their outcome is committed.
                let inFlight = Outbox.inFlight(databasePath: gateway.database.queue.path)
                let (entries, counts) = try gateway.database.queue.read { db in
                    (try Outbox.list(db, status: status, listID: list, limit: limit, inFlight: inFlight),
                     try Outbox.counts(db, listID: list, inFlight: inFlight))
                }
                if json { return try printJSON(entries) }
                print(OutboxStatus.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", "))
                guard !entries.isEmpty else { return }
                printTable(["ID", "LIST", "WHAT", "RECIPIENT", "STATUS", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR"], entries.map { e in
                    var error = "-"
                    if e.lastErrorKind != nil || e.lastErrorText != nil {
                        error = [e.lastErrorCode.map(String.init), e.lastErrorCommand, e.lastErrorText.map { truncated($0, to: 60) }]
                            .compactMap { $0 }.joined(separator: " ")
                    }
                    let next = e.status == .pending ? localTime(e.nextAttemptAt)
                        : e.status == .sent ? "sent " + localTime(e.sentAt) : "-"
                    return ["\(e.id)", e.listID, e.purpose, e.recipient, e.status.rawValue, "\(e.attempts)", next, error]
                })
                if entries.count == limit { print("(first \(limit) shown; use --limit)") }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make failed copies due again now (all, one list's, or the given ids), with a new retry period.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListFilter
        @Argument(help: "Copy ids (see `outbox list`); none means every failed copy.") var ids: [Int64] = []

        func run() async throws {
            let gateway = try global.openStore()
            let list = self.list.id
            try reportingFailures {
                if let list { _ = try requireList(list, in: gateway.config) }
                let now = Date()
                let (failed, waiting) = try gateway.database.pool.write { db in
                    let failed = try Outbox.retry(db, ids: ids.isEmpty ? nil : ids, listID: list, now: now)
                    // The library's `retry` takes failed copies only; pending copies waiting for their backoff are
                    // made due now too.
                    let waiting = try Outbox.hastenWaiting(db, ids: ids.isEmpty ? nil : ids, listID: list, now: now)
                    return (failed, waiting)
                }
                print("\(failed + waiting) cop\(failed + waiting == 1 ? "y" : "ies") due again now "
                      + "(\(failed) failed, \(waiting) waiting for a retry)")
            }
        }
    }
}
