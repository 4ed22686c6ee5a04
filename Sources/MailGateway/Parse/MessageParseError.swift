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
        }
        if let offset { return "cannot parse message: \(what) at byte \(offset)" }
        return "cannot parse message: \(what)"
    }
}
