import ArgumentParser
import Foundation
import MailGateway
import MailGatewayCLI

/// `mailgateway moderation`: the queue of held messages, and the moderators' decisions.
struct ModerationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moderation",
        abstract: "List, show, approve, reject or discard held messages; expire old holds.",
        subcommands: [List.self, Show.self, Approve.self, Reject.self, Discard.self, Expire.self])

    /// One held message, as `moderation list` prints it.
    struct HoldRow: Codable {
        var hold: Hold
        var sender: String?
        var subject: String?
    }

    /// `moderation show`: the hold and its message.
    struct HoldDetails: Codable {
        var hold: Hold
        var message: MessageSummary?
    }

    /// The parts of a held message a moderator reads.
    struct MessageSummary: Codable {
        var messageID: String
        var fromName: String?
        var fromAddress: String?
        var subject: String
        var date: Date
        var size: Int
        var headers: String
        var text: String?
        var attachments: [String]
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List pending holds, newest first.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListFilter
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let gateway = try global.openReader()
            let list = self.list.id
            try reportingFailures {
                if let list { _ = try requireList(list, in: gateway.config) }
                let holds = try readingQueue(gateway.database).list(listID: list)
                let rows = try gateway.database.queue.read { db in
                    try holds.map { hold in
                        let message = try ArchiveQueries.message(db, rowID: hold.messageRowID)
                        return HoldRow(hold: hold, sender: message?.fromAddress, subject: message?.subject)
                    }
                }
                if json { return try printJSON(rows) }
                guard !rows.isEmpty else {
                    print("no pending holds" + (list.map { " for \($0)" } ?? ""))
                    return
                }
                printTable(["ID", "LIST", "REASON", "SENDER", "SUBJECT", "HELD", "EXPIRES"], rows.map {
                    ["\($0.hold.id)", $0.hold.listID, $0.hold.reason.rawValue, $0.sender ?? "-",
                     truncated($0.subject ?? "-", to: 50), localTime($0.hold.createdAt), localTime($0.hold.expiresAt)]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a hold and the start of its message.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The hold id (see `moderation list`).") var id: Int64
        @Option(help: "How many lines of the text to print.") var lines = 20
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let gateway = try global.openReader()
            try reportingFailures {
                guard let hold = try readingQueue(gateway.database).show(id) else { throw CommandFailure(message: "no hold has the id \(id)") }
                let detail = try gateway.database.queue.read { db in try ArchiveQueries.message(db, rowID: hold.messageRowID) }
                let text = detail?.text.map { text in
                    text.split(separator: "\n", omittingEmptySubsequences: false).prefix(max(0, lines))
                        .joined(separator: "\n")
                }
                let summary = detail.map {
                    MessageSummary(messageID: $0.messageID, fromName: $0.fromName, fromAddress: $0.fromAddress,
                                   subject: $0.subject, date: $0.date, size: $0.size, headers: $0.headers, text: text,
                                   attachments: $0.attachments.map { "\($0.filename ?? "(unnamed)") \($0.contentType) \($0.size) bytes" })
                }
                if json { return try printJSON(HoldDetails(hold: hold, message: summary)) }
                print("hold \(hold.id) on \(hold.listID): \(hold.status.rawValue), reason \(hold.reason.rawValue) (rule \(hold.rule))")
                print("held \(localTime(hold.createdAt)), expires \(localTime(hold.expiresAt))")
                if let by = hold.decidedBy {
                    print(terminalSafe("decided by \(by) at \(localTime(hold.decidedAt))" + (hold.decisionReason.map { ": \($0)" } ?? "")))
                }
                guard let m = summary else {
                    print("(the message \(hold.messageRowID) is not in the archive)")
                    return
                }
                print("")
                // Mail-supplied text goes through terminalSafe: a name or subject must not drive the terminal.
                print(terminalSafe("From:       \(m.fromName.map { "\($0) " } ?? "")<\(m.fromAddress ?? "?")>"))
                for name in ["To", "Cc", "Reply-To"] {
                    if let value = HeaderLookup.firstValue(name, in: m.headers) { print("\(name):".padding(toLength: 12, withPad: " ", startingAt: 0) + terminalSafe(value)) }
                }
                print("Subject:    \(terminalSafe(m.subject))")
                print("Date:       \(localTime(m.date))")
                print("Message-ID: <\(terminalSafe(m.messageID))>")
                print("Size:       \(m.size) bytes")
                for attachment in m.attachments { print("Attachment: \(terminalSafe(attachment))") }
                print("")
                print(m.text.map { terminalSafe($0, multiline: true) } ?? "(no text part)")
            }
        }
    }

    /// The options of approve, reject and discard.
    struct Decision: ParsableArguments {
        @Argument(help: "The hold id (see `moderation list`).") var id: Int64
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a held message: it is distributed as if accepted.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var decision: Decision
        @Flag(help: "Also accept the author's later posts to this list without moderation.") var acceptSender = false
        func run() async throws {
            try await decide(global, decision.id, .approve, reason: nil, acceptSender: acceptSender)
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a held message; its author is told why.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var decision: Decision
        @Option(help: "The reason sent to the author.") var reason: String?
        func run() async throws { try await decide(global, decision.id, .reject, reason: reason) }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Discard a held message silently.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var decision: Decision
        func run() async throws { try await decide(global, decision.id, .discard, reason: nil) }
    }

    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Expire overdue holds now and tell their authors.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            let gateway = try global.openGateway()
            let expired: [Hold]
            do {
                expired = try await gateway.expireHolds()
            } catch {
                throw CommandFailure(message: describe(error))
            }
            print("expired \(expired.count) hold(s)" + (expired.isEmpty ? "" : ": " + expired.map { "\($0.id)" }.joined(separator: ", ")))
        }
    }
}

