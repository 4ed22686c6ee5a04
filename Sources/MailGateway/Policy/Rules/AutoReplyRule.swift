/// Discards, and never answers, automatic mail (RFC 3834): `Auto-Submitted` other than `no`, `X-Autoreply`,
/// `X-Autorespond`, `X-Autoreply-From`, a read receipt (`multipart/report; report-type=disposition-notification`),
/// bulk mail (`Precedence: bulk | junk | list`, as Mailman treats `list` as bulk) and mail relayed by another
/// mailing list (a `List-Id` that is not ours: it is someone else's distribution, and posting it would
/// cross-post or loop between lists; the author can post to us directly). Out-of-office replies that carry none
/// of these headers are recognized by the subject prefixes their software writes: Lotus Notes' `AUTO:` (upper
/// case) and Outlook's `Automatic reply:`, `Out of Office AutoReply:`, `Réponse automatique :`,
/// `Respuesta automática:`.
public struct AutoReplyRule: PolicyRule {
    public let name = "auto-reply"
    /// Creates the rule.
    public init() {}

    public func evaluate(_ context: PostContext) -> RuleHit? {
        let message = context.message
        let autoSubmitted = HeaderScan.first(message, "Auto-Submitted") { value in
            let token = HeaderScan.firstToken(value)
            return !token.isEmpty && !HeaderScan.equalsIgnoringCase(token, "no")
        }
        if autoSubmitted { return RuleHit(.discard, .autoReply) }
        if HeaderScan.has(message, "X-Autoreply") || HeaderScan.has(message, "X-Autorespond")
            || HeaderScan.has(message, "X-Autoreply-From") {
            return RuleHit(.discard, .autoReply)
        }
        if message.contentType == "multipart/report",
           HeaderScan.first(message, "Content-Type", where: { HeaderScan.containsIgnoringCase($0, "disposition-notification") }) {
            return RuleHit(.discard, .autoReply)
        }
        let bulk = HeaderScan.first(message, "Precedence") { value in
            let token = HeaderScan.firstToken(value)
            return HeaderScan.equalsIgnoringCase(token, "bulk") || HeaderScan.equalsIgnoringCase(token, "junk")
                || HeaderScan.equalsIgnoringCase(token, "list")
        }
        if bulk { return RuleHit(.discard, .bulk) }
        let foreignList = HeaderScan.first(message, "List-Id") { value in
            !context.ownListIDs.contains(HeaderScan.angleContent(value).lowercased())
        }
        if foreignList { return RuleHit(.discard, .bulk) }
        if Self.autoReplySubject(message.subject.isEmpty ? (message.header("Subject") ?? "") : message.subject) {
            return RuleHit(.discard, .autoReply)
        }
        return nil
    }

    static let subjectPrefixes = ["automatic reply:", "out of office autoreply:", "réponse automatique :",
                                  "réponse automatique:", "respuesta automática:"]

    /// True for the subjects out-of-office software writes.
    static func autoReplySubject(_ subject: String) -> Bool {
        let s = subject.drop { $0 == " " || $0 == "\t" }
        if s.hasPrefix("AUTO:") { return true }
        guard let first = s.first, first == "A" || first == "a" || first == "O" || first == "o" || first == "R"
            || first == "r" else { return false }
        let lowered = s.prefix(32).lowercased()
        return subjectPrefixes.contains { lowered.hasPrefix($0) }
    }
}
