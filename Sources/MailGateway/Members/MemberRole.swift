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
    /// The digest only (multipart/alternative, text and HTML), on the member's schedule.
    case digest
    /// Nothing (the member may still post).
    case none
    /// The digest as RFC 1153 plain text.
    case digestPlain = "digest-plain"
    /// The digest as RFC 2046 multipart/digest (each post byte-exact).
    case digestMIME = "digest-mime"
    /// A summary digest: threads, authors and counts, no bodies.
    case summary
    /// No posts; notices and announcements only.
    case notices

    /// Whether the member reads the list as a digest (in any format).
    public var isDigest: Bool { [.digest, .digestPlain, .digestMIME, .summary].contains(self) }

    /// The mode a command-line word names: a stored value, or `each` (``immediate``) and `nomail` (``none``),
    /// Mailman's words.
    public init?(word: String) {
        switch word {
        case "each": self = .immediate
        case "nomail": self = .none
        default: self.init(rawValue: word)
        }
    }
}

/// Where a membership row comes from.
public enum MembershipOrigin: String, Sendable, Codable {
    /// Derived from the partner register (college, funders, individuals); kept in step by each import.
    case register
    /// Added by a moderator or by the member (interfaces are opt-in); never removed by an import.
    case manual
}
