public import Foundation

/// What the moderation request and the answers to a moderator's reply say, besides ``NoticeValues``' common
/// fields. Dates are written in the recipient's language and the gateway's time zone (`digest.time_zone`).
///
/// Template variables: `token` (the request's ``ConfirmationToken``), `originalAuthor` (the post author's name,
/// else address), `confirmAddress` (a poster preview's), `originalDateLocal`, `copies` (an approval's copies), `decidedBy`, `decidedAtLocal`,
/// `decidedByExpiry` / `decidedByCLI` (who decided, when it was not a moderator's address),
/// `decidedStatusApproved` / `…Rejected` / `…Discarded` / `…Expired`, `acceptedSender` (`hasAcceptedSender`:
/// the address accepted from now on), `replyLine` (`hasReplyLine`: the line of the reply that was not
/// understood), `authorTold`, `toSecretariat`.
public struct ModerationNoticeValues: Sendable {
    /// The moderation request's token (its `Reply-To: list+confirm.<token>@`).
    public var replyToken: String?
    /// The held post's author, as a name (else the address).
    public var originalAuthor: String?
    /// The time zone dates are written in.
    public var timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current
    /// For an approval: how many copies were queued.
    public var copies: Int?
    /// For "already decided": who (an address, `cli:<user>`, `expiry`), when, and the status.
    public var decidedBy: String?
    public var decidedAt: Date?
    public var decidedStatus: Hold.Status?
    /// For "approve and accept the sender": the address now accepted.
    public var acceptedSender: String?
    /// For "not understood": the first line the moderator wrote.
    public var replyLine: String?
    /// For a rejection: whether the author is told (false when the hold's From was unproven).
    public var authorTold: Bool?
    /// For owner mail sent to the secretariat because the list has no moderator.
    public var toSecretariat = false
    /// For a poster's preview: the `list+confirm.<token>@` address that sends the announcement.
    public var confirmAddress: String?

    public init() {}

    /// Adds the variables to a template context.
    func add(to c: inout [String: Any], language: Language, originalDate: Date?) {
        if let token = replyToken { c["token"] = token }
        if let confirmAddress { c["confirmAddress"] = confirmAddress }
        if let author = originalAuthor, !author.isEmpty {
            c["originalAuthor"] = NoticeComposer.oneLine(NoticeComposer.truncated(author))
        }
        if let date = originalDate { c["originalDateLocal"] = Self.localised(date, language: language, in: timeZone) }
        if let copies { c["copies"] = String(copies) }
        if let by = decidedBy {
            if by == "expiry" {
                c["decidedByExpiry"] = true
            } else if by.hasPrefix("cli:") {
                c["decidedByCLI"] = true
                c["decidedBy"] = NoticeComposer.oneLine(String(by.dropFirst(4)))
            } else {
                c["decidedBy"] = NoticeComposer.oneLine(by)
                c["decidedByModerator"] = true
            }
        }
        if let at = decidedAt { c["decidedAtLocal"] = Self.localised(at, language: language, in: timeZone) }
        if let status = decidedStatus { c["decidedStatus\(status.rawValue.prefix(1).uppercased())\(status.rawValue.dropFirst())"] = true }
        if let sender = acceptedSender, !sender.isEmpty {
            c["acceptedSender"] = NoticeComposer.oneLine(sender)
            c["hasAcceptedSender"] = true
        }
        if authorTold == true { c["authorTold"] = true }
        if toSecretariat { c["toSecretariat"] = true }
        if let line = replyLine, !line.isEmpty {
            c["replyLine"] = NoticeComposer.oneLine(NoticeComposer.truncated(line))
            c["hasReplyLine"] = true
        }
    }

    /// A date as a person reads it in `language`: "samedi 5 décembre 2026 à 14:03 (UTC)", "Saturday, 5 December
    /// 2026 at 14:03 (UTC)", "sábado, 5 de diciembre de 2026, 14:03 (UTC)".
    public static func localised(_ date: Date, language: Language, in zone: TimeZone) -> String {
        LocalizedDateFormatter.formatter(language, zone: zone, date: .full, time: .short).string(from: date)
            + " (\(zone.identifier))"
    }
}
