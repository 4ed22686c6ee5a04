/// Whom a copy's footer speaks to: the reader's language and delivery mode. Copies for the same reader share
/// one body (`ReaderComposer`), so a fan-out composes one body per reader kind, not one per member.
public struct FooterReader: Hashable, Sendable {
    /// The language the footer is written in (the member's language for this list).
    public var language: Language
    /// The member's delivery mode, stated in the footer.
    public var delivery: DeliveryMode

    public init(language: Language, delivery: DeliveryMode = .immediate) {
        self.language = language
        self.delivery = delivery
    }

    /// The reader a member of a list is.
    public init(member: Membership) {
        self.init(language: member.language, delivery: member.delivery)
    }
}
