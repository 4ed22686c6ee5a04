/// A reply to a digest as a whole (issue 9): its In-Reply-To or References name one of our digests' Message-IDs
/// (`digest.<issue>.<list>@<domain>`, a later part `….<n>@`), or its subject is a reply marker before a digest's
/// subject ("Re: [Recherche] Digest 42, …"). It is not distributed (the whole digest, quoted, would reach every
/// member); the author is told how to answer one message: the Reply link of that message in the digest, or a
/// new message to the list address. The facts are computed with the context (``PostContext/repliesToDigest``).
///
/// A reply made from a digest item's Reply link names the post, not the digest, and is a post like any other.
/// Senders the directory does not know are left to `sender-identity` (they receive no digest).
public struct DigestReplyRule: PolicyRule {
    public let name = "digest-reply"

    /// Creates the rule.
    public init() {}

    public func evaluate(_ context: PostContext) -> RuleHit? {
        guard context.repliesToDigest, context.sender != nil else { return nil }
        return RuleHit(.reject, .replyToDigest, notice: .replyToDigest)
    }
}
