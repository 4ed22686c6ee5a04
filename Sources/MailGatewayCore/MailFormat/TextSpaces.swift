/// Foundation's `CharacterSet.whitespaces` and the checks made with it, by the standard library's Unicode
/// properties. On Linux `trimmingCharacters(in:)` goes through NSString and CoreFoundation, whose first use costs
/// ~1 M instructions: 2-3 % of an `archive search` process, which makes a few such checks on its configuration and
/// its query (callgrind, docs/benchmarks.md). (`CharacterSet.alphanumerics` stays Foundation's: its tables are
/// older than the standard library's, which knows 44 more letters and marks of the BMP, TextSpacesTests.)
package enum TextSpaces {
    /// In `CharacterSet.whitespaces`: general category Zs, CHARACTER TABULATION, and ZERO WIDTH SPACE (U+200B,
    /// Zs in CoreFoundation's tables, Cf in Unicode's since 4.0.1).
    package static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\u{200B}" || scalar.properties.generalCategory == .spaceSeparator
    }

    /// `text.trimmingCharacters(in: .whitespaces).isEmpty`.
    package static func isBlank(_ text: some StringProtocol) -> Bool {
        text.unicodeScalars.allSatisfy(isSpace)
    }

    /// `text.trimmingCharacters(in: .whitespaces)`.
    package static func trimmed(_ text: String) -> String {
        trimmed(text, while: isSpace)
    }

    /// In `CharacterSet.whitespacesAndNewlines`: the spaces above, LINE FEED to CARRIAGE RETURN, NEXT LINE
    /// (U+0085), and the line and paragraph separators (U+2028, U+2029).
    package static func isSpaceOrNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
        default: isSpace(scalar)
        }
    }

    /// `text.trimmingCharacters(in: .whitespacesAndNewlines)`.
    package static func trimmedOfSpacesAndNewlines(_ text: String) -> String {
        trimmed(text, while: isSpaceOrNewline)
    }

    /// `text` without the scalars at either end for which `isTrimmed` holds (a copy only when something goes).
    static func trimmed(_ text: String, while isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }),
              let last = scalars.lastIndex(where: { !isTrimmed($0) }) else { return "" }
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return text }
        return String(scalars[first...last])
    }
}
