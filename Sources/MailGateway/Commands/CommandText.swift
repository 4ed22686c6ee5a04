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

    /// A subject without its leading reply and forward markers (`Re:`, `RE :`, `Réf. :`, `RV:`, `AW:`, `TR:`,
    /// `Fwd:`, `Fw:`, `WG:`, `Re[2]:`, repeated, any case: `SubjectNormalizer`'s, and a lone `R:`), trimmed and
    /// cut to ``ReplyLines/maxLineLength``.
    public static func subjectLine(_ subject: String) -> String {
        let cut = Substring(ReplyLines.trim(Substring(subject.prefix(ReplyLines.maxLineLength))))
        return String(SubjectNormalizer.withoutMarkers(cut, extraMarkers: ["r"]))
    }
}
