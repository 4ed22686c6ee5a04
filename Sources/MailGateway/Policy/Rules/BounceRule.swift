/// Keeps delivery status notifications for bounce processing, never posting or answering them: a
/// `multipart/report; report-type=delivery-status` (RFC 3464), or a message from `MAILER-DAEMON` or
/// `postmaster` (RFC 5321 §4.5.1 reserves them; a bounce that doesn't follow RFC 3464 still comes from them).
public struct BounceRule: PolicyRule {
    public let name = "bounce"
    /// Creates the rule.
    public init() {}

    public func evaluate(_ context: PostContext) -> RuleHit? {
        let message = context.message
        if message.contentType == "multipart/report" {
            let isDSN = HeaderScan.first(message, "Content-Type") { value in
                HeaderScan.containsIgnoringCase(value, "delivery-status")
            }
            if isDSN { return RuleHit(.bounce, .deliveryStatus) }
        }
        if message.from.contains(where: { Self.isDaemon($0.address) }) {
            return RuleHit(.bounce, .deliveryStatus)
        }
        return nil
    }

    /// True for `mailer-daemon@…` and `postmaster@…` (any case).
    static func isDaemon(_ address: String) -> Bool {
        let local = HeaderScan.localPart(of: address)
        return HeaderScan.equalsIgnoringCase(local, "mailer-daemon")
            || HeaderScan.equalsIgnoringCase(local, "postmaster")
    }
}
