/// The lines a person wrote at the top of a reply, before what their mail client added: the signature, the
/// quoted message and its attribution line. Pure; shared by email commands (CM-2) and moderators' replies.
///
/// Reading stops at the first line that is:
/// - a signature separator `-- ` or `--`, or a "Sent from my…" / "Envoyé de mon…" / "Enviado desde mi…" line;
/// - quoted (starts with `>`);
/// - an attribution: "On … wrote:", "Le … a écrit :", "El … escribió:", "Am … schrieb …:" (also when the client
///   wrapped it over two lines), or any line ending with one of those verbs;
/// - Outlook's separators (`-----Original Message-----`, `-----Message d'origine-----`, any line of five or more
///   dashes, a line of eight or more `_`);
/// - an Outlook header block: `From:` / `De :` / `Von:` followed by `Sent:` / `Envoyé :` / `Enviado:` /
///   `Date:` / `To:` / `À :` / `Para:` ... on the next non-blank line.
public enum ReplyLines {
    /// Longest line looked at, in characters; the rest of a longer line is cut (bounds the work on hostile mail).
    public static let maxLineLength = 1_000

    /// The non-blank lines of `text` above the first boundary, trimmed, each cut to ``maxLineLength``; at most
    /// `limit` lines. With `skippingLeadingQuote` (a moderator who answers below the quote), a quoted block at
    /// the very top, with its attribution line, is skipped first (at most ``maxLeadingQuoteLines`` lines).
    public static func lines(of text: String, limit: Int, skippingLeadingQuote: Bool = false) -> [String] {
        guard limit > 0 else { return [] }
        // Only the first lines can matter: read a bounded number of them (a boundary needs one line of lookahead).
        let wanted = limit + 1 + (skippingLeadingQuote ? maxLeadingQuoteLines : 0)
        let all = nonBlankLines(of: text, atMost: wanted + 1)
        var start = 0
        if skippingLeadingQuote {
            if let first = all.first, !first.hasPrefix(">"), all.count > 1, all[1].hasPrefix(">"),
               isBoundary(first, next: all[1]) {
                start = 1
            }
            let quoteStart = start
            while start < all.count, all[start].hasPrefix(">") { start += 1 }
            if start == quoteStart { start = 0 }
        }
        var result: [String] = []
        for i in start..<all.count {
            let next = i + 1 < all.count ? all[i + 1] : nil
            if isBoundary(all[i], next: next) { break }
            result.append(all[i])
            if result.count == limit { break }
        }
        return result
    }

    /// The first `count` non-blank lines of `text`, trimmed, each cut to ``maxLineLength``. Line by line: `split`
    /// would cut the whole text first (a long post cost ~1.3 M instructions per message in the posting chain's
    /// AdministriviaRule, bench/cost.sh). At CR and LF bytes: a line break is always a Character boundary, and the
    /// empty line a CR LF leaves between its two bytes is blank, so skipped (scanning Characters cost a third of
    /// the posting chain's time on accepted posts, perf, stop 22).
    static func nonBlankLines(of text: String, atMost count: Int) -> [String] {
        var lines: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty, lines.count < count {
            let end = rest.utf8.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) ?? rest.endIndex
            let raw = rest[..<end]
            rest = end == rest.endIndex ? rest[end...] : rest[rest.utf8.index(after: end)...]
            let line = trim(raw.prefix(maxLineLength))
            if !line.isEmpty { lines.append(line) }
        }
        return lines
    }

    /// Longest quoted block skipped at the top of a bottom-posted reply, in non-blank lines.
    public static let maxLeadingQuoteLines = 200

    /// Whether `line` (trimmed, not blank) starts what a mail client adds below a reply; `next` is the next
    /// non-blank line, for attributions wrapped over two lines and Outlook header blocks.
    public static func isBoundary(_ line: String, next: String?) -> Bool {
        if line == "--" || line.hasPrefix(">") { return true }
        if line.hasPrefix("-----") || line.hasPrefix("________") { return true }
        let folded = CommandWords.fold(line)
        if signatureStarts.contains(where: { folded.hasPrefix($0) }) { return true }
        if endsAsAttribution(folded) { return true }
        // German puts the verb before the name: "Am 01.12.2026 um 10:00 schrieb Hans Müller:".
        if folded.hasPrefix("am "), folded.contains(" schrieb "), folded.hasSuffix(":") { return true }
        if attributionStarts.contains(where: { folded.hasPrefix($0) }), let next,
           endsAsAttribution(CommandWords.fold(next)) {
            return true
        }
        if headerBlockStarts.contains(where: { folded.hasPrefix($0) }), let next {
            let n = CommandWords.fold(next)
            return headerBlockFollowers.contains { n.hasPrefix($0) }
        }
        return false
    }

    /// The line without surrounding spaces, tabs, no-break spaces and byte-order marks.
    static func trim(_ s: Substring) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\u{00A0}" || $0 == "\u{FEFF}" || $0 == "\r" }
        var t = s.drop(while: isSpace)
        while let last = t.last, isSpace(last) { t = t.dropLast() }
        return String(t)
    }

    /// True for a line that ends an attribution ("… wrote:", "… a écrit :", "… escribió:", "… schrieb:"): the
    /// line a mail client writes above a quote (the digest's trimming reads it too).
    public static func endsAttribution(_ line: String) -> Bool {
        endsAsAttribution(CommandWords.fold(line))
    }

    /// True for a line that starts a two-line attribution ("On Mon, 1 Dec 2026, Marie Dupont", "Le …", "El …",
    /// "Am …"), whose second line ``endsAttribution(_:)``.
    public static func startsAttribution(_ line: String) -> Bool {
        let folded = CommandWords.fold(line)
        return attributionStarts.contains { folded.hasPrefix($0) }
    }

    private static func endsAsAttribution(_ folded: String) -> Bool {
        var s = Substring(folded)
        while let last = s.last, last == " " || last == "\u{00A0}" { s = s.dropLast() }
        guard s.hasSuffix(":") else { return false }
        s = s.dropLast()
        while let last = s.last, last == " " || last == "\u{00A0}" { s = s.dropLast() }
        return attributionEnds.contains { s.hasSuffix($0) }
    }

    /// Folded (``CommandWords/fold(_:)``) ends of attribution lines, before the final `:`.
    private static let attributionEnds = [" wrote", " a ecrit", " escribio", " schrieb", " ha escrito"]
    private static let attributionStarts = ["on ", "le ", "el ", "am "]
    private static let signatureStarts = ["sent from my ", "envoye de mon ", "envoye depuis mon ", "enviado desde mi ",
                                          "get outlook for "]
    private static let headerBlockStarts = ["from:", "from :", "de:", "de :", "von:", "von :"]
    private static let headerBlockFollowers = ["sent:", "sent :", "envoye:", "envoye :", "enviado:", "enviado :",
                                               "date:", "date :", "to:", "to :", "a:", "a :", "para:", "para :",
                                               "fecha:", "fecha :", "gesendet:", "an:", "subject:", "objet:",
                                               "objet :", "asunto:", "cc:", "cc :"]
}
