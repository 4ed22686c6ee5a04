public import Foundation

/// One list in the archive summary.
public struct ListSummary: Sendable, Codable, Hashable {
    /// Identifier (row id, or the list id for lists).
    public var id: String
    /// The list address, when registered.
    public var address: String?
    /// Accepted messages.
    public var messageCount: Int
    /// Threads with at least one accepted message.
    public var threadCount: Int
    /// Date of the latest accepted message.
    public var lastPost: Date?
}
