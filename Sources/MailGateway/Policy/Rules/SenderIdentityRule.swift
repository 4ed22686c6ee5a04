/// The last rule: it always decides. An entitled sender is accepted (`PostingRights`); a known person who may
/// not post here is rejected with a notice naming the lists they may post to; an unknown sender gets the
/// list's `nonMemberAction` (reject with a notice, hold with a notice, or discard silently). A secretariat
/// address from the configuration may post to announcement lists even if it is in no directory. A known person
/// who is not one of an announcement list's posters gets the short `not-an-announcer` notice instead. An address a
/// moderator accepted on this list (`PostContext.isAllowedSender`: "approve and accept the sender") is accepted
/// like an entitled sender, after the checks that come before this rule (loops, spoofing, size).
public struct SenderIdentityRule: PolicyRule {
    public let name = "sender-identity"
    /// Creates the rule.
    public init() {}

    public func evaluate(_ context: PostContext) -> RuleHit? {
        guard let author = context.author, !author.address.isEmpty else {
            return RuleHit(.hold, .noSender)
        }
        if Self.isEntitled(context) { return RuleHit(.accept, .entitled) }
        if context.sender != nil {
            return RuleHit(.reject, .notEntitled,
                           notice: context.list.kind == .announce ? .notAnAnnouncer : .notEntitled)
        }
        switch context.list.nonMemberAction {
        case .reject: return RuleHit(.reject, .nonMember, notice: .notAPartner)
        case .hold: return RuleHit(.hold, .nonMember, notice: .heldForModeration)
        case .discard: return RuleHit(.discard, .nonMember)
        }
    }

    /// Whether the From may post to the list (the accepting half of ``evaluate(_:)``): a directory person whose
    /// roles allow it, the secretariat on an announcement list, or a sender a moderator accepted on the list.
    /// Shared with ``AnnouncePosterRule``, which asks the same question of an announcement list's posters.
    public static func isEntitled(_ context: PostContext) -> Bool {
        guard let author = context.author, !author.address.isEmpty else { return false }
        if context.isAllowedSender { return true }
        let isSecretariatAddress = !context.secretariat.isEmpty
            && context.secretariat.contains(author.normalized.lowercased())
        if let identity = context.sender {
            return PostingRights.mayPost(identity, to: context.list, secretariatAddress: isSecretariatAddress)
        }
        return isSecretariatAddress && context.list.kind == .announce
    }
}
