/// Reduces a subject to its base form for subject-based threading: reply and forward markers (`Re:`, `RE :`,
/// `Réf.`, `AW:`, `RV:`, `SV:`, `Fwd:`, `Fw:`, `TR:`, `WG:`, also `Re[2]:`), `[list]` tags, repeated in any
/// order, are stripped; case is folded and runs of white space become one space.
public enum SubjectNormalizer {
    /// Markers of a reply (the subject fallback only applies to replies).
    static let replyMarkers: Set<String> = ["re", "ré", "ref", "réf", "aw", "rv", "sv", "antw", "vs", "odp"]
    /// Markers of a forward (stripped, but a forward is a new conversation, not a reply).
    static let forwardMarkers: Set<String> = ["fwd", "fw", "tr", "wg", "enc", "rif"]

    /// The result of normalizing a subject.
    public struct Result: Sendable, Hashable {
        /// The base subject, case- and space-folded.
        public var base: String
        /// True when a reply marker was stripped.
        public var isReply: Bool
    }

    /// Normalizes `subject`.
    public static func normalize(_ subject: String) -> Result {
        var s = Substring(subject)
        var isReply = false
        while true {
            s = s.drop(while: { $0.isWhitespace })
            if s.first == "[", let close = s.firstIndex(of: "]") {
                // A list tag: "[USRP-users]", "[PATCH v2]". Keep bracketed text that is all there is.
                let rest = s[s.index(after: close)...]
                if rest.contains(where: { !$0.isWhitespace }) {
                    s = rest
                    continue
                }
                break
            }
            if let (marker, rest) = leadingMarker(s) {
                if replyMarkers.contains(marker) { isReply = true }
                s = rest
                continue
            }
            break
        }
        var out = ""
        out.reserveCapacity(s.count)
        var pendingSpace = false
        for ch in s {
            if ch.isWhitespace {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(contentsOf: ch.lowercased())
            }
        }
        return Result(base: out, isReply: isReply)
    }

    /// `subject` without its leading reply and forward markers (repeated, white space between them dropped), its
    /// case and any `[list]` tag kept: what an email command reads (`CommandText`). `extraMarkers` are also
    /// markers there (a lone `R:`), and a full-width colon (`：`) ends a marker too.
    public static func withoutMarkers(_ subject: Substring, extraMarkers: Set<String> = []) -> Substring {
        var s = subject
        while true {
            s = s.drop(while: { $0.isWhitespace })
            guard let (_, rest) = leadingMarker(s, extraMarkers: extraMarkers, colons: [":", "\u{FF1A}"]) else { return s }
            s = rest
        }
    }

    /// `subject` without its leading reply markers (`Re:`, `RE :`, `AW:`, `SV:`, `VS:`, `Antw:`, `Réf. :`,
    /// `Re[2]:`…, repeated, with the white space around them), and whether there was one: what a list copy's
    /// subject collapses to a single `Re:` (`ListSubject`). Forward markers stop the stripping.
    public static func withoutReplyMarkers(_ subject: Substring) -> (rest: Substring, wasReply: Bool) {
        var s = subject.drop(while: { $0.isWhitespace })
        var wasReply = false
        while let (marker, rest) = leadingMarker(s), replyMarkers.contains(marker), marker != "rv" {
            wasReply = true
            s = rest.drop(while: { $0.isWhitespace })
        }
        return (s, wasReply)
    }

    /// A marker word at the start of `s` ("re", "fwd"...), followed by optional spaces, an optional `[n]` or
    /// `(n)` counter, optional spaces and `:` (or `.` then `:` for "Réf.:" / "Réf." alone); returns the marker
    /// in lower case and the text after it.
    private static func leadingMarker(_ s: Substring, extraMarkers: Set<String> = [],
                                      colons: Set<Character> = [":"]) -> (String, Substring)? {
        var i = s.startIndex
        var word = ""
        while i < s.endIndex, s[i].isLetter, word.count < 5 {
            word.append(contentsOf: s[i].lowercased())
            i = s.index(after: i)
        }
        guard !word.isEmpty, replyMarkers.contains(word) || forwardMarkers.contains(word) || extraMarkers.contains(word)
        else { return nil }
        var j = i
        if j < s.endIndex, s[j] == "." {
            j = s.index(after: j)
            // "Réf." may stand without a colon.
            var k = j
            while k < s.endIndex, s[k] == " " { k = s.index(after: k) }
            if k < s.endIndex, colons.contains(s[k]) { return (word, s[s.index(after: k)...]) }
            return (word, s[j...])
        }
        while j < s.endIndex, s[j] == " " { j = s.index(after: j) }
        if j < s.endIndex, s[j] == "[" || s[j] == "(" {
            let close: Character = s[j] == "[" ? "]" : ")"
            var k = s.index(after: j)
            while k < s.endIndex, s[k].isNumber { k = s.index(after: k) }
            guard k < s.endIndex, s[k] == close else { return nil }
            j = s.index(after: k)
            while j < s.endIndex, s[j] == " " { j = s.index(after: j) }
        }
        guard j < s.endIndex, colons.contains(s[j]) else { return nil }
        return (word, s[s.index(after: j)...])
    }
}
