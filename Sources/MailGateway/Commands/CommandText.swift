/// The lines a command mail is read from (CM-2): the decoded subject without its reply and forward prefixes,
/// then at most ``maxBodyLines`` non-blank lines of the body above any signature, quote or attribution
/// (``ReplyLines``). The body is the text/plain part, or the text rendered from the HTML part for HTML-only mail.
public enum CommandText {
    /// Non-blank body lines read at most (Mailman's `email_commands_max_lines`).
    public static let maxBodyLines = 10

    /// The subject line (when not blank after its prefixes), then the body lines.
    public static func lines(of message: ParsedMessage, bodyLines: Int = maxBodyLines) -> [String] {
        var lines: [String] = []
        let subject = subjectLine(message.subject)
        if !subject.isEmpty { lines.append(subject) }
        return lines + ReplyLines.lines(of: body(of: message), limit: bodyLines)
    }

    /// The body text commands are read from: `text` (already rendered from the HTML part when the message had no
    /// text/plain part), else the HTML part rendered to text, else "".
    public static func body(of message: ParsedMessage) -> String {
        if let text = message.text, !text.isEmpty { return text }
        if let html = message.html { return HTMLText.render(html) }
        return ""
    }

    /// A subject without its leading `Re:`, `RE :`, `Réf. :`, `RV:`, `AW:`, `TR:`, `Fwd:`, `Fw:`, `WG:`
    /// prefixes (repeated, any case, `Re[2]:` too), trimmed and cut to ``ReplyLines/maxLineLength``.
    public static func subjectLine(_ subject: String) -> String {
        var s = Substring(ReplyLines.trim(Substring(subject.prefix(ReplyLines.maxLineLength))))
        while let rest = droppingPrefix(s) { s = rest.drop { $0 == " " || $0 == "\t" || $0 == "\u{00A0}" } }
        return String(s)
    }

    private static let prefixes = ["re", "ref", "ref.", "rv", "aw", "tr", "fwd", "fw", "wg", "sv", "vs", "antw", "r"]

    /// `s` after one prefix word and its colon, or nil.
    private static func droppingPrefix(_ s: Substring) -> Substring? {
        guard let colon = s.prefix(12).firstIndex(where: { $0 == ":" || $0 == "\u{FF1A}" }) else { return nil }
        var word = s[..<colon]
        while let last = word.last, last == " " || last == "\u{00A0}" { word = word.dropLast() }
        // `Re[2]` / `Re(2)`: a counter some clients add.
        if let open = word.firstIndex(where: { $0 == "[" || $0 == "(" }), word.last == "]" || word.last == ")",
           word[word.index(after: open)..<word.index(before: word.endIndex)].allSatisfy(\.isNumber) {
            word = word[..<open]
        }
        guard prefixes.contains(CommandWords.fold(String(word))) else { return nil }
        return s[s.index(after: colon)...]
    }
}
