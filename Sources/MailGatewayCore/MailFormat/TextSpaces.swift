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
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
