/// Why a raw message could not be parsed at all. Thrown only when nothing usable can be extracted; every
/// lesser defect is listed in ``ParsedMessage/problems`` instead. The description never contains message
/// content (no addresses, no body text).
public struct MessageParseError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The kinds of fatal failure.
    public enum Reason: Sendable, Hashable {
        /// The input has no bytes at all.
        case emptyInput
        /// No header field could be found before the body (the input is not a message).
        case noHeaderSection
        /// The MIME structure may nest deeper than the limit (`bound` is the pre-scan's upper bound on
        /// libetpan's nesting levels); not handed to the MIME parser.
        case mimeTooDeep(bound: Int, limit: Int)
        /// The message may have more MIME parts than the limit; not handed to the MIME parser.
        case tooManyMIMEParts(bound: Int, limit: Int)
        /// A multipart boundary made of a lone quote, which libetpan cannot handle safely.
        case unsafeMIMEBoundary
        /// Comments nested deeper than the limit (libetpan's comment parser recurses per level).
        case commentsTooDeep(limit: Int)
    }

    /// What went wrong.
    public var reason: Reason
    /// The byte offset where parsing stopped, when meaningful.
    public var offset: Int?

    /// Creates an error value.
    public init(_ reason: Reason, offset: Int? = nil) {
        self.reason = reason
        self.offset = offset
    }

    /// A short, content-free explanation for logs and operators.
    public var description: String {
        let what: String
        switch reason {
        case .emptyInput: what = "empty message"
        case .noHeaderSection: what = "no header section (no `Name: value` field before the body)"
        case .mimeTooDeep(let bound, let limit):
            what = "MIME structure may nest \(bound) levels deep (limit \(limit)); not parsed"
        case .tooManyMIMEParts(let bound, let limit):
            what = "MIME structure may have \(bound) parts (limit \(limit)); not parsed"
        case .unsafeMIMEBoundary: what = "MIME boundary of a lone quote; not parsed"
        case .commentsTooDeep(let limit): what = "parenthesised comments nested deeper than \(limit) levels; not parsed"
        }
        if let offset { return "cannot parse message: \(what) at byte \(offset)" }
        return "cannot parse message: \(what)"
    }
}