/// The moderation queue for deciding: with the configured key, or else a reading key (see `readingQueue`).
private func queue(_ gateway: Gateway) throws -> ModerationQueue {
    try gateway.moderationQueue ?? ModerationQueue(writer: gateway.database.pool, key: readingKey())
}

/// The moderation queue for reading holds (`list`, `show`) on the read-only database.
private func readingQueue(_ database: ReadOnlyStore) throws -> ModerationQueue {
    ModerationQueue(writer: database.queue, key: try readingKey())
}

/// Reading signs and verifies nothing, but `ModerationQueue` needs a key: a random key that lives only in this
/// process is used (the commands that only read open no key; an operator's shell rarely has the daemon's
/// secret); it never signs a token.
private func readingKey() throws -> ModerationKey {
    var generator = SystemRandomNumberGenerator()
    let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    guard let key = ModerationKey(bytes: bytes) else {
        throw CommandFailure(message: "cannot read the moderation queue without a key")
    }
    return key
}

/// Carries out a decision and says what it did: the copies an approval queued are the message's `post` rows,
/// the notice a rejection queued its `notice:rejected-by-moderator` row.
private func decide(_ global: GlobalOptions, _ id: Int64, _ action: ModeratorAction, reason: String?,
                    acceptSender: Bool = false) async throws {
    let gateway = try global.openGateway()
    // An approval composes the copies: the author's DMARC policy is looked up first (DNS, outside the transaction).
    if action == .approve { await gateway.prepareDMARC(forHold: id) }
    try reportingFailures {
        guard let hold = try queue(gateway).show(id) else { throw CommandFailure(message: "no hold has the id \(id)") }
        guard hold.status == .pending else {
            throw CommandFailure(message: "hold \(id) was already \(hold.status.rawValue)"
                + (hold.decidedBy.map { " by \($0)" } ?? "") + (hold.decidedAt.map { " on \(localTime($0))" } ?? ""))
        }
        let now = Date()
        let outcome: ModerationOutcome
        do {
            outcome = try gateway.decideHold(id, action: action, reason: reason, by: operatorName(),
                                             acceptSender: acceptSender, now: now)
        } catch let error as ModerationError {
            if case .notPending(_, let status) = error {
                throw CommandFailure(message: "hold \(id) was already \(status.rawValue)")
            }
            throw CommandFailure(message: error.description)
        }
        let purpose = outcome.action == .approve ? OutboxPurpose.post.rawValue
            : OutboxPurpose.notice(NoticeKind.rejectedByModerator.rawValue).rawValue
        let queued = try gateway.database.pool.read { db in
            try Outbox.list(db, listID: outcome.listID, messageID: outcome.messageRowID, limit: Int.max)
                .filter { $0.purpose == purpose }.count
        }
        switch outcome.action {
        case .approve:
            print("approved hold \(id) on \(outcome.listID): \(queued) \(queued == 1 ? "copy" : "copies") queued"
                  + (acceptSender ? "; its author's later posts to this list are accepted" : ""))
        case .reject:
            print("rejected hold \(id) on \(outcome.listID)" + (reason.map { " (\($0))" } ?? "")
                  + ": \(queued) notice(s) queued to the author")
        case .discard:
            print("discarded hold \(id) on \(outcome.listID)")
        }
    }
}
