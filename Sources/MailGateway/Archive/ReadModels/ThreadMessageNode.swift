public import Foundation

/// One message in a thread tree.
public struct ThreadMessageNode: Sendable, Codable, Hashable {
    /// Row id of the message in `messages`.
    public var rowID: Int64
    /// Message-ID without angle brackets.
    public var messageID: String
    /// The sender's display name, or the address when there is none.
    public var author: String
    /// The sender address.
    public var fromAddress: String?
    /// The message date (UTC).
    public var date: Date
    /// The subject (decoded).
    public var subject: String
    /// The first non-empty line of the text that is not a quote or an attribution line.
    public var firstLine: String
    /// Depth from the root (0 for a root).
    public var depth: Int
    /// Row id of the parent, nil for a root.
    public var parentRowID: Int64?
    /// Replies, sorted by date. At depth ``ThreadDetail/maxNesting`` - 1, also every deeper descendant, in
    /// display order (each with its own `depth` and `parentRowID`).
    public var children: [ThreadMessageNode]
}
