/// Holds a message larger than the list's `maxPostBytes` (or the default limit) for a moderator.
public struct SizeRule: PolicyRule {
    public let name = "size"
    /// Creates the rule.
    public init() {}

    public func evaluate(_ context: PostContext) -> RuleHit? {
        guard let limit = context.list.maxPostBytes ?? context.defaultMaxPostBytes, context.rawSize > limit else {
            return nil
        }
        return RuleHit(.hold, .tooLarge, notice: .heldForModeration)
    }
}
