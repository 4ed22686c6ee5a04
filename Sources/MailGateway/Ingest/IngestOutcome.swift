/// What the gateway did with one message from a list's mailbox.
public enum IngestOutcome: Sendable, Equatable {
    /// Archived with the policy decision that was applied (accepted posts were queued for delivery).
    case archived(messageRowID: Int64, threadID: Int64, decision: PolicyDecision)
    /// The list already holds this Message-ID (a re-fetch after a crash, a rescan after a UIDVALIDITY change):
    /// nothing was written and nothing sent.
    case duplicate(existingRowID: Int64)
    /// The message could not be parsed: its raw bytes are in the quarantine with the reason.
    case quarantined(quarantineID: Int64, reason: String)
    /// A moderator's reply carrying a moderation token: the decision was applied (or refused, with the reason).
    case moderatorReply(holdID: Int64?, applied: Bool, detail: String)
    /// A message that is not a post (a command, a confirmation, mail for the owners, a bounce: `route` is
    /// ``InboundRoute/name``), kept in the archive out of the list's public views and handled; `detail` says how.
    case routed(messageRowID: Int64, route: String, detail: String)

    /// A short word for logs and summaries.
    public var label: String {
        switch self {
        case .archived(_, _, let d): d.action.rawValue
        case .duplicate: "duplicate"
        case .quarantined: "quarantined"
        case .moderatorReply(_, let applied, _): applied ? "moderation-applied" : "moderation-refused"
        case .routed(_, let route, _): route
        }
    }
}
