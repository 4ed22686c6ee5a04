/// A named, pure check over a post (Mailman's rules): it returns a hit, which ends the chain, or nil to let
/// the next rule look.
public protocol PolicyRule: Sendable {
    /// Stable name, stored as the message's `decision_rule`.
    var name: String { get }
    /// The verdict on this post, or nil when the rule has nothing to say.
    func evaluate(_ context: PostContext) -> RuleHit?
}
