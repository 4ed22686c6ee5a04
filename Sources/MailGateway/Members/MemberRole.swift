/// A member's role in one list.
public enum MemberRole: String, Sendable, Codable, CaseIterable {
    case member, moderator, owner

    /// Moderators and owners decide on held messages and may always post to their list.
    public var canModerate: Bool { self != .member }
}

/// How a member receives a list's posts.
public enum DeliveryMode: String, Sendable, Codable, CaseIterable {
    /// One copy of each accepted post, at once.
    case immediate
    /// The daily digest only.
    case digest
    /// Nothing (the member may still post).
    case none
}

/// Where a membership row comes from.
public enum MembershipOrigin: String, Sendable, Codable {
    /// Derived from the partner register (college, funders, individuals); kept in step by each import.
    case register
    /// Added by a moderator or by the member (interfaces are opt-in); never removed by an import.
    case manual
}
