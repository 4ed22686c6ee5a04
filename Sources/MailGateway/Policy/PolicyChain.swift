/// The posting chain (Mailman's built-in chain): named rules in order, the first hit decides.
///
/// The default order: `loop` → `bounce` → `auto-reply` → `announce-poster` → `spoofing` → `digest-reply` → `size` →
/// `administrivia` → `sender-identity`. The first three never produce a notice, so loops, bounces and auto-replies are never
/// answered; `spoofing` comes before the rules that notify the author, so an unproven From is never sent a notice
/// (no backscatter). `announce-poster` is the one exception, by design: it mails a preview to an announcement
/// list's poster, an address the configuration or the directory names (AN-2), whoever wrote the post. `administrivia` comes before `sender-identity` so that a member's "unsubscribe" to the list
/// is held instead of distributed; it leaves senders the directory does not know to `sender-identity`.
public struct PolicyChain: Sendable {
    /// The rules, in order.
    public let rules: [any PolicyRule]
    /// True when no rule reads the body, the MIME type or the parse's problems of a post whose From nobody in the
    /// register has, unless its Content-Type names a report (`bounce` and `auto-reply` look for
    /// `multipart/report`): ``standard``'s rules (`administrivia` and `digest-reply` read the body of known senders
    /// only). The ingest then parses such a post to its header only when the chain rejects or discards it
    /// (``IngestPipeline/bodyMatters(_:route:)``). False for any other chain.
    public let headerDecidesStrangers: Bool

    /// The default chain.
    public static let standard = PolicyChain(rules: [
        LoopRule(), BounceRule(), AutoReplyRule(), AnnouncePosterRule(), SpoofingRule(), DigestReplyRule(), SizeRule(), AdministriviaRule(),
        SenderIdentityRule(),
    ], headerDecidesStrangers: true)

    /// A chain of the given rules.
    public init(rules: [any PolicyRule]) {
        self.init(rules: rules, headerDecidesStrangers: false)
    }

    private init(rules: [any PolicyRule], headerDecidesStrangers: Bool) {
        self.rules = rules
        self.headerDecidesStrangers = headerDecidesStrangers
    }

    /// The decision for one post. When no rule hits (a chain without `sender-identity`), the post is held.
    public func decide(_ context: PostContext) -> PolicyDecision {
        firstHit(context) ?? PolicyDecision(action: .hold, rule: "default", reason: .noRuleMatched)
    }

    /// The decision of the first rule that hits, or nil when none does.
    public func firstHit(_ context: PostContext) -> PolicyDecision? {
        for rule in rules {
            if let hit = rule.evaluate(context) {
                return PolicyDecision(action: hit.action, rule: rule.name, reason: hit.reason, notice: hit.notice)
            }
        }
        return nil
    }

    /// The notice owed for a decision, or nil: loop, bounce and auto-reply decisions never get one, whatever
    /// a custom rule returned.
    public static func noticeAllowed(for decision: PolicyDecision) -> Bool {
        switch decision.reason {
        case .loop, .deliveryStatus, .autoReply, .bulk: return false
        default: return decision.notice != nil
        }
    }
}
