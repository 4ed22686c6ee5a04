public import Foundation

/// A moderator's decision, read from an email reply.
public enum ModeratorAction: String, Sendable, Codable, CaseIterable {
    case approve, reject, discard
}

/// What a moderator decided, read from the top of a reply (``ModeratorCommand/readDecision(body:)``), with no
/// token: the token may come from the subject, the body or the `list+confirm.<token>@` address replied to.
public struct ModeratorDecision: Sendable, Equatable {
    public var action: ModeratorAction
    /// For `reject`: the rest of the command line (after the word and an optional `:`), if any.
    public var reason: String?
    /// "approve always", "accept sender", "approuver et accepter l'expéditeur", "aprobar siempre": approve, and
    /// let this sender post to the list from now on.
    public var alsoAllowSender: Bool

    public init(action: ModeratorAction, reason: String? = nil, alsoAllowSender: Bool = false) {
        self.action = action
        self.reason = reason
        self.alsoAllowSender = alsoAllowSender
    }
}

/// A command found in a moderator's reply: the action, an optional reason (reject), and the token.
public struct ModeratorCommand: Sendable, Equatable {
    public var action: ModeratorAction
    /// For `reject`: the rest of the command line (after the word and an optional `:`), if any.
    public var reason: String?
    public var token: ModerationToken
    /// Approve and accept this sender from now on (``ModeratorDecision/alsoAllowSender``).
    public var alsoAllowSender: Bool = false

    /// Why a reply is not a command.
    public enum Failure: Error, Sendable, Equatable {
        /// No `MOD-…` token in the subject or body.
        case noToken
        /// The first line the moderator wrote (after greetings) does not start with a known word.
        case noCommandWord
    }

    /// The words understood, in French, English and Spanish (compared without case or accents). Bare words that
    /// can start an ordinary sentence are left out on purpose: yes/no words (oui, non, si, no...), `ok`/`okay`
    /// ("Ok, je regarde demain" must not approve), `drop` ("Drop me a line").
    public static let words: [String: ModeratorAction] = [
        // approve
        "approve": .approve, "approved": .approve, "accept": .approve, "accepted": .approve,
        "approuver": .approve, "approuve": .approve, "accepter": .approve,
        "accepte": .approve, "valider": .approve, "aprobar": .approve, "apruebo": .approve,
        "aprobado": .approve, "aceptar": .approve, "acepto": .approve,
        // reject
        "reject": .reject, "rejected": .reject, "refuse": .reject, "deny": .reject,
        "rejeter": .reject, "rejete": .reject, "refuser": .reject,
        "rechazar": .reject, "rechazado": .reject, "rechazo": .reject,
        // discard
        "discard": .discard, "delete": .discard, "supprimer": .discard, "jeter": .discard,
        "ignorer": .discard, "descartar": .discard, "eliminar": .discard, "borrar": .discard,
    ]

    /// Words that, after an approval word on the same line, also let the sender post from now on (folded).
    static let allowSenderWords: Set<String> = [
        "always", "toujours", "siempre", "sender", "expediteur", "remitente", "author", "auteur", "autor",
        "accept", "accepter", "aceptar", "allow", "autoriser", "permitir",
    ]

    /// Reads a reply: the token from the subject (else the body), the decision with ``readDecision(body:)``.
    /// A malformed token (``ModerationToken/find(in:now:)``) counts as none.
    public static func parse(subject: String, body: String, now: Date) throws(Failure) -> ModeratorCommand {
        guard let token = ModerationToken.find(in: subject, now: now) ?? ModerationToken.find(in: body, now: now) else {
            throw .noToken
        }
        guard let decision = readDecision(body: body) else { throw .noCommandWord }
        return ModeratorCommand(action: decision.action, reason: decision.reason, token: token,
                                alsoAllowSender: decision.alsoAllowSender)
    }

    /// The decision written at the top of a reply, or nil. Reads the lines the moderator wrote (``ReplyLines``:
    /// above the quoted request, its attribution, an Outlook header block or a signature; below a quoted block
    /// that opens the reply, for bottom-posting), skips up to three
    /// greeting lines ("Bonjour,", "Hello Marie", "Buenos días,", "Dear all,"), and reads the first other line:
    /// it must start with one of ``words`` (leading punctuation and a trailing `:`/`.`/`!` ignored).
    public static func readDecision(body: String) -> ModeratorDecision? {
        var greetings = 0
        for line in ReplyLines.lines(of: body, limit: 8, skippingLeadingQuote: true) {
            if let decision = decision(in: Substring(line)) { return decision }
            guard greetings < 3, isGreeting(line) else { return nil }
            greetings += 1
        }
        return nil
    }

    private static func decision(in line: Substring) -> ModeratorDecision? {
        let start = line.drop { !$0.isLetter }
        guard line.distance(from: line.startIndex, to: start.startIndex) <= 3 else { return nil }
        let wordEnd = start.firstIndex { !($0.isLetter) } ?? start.endIndex
        let word = CommandWords.fold(String(start[..<wordEnd]))
        guard let action = words[word] else { return nil }
        var rest = start[wordEnd...].drop { $0 == " " || $0 == ":" || $0 == "," || $0 == "." || $0 == "!" || $0 == "\t" || $0 == "-" }
        while let l = rest.last, l == " " || l == "\t" { rest = rest.dropLast() }
        // A token pasted on the command line is not a reason.
        if let r = rest.range(of: "[MOD-") ?? rest.range(of: "MOD-"), r.lowerBound == rest.startIndex { rest = "" }
        let allow = action == .approve && CommandWords.words(String(rest)).prefix(6).contains { allowSenderWords.contains($0) }
        return ModeratorDecision(action: action, reason: action == .reject && !rest.isEmpty ? String(rest) : nil,
                                 alsoAllowSender: allow)
    }

    /// The first line a person wrote in a reply (``ReplyLines``: quotes, attributions and signatures skipped)
    /// that is not a greeting: where a decision, a cancel or a "no" is read.
    static func firstWrittenLine(of body: String, limit: Int = 8) -> String? {
        ReplyLines.lines(of: body, limit: limit, skippingLeadingQuote: true).first { !isGreeting($0) }
    }

    /// The first word of ``firstWrittenLine(of:limit:)``, folded (``CommandWords``).
    static func firstWrittenWord(of body: String) -> String? {
        firstWrittenLine(of: body).flatMap { CommandWords.words($0).first }
    }

    /// A greeting line: at most five words and ending with `,`, or a greeting word followed by at most three
    /// words ("Bonjour Marie", "Buenos días a todos").
    static func isGreeting(_ line: String) -> Bool {
        let words = CommandWords.words(line)
        guard !words.isEmpty, words.count <= 5 else { return false }
        if line.hasSuffix(",") { return true }
        return words.count <= 4 && greetingWords.contains(words[0])
    }

    static let greetingWords: Set<String> = [
        "bonjour", "bonsoir", "salut", "coucou", "cher", "chere", "chers", "cheres", "madame", "monsieur",
        "hello", "hi", "hey", "dear", "good", "greetings", "morning",
        "hola", "buenos", "buenas", "buen", "estimado", "estimada", "estimados", "estimadas", "querido", "querida",
    ]
}
