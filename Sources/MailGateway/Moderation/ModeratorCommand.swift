public import Foundation

/// A moderator's decision, read from an email reply.
public enum ModeratorAction: String, Sendable, Codable, CaseIterable {
    case approve, reject, discard
}

/// A command found in a moderator's reply: the action, an optional reason (reject), and the token.
public struct ModeratorCommand: Sendable, Equatable {
    public var action: ModeratorAction
    /// For `reject`: the rest of the command line (after the word and an optional `:`), if any.
    public var reason: String?
    public var token: ModerationToken

    /// Why a reply is not a command.
    public enum Failure: Error, Sendable, Equatable {
        /// No `MOD-…` token in the subject or body.
        case noToken
        /// The first non-quoted, non-empty line does not start with a known word.
        case noCommandWord
    }

    /// The words understood, in French, English and Spanish (compared without case or accents). Bare yes/no
    /// words (oui, non, si, no...) are left out on purpose: "Si vous voulez…" or "No idea" must not decide.
    public static let words: [String: ModeratorAction] = [
        // approve
        "approve": .approve, "approved": .approve, "accept": .approve, "accepted": .approve, "ok": .approve,
        "okay": .approve, "approuver": .approve, "approuve": .approve, "accepter": .approve,
        "accepte": .approve, "valider": .approve, "aprobar": .approve, "apruebo": .approve,
        "aprobado": .approve, "aceptar": .approve, "acepto": .approve,
        // reject
        "reject": .reject, "rejected": .reject, "refuse": .reject, "deny": .reject,
        "rejeter": .reject, "rejete": .reject, "refuser": .reject,
        "rechazar": .reject, "rechazado": .reject, "rechazo": .reject,
        // discard
        "discard": .discard, "delete": .discard, "drop": .discard, "supprimer": .discard, "jeter": .discard,
        "ignorer": .discard, "descartar": .discard, "eliminar": .discard, "borrar": .discard,
    ]

    /// Reads a reply: the token from the subject (else the body), the command from the first line of the body
    /// that is neither empty nor quoted (`>`). Leading punctuation and a trailing `:`/`.`/`!` are ignored.
    /// A malformed token (``ModerationToken/find(in:now:)``) counts as none.
    public static func parse(subject: String, body: String, now: Date) throws(Failure) -> ModeratorCommand {
        guard let token = ModerationToken.find(in: subject, now: now) ?? ModerationToken.find(in: body, now: now) else {
            throw .noToken
        }
        var firstLine: Substring?
        for line in body.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "\u{FEFF}" }
            if trimmed.isEmpty || trimmed.hasPrefix(">") { continue }
            firstLine = trimmed
            break
        }
        guard let line = firstLine else { throw .noCommandWord }
        let wordEnd = line.firstIndex { !($0.isLetter) } ?? line.endIndex
        let word = line[..<wordEnd].folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        guard let action = words[word] else { throw .noCommandWord }
        var rest = line[wordEnd...].drop { $0 == " " || $0 == ":" || $0 == "." || $0 == "!" || $0 == "\t" || $0 == "-" }
        while let l = rest.last, l == " " || l == "\t" { rest = rest.dropLast() }
        // A token pasted on the command line is not a reason.
        if let r = rest.range(of: "[MOD-") ?? rest.range(of: "MOD-"), r.lowerBound == rest.startIndex { rest = "" }
        return ModeratorCommand(action: action, reason: action == .reject && !rest.isEmpty ? String(rest) : nil,
                                token: token)
    }
}
