/// One `Authentication-Results` header field (RFC 8601), parsed.
///
/// ```
/// Authentication-Results: mx.example.org; dkim=pass header.d=inrae.fr header.s=sel;
///     spf=pass smtp.mailfrom=marie@inrae.fr; dmarc=pass (p=none) header.from=inrae.fr
/// ```
/// Comments in parentheses are dropped, quoted strings are unquoted, method versions (`dkim/1`) ignored.
public struct AuthenticationResults: Sendable, Equatable {
    /// One `method=result` with its properties.
    public struct Result: Sendable, Equatable {
        /// Lower-cased method: `dkim`, `spf`, `dmarc`, `arc`...
        public var method: String
        /// Lower-cased result: `pass`, `fail`, `none`, `softfail`...
        public var result: String
        /// `ptype.property` (lower-cased) to value, e.g. `header.d` to `inrae.fr`.
        public var properties: [String: String]
    }

    /// The `authserv-id`, lower-cased.
    public var authservID: String
    public var results: [Result]

    /// Parses a header value; nil when it has no authserv-id.
    public init?(_ value: String) {
        let tokens = Self.tokenize(value)
        guard case .word(let id)? = tokens.first else { return nil }
        authservID = id.lowercased()
        results = []
        var i = 1
        // Skip the optional version after the authserv-id.
        while i < tokens.count, tokens[i] != .semicolon { i += 1 }
        var current: Result?
        while i < tokens.count {
            switch tokens[i] {
            case .semicolon:
                if let r = current { results.append(r) }
                current = nil
            case .word(let word):
                guard let eq = word.firstIndex(of: "=") else { break }
                let key = word[..<eq].lowercased()
                let rawValue = String(word[word.index(after: eq)...])
                if current == nil {
                    let method = key.split(separator: "/").first.map(String.init) ?? key
                    current = Result(method: method, result: rawValue.lowercased(), properties: [:])
                } else if key != "reason" {
                    current?.properties[key] = rawValue
                }
            }
            i += 1
        }
        if let r = current { results.append(r) }
    }

    private enum Token: Equatable {
        case word(String)
        case semicolon
    }

    /// Splits on spaces and `;`, drops comments (nested), keeps quoted strings whole and unquoted. A
    /// `key="quoted value"` becomes one word `key=quoted value`.
    private static func tokenize(_ value: String) -> [Token] {
        var tokens: [Token] = []
        var word = ""
        var depth = 0
        var inQuote = false
        var escaped = false
        func flush() {
            if !word.isEmpty { tokens.append(.word(word)) }
            word = ""
        }
        for c in value {
            if escaped { word.append(c); escaped = false; continue }
            if inQuote {
                if c == "\\" { escaped = true } else if c == "\"" { inQuote = false } else { word.append(c) }
                continue
            }
            if depth > 0 {
                if c == "\\" { escaped = true } else if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
                continue
            }
            switch c {
            case "(": flush(); depth = 1
            case "\"": inQuote = true
            case ";": flush(); tokens.append(.semicolon)
            case " ", "\t", "\r", "\n": flush()
            default: word.append(c)
            }
        }
        flush()
        return tokens
    }
}
