import ArgumentParser
import Foundation
import MailGateway
import MailGatewayCLI

/// `mailgateway archive …`: the administrators' view of the archive.
struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: CommandAbstracts.archive,
        subcommands: [Lists.self, Threads.self, Thread.self, Message.self, ArchiveSearchCommand.self, Export.self, Import.self,
                      Stats.self, Quarantine.self])

    struct Lists: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each list with its message count, thread count and last post.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let gateway = try global.openReader()
            let lists = try await gateway.database.queue.read { db in try ArchiveQueries.lists(db) }
            if json { return try printJSON(lists) }
            printTable(["LIST", "MESSAGES", "THREADS", "LAST POST"], lists.map {
                [$0.id, String($0.messageCount), String($0.threadCount), localTime($0.lastPost)]
            })
        }
    }

    struct Threads: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Threads of a list, latest activity first.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListOption
        @Option(help: "Only threads active since this date (YYYY-MM-DD or ISO 8601).") var since: String?
        @Option(help: "At most this many threads.") var limit = 50
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let since, parseDate(since) == nil { throw ValidationError("--since: \"\(since)\" is not a date (YYYY-MM-DD)") }
            if limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            let gateway = try global.openReader()
            _ = try requireList(list.id, in: gateway.config)
            let sinceDate = since.flatMap(parseDate)
            let (list, limit) = (self.list.id, self.limit)
            let threads = try await gateway.database.queue.read { db in
                try ArchiveQueries.threads(db, list: list, since: sinceDate, limit: limit)
            }
            if json { return try printJSON(threads) }
            printTable(["THREAD", "LAST", "MSGS", "PEOPLE", "SUBJECT"], threads.map {
                [String($0.id), localTime($0.lastDate), String($0.messageCount), String($0.participantCount),
                 truncated($0.subject, to: 70)]
            })
        }
    }

    struct Thread: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One thread as an indented tree.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The thread id (from `archive threads`).") var id: Int64
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let gateway = try global.openReader()
            let id = self.id
            guard let detail = try await gateway.database.queue.read({ db in try ArchiveQueries.thread(db, id: id) }) else {
                throw CommandFailure(message: "no thread \(id)", prefix: "mailgateway: ")
            }
            if json { return try printJSON(detail) }
            print("thread \(detail.thread.id) in \(detail.thread.list): \(terminalSafe(detail.thread.subject))")
            print("\(detail.thread.messageCount) messages, \(detail.thread.participantCount) participants, "
                  + "\(localTime(detail.thread.firstDate)) – \(localTime(detail.thread.lastDate))")
            // Depth-first with an explicit stack. The indentation follows the nesting of `detail`, which stops at
            // ThreadDetail.maxNesting levels: a deeper message is shown among the replies of its ancestor at the
            // last level, marked with its depth and the message it answers, so each line stays bounded.
            var stack = detail.roots.reversed().map { (node: $0, prefix: "", isLast: true, isRoot: true, level: 0) }
            while let (node, prefix, isLast, isRoot, level) = stack.popLast() {
                let branch = isRoot ? "" : (isLast ? "└─ " : "├─ ")
                let deeper = node.depth != level ? "(depth \(node.depth), reply to [\(node.parentRowID.map(String.init) ?? "-")]) " : ""
                print("\(prefix)\(branch)[\(node.rowID)] \(deeper)\(terminalSafe(node.author)) · \(localTime(node.date)) · \(truncated(node.subject, to: 60))")
                let childPrefix = prefix + (isRoot ? "" : (isLast ? "   " : "│  "))
                if !node.firstLine.isEmpty {
                    print("\(childPrefix)\(node.children.isEmpty ? "   " : "│  ")\(truncated(node.firstLine, to: 72))")
                }
                for (i, child) in node.children.enumerated().reversed() {
                    stack.append((child, childPrefix, i == node.children.count - 1, false, level + 1))
                }
            }
        }
    }

    struct Message: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One message: headers, decision and text, or its exact bytes.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The message's row id (from `archive thread`), or its Message-ID.") var id: String
        @Option(help: "The list, when a Message-ID is given and several lists hold it.") var list: String?
        @Flag(help: "Print the stored bytes exactly.") var raw = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let gateway = try global.openReader()
            let (id, list) = (self.id, self.list)
            let detail = try await gateway.database.queue.read { db -> MessageDetail? in
                if let row = Int64(id) { return try ArchiveQueries.message(db, rowID: row) }
                let bare = id.trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
                if let list { return try ArchiveQueries.message(db, list: list, messageID: bare) }
                return try ArchiveQueries.message(db, messageID: bare)
            }
            guard let detail else {
                throw CommandFailure(message: "no message \(id)", prefix: "mailgateway: ")
            }
            if raw {
                FileHandle.standardOutput.write(detail.raw)
                return
            }
            if json { return try printJSON(detail) }
            print("message \(detail.rowID) in \(detail.list), thread \(detail.threadID)")
            print(terminalSafe("Message-ID: <\(detail.messageID)>\(detail.messageIDIsSynthetic ? " (synthetic: the message has none)" : "")"))
            print(terminalSafe("From:       \([detail.fromName, detail.fromAddress.map { "<\($0)>" }].compactMap { $0 }.joined(separator: " "))"))
            print("Date:       \(localTime(detail.date))")
            print("Subject:    \(terminalSafe(detail.subject))")
            if !detail.inReplyTo.isEmpty { print(terminalSafe("In-Reply-To: \(detail.inReplyTo.map { "<\($0)>" }.joined(separator: " "))")) }
            print("Decision:   \(detail.status.rawValue)\(detail.decisionRule.map { " (rule: \($0))" } ?? "")")
            print("Source:     \(detail.source)\(detail.uid.map { " uid \($0)" } ?? ""), \(detail.size) bytes")
            for a in detail.attachments {
                print(terminalSafe("Attachment: \(a.filename ?? "(no name)") \(a.contentType) \(a.size) bytes sha256:\(a.sha256.prefix(12))"))
            }
            print("")
            if detail.textIsDerivedFromHTML { print("[text rendered from the HTML part]") }
            print(detail.text.map { terminalSafe($0, multiline: true) } ?? "(no text)")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a list's messages as mboxrd, each byte-exact.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListOption
        @Option(help: "The mbox file to write.") var mbox: String
        @Flag(help: "Also messages that were not accepted (held, rejected, discarded, bounces).") var all = false

        func run() async throws {
            let gateway = try global.openReader()
            _ = try requireList(list.id, in: gateway.config)
            let count = try ArchiveMbox.exportMbox(list: list.id, to: URL(fileURLWithPath: mbox), reading: gateway.database.queue,
                                                   allStatuses: all, logger: global.makeLogger())
            print("exported \(count) messages of \(list.id) to \(mbox)")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring a list's history in from an mbox (Mailman, public-inbox); importing twice adds nothing.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListOption
        @Option(help: "The mbox file to read (mboxrd or mboxo; .gz accepted).") var mbox: String

        func validate() throws {
            if !FileManager.default.isReadableFile(atPath: mbox) { throw ValidationError("cannot read \(mbox)") }
        }

        func run() async throws {
            // Beside a running daemon: wait for its (short) transactions rather than fail with "database is locked".
            let gateway = try global.openStore(busyTimeout: 120)
            _ = try requireList(list.id, in: gateway.config)
            // SIGTERM/SIGINT: commit what was read, report, exit 0 (importing again adds only the rest).
            let stop = StopSignal()
            let signals = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { stop.set() }
                source.resume()
                return source
            }
            defer { signals.forEach { $0.cancel() } }
            let tty = isatty(STDERR_FILENO) != 0
            let totals = try ArchiveMbox.importMbox(url: URL(fileURLWithPath: mbox), list: list.id, into: gateway.database,
                                                    logger: global.makeLogger(), stop: stop) { p in
                if tty {
                    FileHandle.standardError.write(Data(String(format: "\r%d messages, %.1f MB…", p.messages,
                                                               Double(p.bytes) / 1_048_576).utf8))
                }
            }
            if tty { FileHandle.standardError.write(Data("\n".utf8)) }
            print("imported \(totals.messages) messages into \(list.id): \(totals.inserted) new, \(totals.duplicates) already there, \(totals.quarantined) quarantined")
            if stop.isSet {
                print("stopped by a signal before the end of \(mbox): import it again to add the rest")
            }
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Archive figures.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let gateway = try global.openReader()
            let stats = try await gateway.database.queue.read { db in try ArchiveQueries.stats(db) }
            if json { return try printJSON(stats) }
            func mb(_ n: Int) -> String { String(format: "%.1f MB", Double(n) / 1_048_576) }
            print("lists        \(stats.lists)")
            print("messages     \(stats.messages) (\(stats.messagesByStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))")
            print("threads      \(stats.threads)")
            print("raw bytes    \(mb(stats.rawBytes))")
            print("attachments  \(stats.attachments) (\(mb(stats.attachmentBytes))), in the raw messages"
                  + (stats.blobs == 0 ? "" : "; \(stats.blobs) decoded copies from before archive-v4, \(mb(stats.blobBytes))"))
            print("quarantined  \(stats.quarantined)")
            print("database     \(mb(stats.databaseBytes))")
        }
    }

    struct Quarantine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Messages that could not be archived, with the reason (kept raw).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var list: ListFilter
        @Option(help: "Print the raw bytes of this quarantined message.") var raw: Int64?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let gateway = try global.openReader()
            if let id = raw {
                guard let data = try await gateway.database.queue.read({ db in try ArchiveQueries.quarantinedRaw(db, id: id) }) else {
                    throw CommandFailure(message: "quarantine entry \(id) has no stored bytes", prefix: "mailgateway: ")
                }
                FileHandle.standardOutput.write(data)
                return
            }
            let list = self.list.id
            let entries = try await gateway.database.queue.read { db in try ArchiveQueries.quarantine(db, list: list) }
            if json { return try printJSON(entries) }
            if entries.isEmpty { print("the quarantine is empty"); return }
            printTable(["ID", "LIST", "WHEN", "SIZE", "REASON"], entries.map {
                [String($0.id), $0.list, localTime($0.created), String($0.size), truncated($0.error, to: 90)]
            })
        }
    }
}
