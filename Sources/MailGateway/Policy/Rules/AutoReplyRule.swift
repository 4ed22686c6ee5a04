/// Discards, and never answers, automatic mail (RFC 3834): `Auto-Submitted` other than `no`, `X-Autoreply`,
/// `X-Autorespond`, `X-Autoreply-From`, a read receipt (`multipart/report; report-type=disposition-notification`),
/// bulk mail (`Precedence: bulk | junk | list`, as Mailman treats `list` as bulk) and mail relayed by another
/// mailing list (a `List-Id` that is not ours: it is someone else's distribution, and posting it would
/// cross-post or loop between lists; the author can post to us directly).
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
           HeaderScan.first(message, "Content-Type", where: { $0.lowercased().contains("disposition-notification") }) {
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
        return nil
    }
}
