public import Foundation

/// One thread in a listing.
public struct ThreadSummary: Sendable, Codable, Hashable {
    /// Identifier (row id, or the list id for lists).
    public var id: Int64
    /// The list id.
    public var list: String
    /// The subject (decoded).
    public var subject: String
    /// Accepted messages.
    public var messageCount: Int
    /// Distinct sender addresses among accepted messages.
    public var participantCount: Int
    /// Date of the first accepted message.
    public var firstDate: Date?
    /// Date of the latest accepted message.
    public var lastDate: Date?
}
