/// AN-2: a post to an announcement list counts as its poster's only when the From is proven. A poster whose post
/// carries a trusted `dmarc=pass` for the From's own domain (``SpoofingRule/authentication(of:strictDMARC:)``:
/// the border MTA's DMARC verdict, not a DKIM or SPF alignment judged here) goes on through the chain and is
/// accepted by `sender-identity`; any other post from a poster's address — no trusted authserv-id configured, or
/// no such pass in the trusted header — is held, and the poster is mailed a preview of exactly
/// what members will receive with a one-time confirmation (Sympa's `newsletterkeyonly`). Nothing goes out until
/// the poster confirms, so a forged From of the secretariat never reaches members: the preview goes to the real
/// mailbox, which the forger does not read.
///
/// Runs before `spoofing`, so a poster's unauthenticated post is confirmed by its poster rather than held for
/// the moderators. It leaves to the later rules a trusted DMARC fail (`spoofing` holds it silently: the From is
/// forged) and everyone who is not a poster (`sender-identity` answers them). An oversized unproven post is
/// confirmed by its poster too (a moderator's approval must never be what sends a forged announcement); once the
/// poster confirms it goes out whatever its size.
public struct AnnouncePosterRule: PolicyRule {
    public let name = "announce-poster"
    /// Creates the rule.
    public init() {}

    public func evaluate(_ context: PostContext) -> RuleHit? {
        guard context.list.kind == .announce, SenderIdentityRule.isEntitled(context) else { return nil }
        switch SpoofingRule.authentication(of: context, strictDMARC: true) {
        case .alignedPass, .dmarcFail: return nil
        case .noTrustedAuthserv, .notAuthenticated:
            return RuleHit(.hold, .awaitingPosterConfirmation, notice: .posterPreview)
        }
    }
}
