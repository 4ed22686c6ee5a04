package import ArgumentParser
import Foundation
import MailGatewayCore

/// `mailgateway archive search`: synchronous (no hop through the cooperative pool) and built only on
/// MailGatewayCore, so that the `mailgateway` executable runs it without loading the daemon's libraries. What it
/// does is ``ArchiveSearchRequest``, which the thin executable also reads without argument-parser for the
/// common shapes (``ArchiveSearchRequest/init(commonShape:)``).
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
    @Option(help: "At most this many results.") var limit = ArchiveSearchRequest.defaultLimit
    @Flag(help: "Print JSON.") var json = false

    package init() {}

    package func validate() throws {
        if !ArchiveSearchRequest.hasWords(query) { throw ValidationError("give words to search for") }
        if let since, parseDate(since) == nil { throw ValidationError("--since: \"\(since)\" is not a date (YYYY-MM-DD)") }
    }

    package func run() throws {
        try ArchiveSearchRequest(config: global.config, list: list.id, from: from, since: since.flatMap(parseDate),
                                 limit: limit, json: json, query: query).run()
    }
}
