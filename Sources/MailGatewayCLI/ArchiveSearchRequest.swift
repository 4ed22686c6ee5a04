package import Foundation
import MailGatewayCore

/// An `archive search` as parsed: what ``ArchiveSearchCommand`` runs, and what the thin `mailgateway` runs
/// directly when the arguments have one of the common shapes (``init(commonShape:)``), without argument-parser's
/// reflection of the command tree (a tenth of the process's time).
package struct ArchiveSearchRequest {
    package var config: String?
    package var list: String?
    package var from: String?
    package var since: Date?
    package var limit: Int
    package var json: Bool
    package var query: [String]

    /// The page size when `--limit` is not given, on both paths (argument-parser's and the common shapes').
    package static let defaultLimit = 20

    package init(config: String?, list: String?, from: String?, since: Date?, limit: Int, json: Bool, query: [String]) {
        self.config = config
        self.list = list
        self.from = from
        self.since = since
        self.limit = limit
        self.json = json
        self.query = query
    }

    /// True when the query words hold something besides spaces (else argument-parser's validation refuses them).
    package static func hasWords(_ query: [String]) -> Bool {
        !query.allSatisfy(TextSpaces.isBlank)
    }

    /// Reads the arguments after `archive search` when they are only query words and `--config P`, `--list L`,
    /// `--limit N` (digits), `--json`, each option at most once, in any order (`--opt=value` too), and the words are
    /// not empty: exactly what argument-parser would make of them. Nil for anything else (`--help`, `--since`,
    /// `--from`, `--log-level`, `--`, a word starting with `-` or equal to `help`, a repeated option, a missing
    /// value, `--opt=` with nothing after `=`, no words), which argument-parser then reads, with its own help, usage
    /// and error messages.
    package init?(commonShape arguments: ArraySlice<String>) {
        var config: String?, list: String?, limit: Int?, json = false
        var query: [String] = []
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            guard argument.hasPrefix("-") else {
                if argument == "help" { return nil }
                query.append(argument)
                continue
            }
            if argument == "--json" {
                if json { return nil }
                json = true
                continue
            }
            let name: Substring, value: String
            if let equals = argument.firstIndex(of: "=") {
                // `--list=` takes the next argument as its value in argument-parser: left to it.
                guard argument.index(after: equals) < argument.endIndex else { return nil }
                name = argument[..<equals]
                value = String(argument[argument.index(after: equals)...])
            } else {
                guard let next = rest.first, !next.hasPrefix("-") else { return nil }
                rest.removeFirst()
                name = argument[...]
                value = next
            }
            switch name {
            case "--config" where config == nil: config = value
            case "--list" where list == nil: list = value
            case "--limit" where limit == nil:
                guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                      let number = Int(value) else { return nil }
                limit = number
            default: return nil
            }
        }
        guard Self.hasWords(query) else { return nil }
        self.init(config: config, list: list, from: nil, since: nil, limit: limit ?? Self.defaultLimit, json: json, query: query)
    }

    /// Opens the database read-only and prints the hits: a table (the snippet's matches highlighted on a
    /// terminal) or JSON. `closingTheDatabase` false leaves the read-only connection to the end of the process,
    /// for a caller that ends right after (the thin `mailgateway`): closing it costs GRDB's `DatabaseQueue` deinit,
    /// which builds Foundation's `NotificationCenter` to remove observers (~1 M instructions, docs/benchmarks.md);
    /// a read-only connection has nothing to write back, and its file and locks go with the process.
    package func run(closingTheDatabase: Bool = true) throws {
        let gateway = try GlobalOptions.openReader(configPath: config)
        if !closingTheDatabase { _ = Unmanaged.passRetained(gateway.database) }
        if let list { _ = try requireList(list, in: gateway.config) }
        let filter = ArchiveSearch.Filter(list: list, fromAddress: from, since: since, limit: limit)
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
