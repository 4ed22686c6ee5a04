import Foundation

/// CM-11, Mailman's administrivia rule made multilingual: a post to the list that is really a command sent to
/// the wrong address is held, never distributed.
///
/// - A short message (under ``maxTextCharacters`` characters written above any quote, attribution or
///   signature: a Reply to a list post with "désabonner" typed above the quoted post is short) whose subject,
///   or one of its first ``maxBodyLines`` body lines, is mostly a command keyword (`unsubscribe`, `désabonner`, `darme de baja`,
///   `subscribe`, `aide`, `help`, `set digest`, `nomail`, in any of the three languages; see
///   ``looksLikeACommand(_:)``) is held with the `looks-like-a-command` notice, which gives the author the list's
///   `+leave`, `+help` and `+request` addresses.
/// - A post whose subject carries a moderation token (a moderator who replied to the list instead of to the
///   request) is held with no notice, so that the moderator's words never reach the members.
///
/// Only the moderator-reply check applies to senders the directory does not know: an unknown sender's
/// "unsubscribe" is left to `sender-identity`, whose answer (not a partner: how to reach the secretariat) is the
/// right one for a person who is on no list, and whose mail is not distributed anyway.
public struct AdministriviaRule: PolicyRule {
    public let name = "administrivia"
    /// Messages with this much written text or more (above any quote or signature) are posts, whatever their
    /// first line says.
    public static let maxTextCharacters = 500
    /// Messages with more written non-blank lines than this are posts.
    static let maxWrittenLines = 20
    /// Body lines looked at (after the subject).
    public static let maxBodyLines = 5
    /// Words besides the keyword that a line may hold and still be "mostly a command" ("unsubscribe me please").
    static let maxOtherWords = 2

    /// Creates the rule.
    public init() {}

    /// True when a subject ends like a moderation request's: `(<26-character confirmation token>)` (a moderator's
    /// reply sent to the list instead of the request's Reply-To).
    static func endsWithRequestToken(_ subject: String) -> Bool {
        let trimmed = TextSpaces.trimmed(subject)
        guard trimmed.hasSuffix(")"), let open = trimmed.lastIndex(of: "(") else { return false }
        let inner = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
        return ConfirmationToken(inner) != nil
    }

    public func evaluate(_ context: PostContext) -> RuleHit? {
        let message = context.message
        // Any syntactically valid token, expired or not: `distantFuture` only lifts the lifetime bound.
        if ModerationToken.find(in: message.subject, now: .distantFuture) != nil
            || Self.endsWithRequestToken(message.subject) {
            return RuleHit(.hold, .looksLikeAModeratorReply)
        }
        guard context.sender != nil else { return nil }
        // What the sender wrote: the lines above the quote, attribution or signature their client added (a Reply
        // to a list post quotes the whole post below "désabonner"), at most `maxWrittenLines` of them.
        let written = ReplyLines.lines(of: CommandText.body(of: message), limit: Self.maxWrittenLines + 1)
        guard written.count <= Self.maxWrittenLines,
              written.reduce(0, { $0 + $1.count }) < Self.maxTextCharacters else { return nil }
        let lines = CommandText.lines(of: message, bodyLines: Self.maxBodyLines)
        guard lines.contains(where: Self.looksLikeACommand) else { return nil }
        return RuleHit(.hold, .looksLikeACommand, notice: .looksLikeACommand)
    }

    /// Whether a line is mostly a command: once polite and filler words are set aside ("please", "s'il vous
    /// plaît", "por favor", "I want to", "je veux", "me", "this list"...), it starts with a `join`, `leave` or
    /// `help` keyword (help: first on the line), a `set`/`lang` keyword with its argument, or is a bare `nomail`/`pause` word, and holds at
    /// most ``maxOtherWords`` other words. "Help needed with the budget" and "Unsubscribe rates of newsletters"
    /// are not commands.
    public static func looksLikeACommand(_ line: String) -> Bool {
        let all = CommandWords.words(line)
        guard all.count <= 12 else { return false }
        let words = all.drop { CommandWords.fillers.contains($0) }
        guard !words.isEmpty else { return false }
        let meaningful = words.filter { !CommandWords.fillers.contains($0) }
        if meaningful.count == 1, CommandWords.deliveryMode(meaningful[0]) == DeliveryMode.none { return true }
        // The keyword is matched on the words as written ("darme de baja" holds a filler).
        guard let (keyword, length) = CommandWords.keyword(at: words) else { return false }
        let others = words.dropFirst(length).filter { !CommandWords.fillers.contains($0) }.count
        switch keyword.verb {
        case .join, .leave: return others <= maxOtherWords
        // "Help", "Aide svp"; not "Can you help me?", a question for the members.
        case .help: return others == 0 && words.count == all.count
        case .set, .lang: return others == 1 || others == 2
        case .confirm, .lists, .who, .end: return false
        }
    }
}
