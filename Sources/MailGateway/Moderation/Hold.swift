public import Foundation

/// A held message waiting for (or decided by) a moderator.
public struct Hold: Sendable, Equatable, Codable {
    /// Status of a hold.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case pending, approved, rejected, discarded, expired
    }
    /// Row id.
    public var id: Int64
    /// The archive's message row id.
    public var messageRowID: Int64
    public var listID: String
    public var reason: ReasonCode
    /// The rule that held the message.
    public var rule: String
    public var createdAt: Date
    public var expiresAt: Date
    public var status: Status
    /// The moderator's address (email reply) or `cli:<user>`.
    public var decidedBy: String?
    public var decidedAt: Date?
    /// The reason a moderator gave with a rejection.
    public var decisionReason: String?
    /// Whether the author may be told of the outcome (false when the policy sent no notice at hold time,
    /// e.g. an unproven From).
    public var notifyAuthor: Bool = true
}
