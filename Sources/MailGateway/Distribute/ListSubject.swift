import Foundation

/// The subject of a list copy (Mailman's `subject_prefix` handler, with its `RE_PATTERN` widened to the reply
/// markers of `SubjectNormalizer`): the list prefix once, at the start; stacked reply markers in any language and
/// spacing (`RE : Re:`, `AW:`, `SV:`, `Re[2]:`) collapsed to one `Re:` right after it; the prefix removed from
/// wherever else it stood (`Re: [Recherche] Re: X` → `[Recherche] Re: X`). A forward marker (`Fwd:`, `TR:`)
/// is kept as written.
public enum ListSubject {
    /// The copy's subject for decoded `subject` and the list's `prefix` (nil or empty: no prefix, markers are
    /// still collapsed).
    public static func make(_ subject: String, prefix: String?) -> String {
        var text = subject
        if let prefix, !prefix.isEmpty { text = removing(prefix, from: text) }
        let (rest, wasReply) = SubjectNormalizer.withoutReplyMarkers(Substring(text))
        var body = rest.trimmingCharacters(in: .whitespaces)
        if wasReply { body = body.isEmpty ? "Re:" : "Re: \(body)" }
        guard let prefix, !prefix.isEmpty else { return body }
        return body.isEmpty ? prefix : "\(prefix) \(body)"
    }

    /// `text` with every occurrence of `prefix` (any case) and the white space after it removed.
    static func removing(_ prefix: String, from text: String) -> String {
        var out = text
        while let range = out.range(of: prefix, options: .caseInsensitive) {
            var end = range.upperBound
            while end < out.endIndex, out[end] == " " || out[end] == "\t" { end = out.index(after: end) }
            out.removeSubrange(range.lowerBound..<end)
        }
        return out
    }
}
