public import Foundation
public import GRDB

/// Full-text search over the archive (subject, body, author), ranked by BM25 with the subject weighted
/// highest, returning a highlighted snippet. Only accepted messages are found.
public enum ArchiveSearch {
    /// Restrictions on a search.
    public struct Filter: Sendable, Hashable {
        /// Only this list.
        public var list: String?
        /// Only messages from this address (case-insensitive).
        public var fromAddress: String?
        /// Only messages dated at or after this instant.
        public var since: Date?
        /// At most this many hits.
        public var limit: Int

        /// Creates a filter.
        public init(list: String? = nil, fromAddress: String? = nil, since: Date? = nil, limit: Int = 50) {
            self.list = list
            self.fromAddress = fromAddress
            self.since = since
            self.limit = limit
        }
    }

    /// One search result.
    public struct Hit: Sendable, Codable, Hashable {
        /// Row id of the message.
        public var messageRowID: Int64
        /// The list id.
        public var list: String
        /// Message-ID without angle brackets.
        public var messageID: String
        /// The thread it belongs to.
        public var threadID: Int64
        /// The subject (decoded).
        public var subject: String
        /// The sender display name.
        public var fromName: String?
        /// The sender address.
        public var fromAddress: String?
        /// The message date (UTC).
        public var date: Date
        /// BM25 score (lower is better, as SQLite reports it).
        public var rank: Double
        /// An excerpt of the best matching column with each match between ``highlightStart`` and
        /// ``highlightEnd``, cut parts marked with `…`.
        public var snippet: String
    }

    /// Marker opening a highlighted match in ``Hit/snippet``.
    public static let highlightStart = "«"
    /// Marker closing a highlighted match in ``Hit/snippet``.
    public static let highlightEnd = "»"

    /// Turns user input into an FTS5 query that never has a syntax error: each word and each `"quoted phrase"`
    /// becomes an FTS5 string (no term holds a `"`: each one opens or closes a phrase); a word ending in `*` is a prefix search. All terms must
    /// match. Returns nil when the input has no searchable term.
    public static func ftsQuery(_ input: String) -> String? {
        var terms: [String] = []
        var current = String.UnicodeScalarView()
        var inQuotes = false
        func flush(phrase: Bool) {
            let text = TextSpaces.trimmed(String(current))
            current = String.UnicodeScalarView()
            guard !text.isEmpty else { return }
            var prefix = false
            var body = text
            if !phrase, body.hasSuffix("*") {
                body = String(body.drop(while: { $0 == "*" }).reversed().drop(while: { $0 == "*" }).reversed())
                prefix = true
            }
            // A term with no letter or digit matches nothing and only upsets FTS5.
            guard body.unicodeScalars.contains(where: { CharacterSet.alphanumerics.contains($0) }) else { return }
            let quoted = "\"" + body + "\""
            terms.append(prefix ? quoted + " *" : quoted)
        }
        // By Unicode scalars, as FTS5 reads its query: a `"` followed by a combining mark is one Character, and
        // read by Characters it neither opened a phrase nor was doubled, so it ended the FTS5 string early (a
        // syntax error, or operators and column filters of the user's). Every `"` scalar opens or closes a
        // phrase, so no term holds one.
        for scalar in input.unicodeScalars {
            if scalar == "\"" {
                flush(phrase: inQuotes)
                inQuotes.toggle()
            } else if scalar.properties.isWhitespace && !inQuotes {
                flush(phrase: false)
            } else {
                current.append(scalar)
            }
        }
        flush(phrase: inQuotes)
        return terms.isEmpty ? nil : terms.joined(separator: " ")
    }

    /// Searches the archive. An input with no searchable term finds nothing.
    public static func search(_ db: Database, query input: String, filter: Filter = Filter()) throws -> [Hit] {
        guard let match = ftsQuery(input) else { return [] }
        return try MessageFTS.search(db, match: match, filter: filter, highlight: (highlightStart, highlightEnd))
    }
}
