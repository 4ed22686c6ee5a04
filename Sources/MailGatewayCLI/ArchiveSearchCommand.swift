package import ArgumentParser
import Foundation
import MailGatewayCore

/// `mailgateway archive search`: synchronous (no hop through the cooperative pool) and built only on
/// MailGatewayCore, so that the `mailgateway` executable runs it without loading the daemon's libraries.
package struct ArchiveSearchCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Full-text search over subject, body and author, ranked, accents folded.",
        discussion: "Words must all match; \"quoted phrases\" match as phrases; word* matches a prefix.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The query.") var query: [String]
    @OptionGroup var list: ListFilter
    @Option(help: "Only messages from this address.") var from: String?
    @Option(help: "Only messages since this date (YYYY-MM-DD or ISO 8601).") var since: String?
    @Option(help: "At most this many results.") var limit = 20
    @Flag(help: "Print JSON.") var json = false

    package init() {}

    package func validate() throws {
        if query.joined().trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("give words to search for") }
        if let since, parseDate(since) == nil { throw ValidationError("--since: \"\(since)\" is not a date (YYYY-MM-DD)") }
    }

    package func run() throws {
        let gateway = try global.openReader()
        if let list = list.id { _ = try requireList(list, in: gateway.config) }
        let filter = ArchiveSearch.Filter(list: list.id, fromAddress: from, since: since.flatMap(parseDate), limit: limit)
        let text = query.joined(separator: " ")
        let hits = try gateway.database.queue.read { db in try ArchiveSearch.search(db, query: text, filter: filter) }
        if json { return try printJSON(hits) }
        if hits.isEmpty { print("no message matches"); return }
        let tty = isatty(STDOUT_FILENO) != 0
        for hit in hits {
            // Made safe before the highlight's own escape sequences go in.
            var snippet = terminalSafe(hit.snippet)
            if tty {
                snippet = snippet.replacingOccurrences(of: ArchiveSearch.highlightStart, with: "\u{1B}[1;33m")
                    .replacingOccurrences(of: ArchiveSearch.highlightEnd, with: "\u{1B}[0m")
            }
            print("[\(hit.messageRowID)] \(hit.list) · thread \(hit.threadID) · \(localTime(hit.date)) · \(terminalSafe(hit.fromName ?? hit.fromAddress ?? ""))")
            print("    \(terminalSafe(hit.subject))")
            print("    \(snippet)")
        }
    }
}
