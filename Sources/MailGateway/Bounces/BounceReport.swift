/// What an inbound message at a bounce address says (BN-3).
public struct BounceReport: Sendable, Equatable {
    /// What kind of message it is.
    public enum Kind: String, Sendable, Codable {
        /// An RFC 3464 / RFC 6533 delivery status notification.
        case dsn
        /// A bounce in words only (qmail, old Exchange, some webmail): the recipients and codes read from its text.
        case nonDSN = "nondsn"
        /// A vacation or other automatic reply that reached the bounce address: not a bounce (Mailman #939).
        case autoReply = "auto-reply"
        /// Nothing a bounce would say (a person writing to the bounce address).
        case notABounce = "not-a-bounce"
    }

    /// One recipient the report is about.
    public struct Recipient: Sendable, Equatable {
        /// The address, when the report names one.
        public var address: String?
        /// `failed` (a bounce), or `delayed`, `delivered`, `relayed`, `expanded` (no event).
        public var action: String
        public var status: EnhancedStatus?
        /// The diagnostic text (Diagnostic-Code, or the words of a non-DSN bounce).
        public var diagnostic: String
        /// The class of a failure; nil for an action that is not a failure.
        public var bounceClass: BounceClass?

        public init(address: String?, action: String, status: EnhancedStatus?, diagnostic: String,
                    bounceClass: BounceClass?) {
            self.address = address
            self.action = action
            self.status = status
            self.diagnostic = diagnostic
            self.bounceClass = bounceClass
        }
    }

    public var kind: Kind
    public var recipients: [Recipient]

    public init(kind: Kind, recipients: [Recipient]) {
        self.kind = kind
        self.recipients = recipients
    }

    /// The recipients that failed, with their class.
    public var failures: [Recipient] { recipients.filter { $0.bounceClass != nil } }

    /// The worst failure (hard over soft over unknown over policy over content), if any.
    public var worst: Recipient? { failures.max { ($0.bounceClass ?? .content) < ($1.bounceClass ?? .content) } }
}
