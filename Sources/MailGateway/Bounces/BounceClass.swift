/// What a failed delivery says about the recipient's address (BN-4): the class decides whether, and how much, it
/// counts against the member.
public enum BounceClass: String, Sendable, Codable, CaseIterable, Comparable {
    /// The mailbox does not exist or is disabled (`5.1.1`, "user unknown"): weight 1 per bounce-day.
    case hard
    /// Temporary, mailbox full, routing (`4.x.x`, `5.2.2`, `5.4.x`, retries given up): weight 0.5.
    case soft
    /// DMARC, SPF, DKIM, blocklists, spam verdicts (`5.7.x`, `5.7.26`, `5.7.509`): the list's problem, never the
    /// member's (weight 0); reported to the moderators once a day per receiving domain (BN-7).
    case policy
    /// The message itself (too large, refused attachment: `5.3.4`, `5.6.x`): weight 0.
    case content
    /// A failure that says nothing more (a non-DSN bounce): weight 0.25.
    case unknown

    /// What one bounce-day of this class adds to the address's score (Mailman 2's weights, BN-4).
    public var weight: Double {
        switch self {
        case .hard: 1
        case .soft: 0.5
        case .unknown: 0.25
        case .policy, .content: 0
        }
    }

    /// Whether it counts against the member at all.
    public var countsAgainstMember: Bool { weight > 0 }

    /// Ordered by weight, so the worst class of a day is the maximum (ties: hard > soft > unknown > policy > content).
    public static func < (lhs: BounceClass, rhs: BounceClass) -> Bool {
        lhs.rank < rhs.rank
    }

    private var rank: Int {
        switch self {
        case .content: 0
        case .policy: 1
        case .unknown: 2
        case .soft: 3
        case .hard: 4
        }
    }
}
