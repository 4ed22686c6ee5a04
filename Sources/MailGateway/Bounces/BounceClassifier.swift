import Foundation

/// The classifier of one failed delivery (BN-4): a pure function of the enhanced status code, the basic SMTP
/// reply code and the diagnostic text, to a ``BounceClass``. The first rule that matches wins:
///
/// | class | rule |
/// |---|---|
/// | hard | status `5.1.x` (`5.1.1`, `5.1.3`, `5.1.6`, `5.1.10`…) or `5.2.1` |
/// | policy | status `x.7.x` (a user-unknown text excepted: hard; an attachment text: content), or the text names DMARC, SPF, DKIM, authentication, a policy, a block list, spam, reputation |
/// | content | `5.3.4`, `5.6.x`, a size or attachment text |
/// | hard | a 5xx (or no code at all) whose text says the mailbox does not exist or is disabled (en, fr, es, de) |
/// | soft | `4.x.x`, a 4xx, `5.2.2` (mailbox full), `5.4.x` (routing), a full-mailbox or try-later text |
/// | unknown | everything else |
public enum BounceClassifier {
    /// Classifies one recipient's failure. Codes not given are read from the text (`550 5.1.1 …`).
    public static func classify(status given: EnhancedStatus? = nil, code givenCode: Int? = nil,
                                text: String) -> BounceClass {
        let lowered = text.lowercased()
        let status = given ?? EnhancedStatus(lowered, anywhere: true)
        let code = givenCode ?? SMTPReplyCode.first(in: lowered)
        let userUnknown = matches(lowered, userUnknownWords)
        if let status, status.klass == 5, status.subject == 1 || (status.subject == 2 && status.detail == 1) {
            return .hard
        }
        if let status, status.subject == 7 {
            // "mailbox unavailable (blocked, listed in Spamhaus)": the block list is the list's problem, not the
            // member's; only a user-unknown text without policy words is the address's.
            if userUnknown, !matches(lowered, policyWords) { return .hard }
            if status.detail == 0, matches(lowered, contentWords) { return .content }
            if matches(lowered, mailboxFullWords) { return .soft }
            return .policy
        }
        if matches(lowered, policyWords) { return .policy }
        if let status, status.klass == 5, (status.subject == 3 && status.detail == 4) || status.subject == 6 {
            return .content
        }
        if matches(lowered, mailboxFullWords) { return .soft }
        if matches(lowered, contentWords) { return .content }
        let transient = status?.klass == 4 || (status == nil && (code.map { $0 / 100 == 4 } ?? false))
        if userUnknown, !transient { return .hard }
        if transient { return .soft }
        if let status, status.klass == 5, (status.subject == 2 && status.detail == 2) || status.subject == 4 {
            return .soft
        }
        if matches(lowered, softWords) || matches(lowered, mailboxFullWords) { return .soft }
        return .unknown
    }

    /// Classifies an SMTP server's reply to the gateway's own RCPT TO or DATA (BN-2): the reply line(s) as
    /// received, e.g. `550 5.1.1 <anne@example.org>: Recipient address rejected: User unknown`.
    public static func classify(reply: String, code: Int) -> BounceClass {
        classify(status: EnhancedStatus(reply, anywhere: true), code: code, text: reply)
    }

    static func matches(_ text: String, _ words: [String]) -> Bool {
        words.contains { text.contains($0) }
    }

    /// Texts saying the mailbox does not exist or is disabled (en, fr, es, de, and the common MTA wordings).
    static let userUnknownWords = [
        "user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient", "no such address",
        "does not exist", "doesn't exist", "does not exists", "invalid recipient", "invalid mailbox",
        "mailbox unavailable", "mailbox not found", "mailbox is disabled", "mailbox disabled", "account disabled",
        "account inactive", "account has been disabled", "account is disabled", "account expired", "deactivated",
        "unknown recipient", "recipient unknown", "recipient not found", "user not found", "addressee unknown",
        "no mailbox here by that name", "not a valid mailbox", "unrouteable address", "unknown address",
        "address unknown", "no longer available", "no longer active", "not our customer", "user doesn't have",
        "user does not have", "is not a valid user", "invalid address", "bad destination mailbox",
        "recipient address rejected: user unknown", "utilisateur inconnu", "n'existe pas", "adresse inconnue",
        "usuario desconocido", "no existe", "unbekannt", "existiert nicht", "no mailbox found", "no mail box",
        "not an active address", "bad_recipient", "bad recipient", "invalid username",
    ]

    /// Texts naming an authentication, reputation or content-filter refusal: the list's problem (BN-4, §4.2).
    static let policyWords = [
        "dmarc", "spf", "dkim", "unauthenticated", "not authenticated", "authentication", "policy", "blocked",
        "block list", "blocklist", "blacklist", "spamhaus", "spamcop", "spam", "unsolicited", "reputation",
        "5.7.509", "5.7.26", "listed at", "listed in", "not accepted for policy",
    ]

    /// Texts about the message itself.
    static let contentWords = [
        "message too large", "message size exceeds", "message is too big", "message too big", "message size limit",
        "max message size",
        "exceeds the maximum size", "illegal attachment", "attachment not allowed", "prohibited attachment",
        "virus", "malware",
    ]

    /// Texts of a full mailbox (checked before the size texts: "mailbox size limit exceeded" is a full mailbox).
    static let mailboxFullWords = [
        "mailbox full", "mailbox is full", "over quota", "quota exceeded", "exceeded storage", "exceeds quota",
        "insufficient storage", "mailbox size limit", "disk space", "boîte pleine", "boite pleine", "buzón lleno",
        "postfach voll",
    ]

    /// Texts of a temporary refusal.
    static let softWords = ["try again later", "temporarily", "temporary", "timed out", "deferred"]
}
