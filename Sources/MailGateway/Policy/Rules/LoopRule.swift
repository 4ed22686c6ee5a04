/// Discards a message that carries one of our List-Id values or an X-Loop naming one of our addresses: it is
/// our own distribution coming back (Mailman's `loop` rule).
public struct LoopRule: PolicyRule {
    public let name = "loop"
    /// Creates the rule.
    public init() {}

    public func evaluate(_ context: PostContext) -> RuleHit? {
        let message = context.message
        let looped = HeaderScan.first(message, "List-Id") { value in
            context.ownListIDs.contains(HeaderScan.angleContent(value).lowercased())
        } || HeaderScan.first(message, "X-Loop") { value in
            let token = HeaderScan.angleContent(value)
            let lowered = token.lowercased()
            return context.ownAddresses.contains(lowered) || context.ownListIDs.contains(lowered)
        }
        return looped ? RuleHit(.discard, .loop) : nil
    }
}
