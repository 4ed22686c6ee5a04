import Foundation
import Testing
@testable import MailGateway

/// `TextSpaces` stands for Foundation's `CharacterSet.whitespaces` and `trimmingCharacters(in:)` in the
/// configuration and the search query: the same answers, compared scalar by scalar with Foundation's own.
@Suite("Spaces without CharacterSet")
struct TextSpacesTests {
    @Test("isSpace agrees with CharacterSet.whitespaces on every scalar")
    func sameClassAsFoundation() {
        var differ: [UInt32] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if TextSpaces.isSpace(scalar) != CharacterSet.whitespaces.contains(scalar) { differ.append(value) }
        }
        #expect(differ.isEmpty, "\(differ.prefix(20).map { String($0, radix: 16) })")
    }

    @Test("isSpaceOrNewline agrees with CharacterSet.whitespacesAndNewlines on every scalar")
    func sameNewlineClassAsFoundation() {
        var differ: [UInt32] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if TextSpaces.isSpaceOrNewline(scalar) != CharacterSet.whitespacesAndNewlines.contains(scalar) {
                differ.append(value)
            }
        }
        #expect(differ.isEmpty, "\(differ.prefix(20).map { String($0, radix: 16) })")
    }

    @Test("trimmedOfSpacesAndNewlines reads as trimmingCharacters(in: .whitespacesAndNewlines)")
    func sameNewlineTrimAsFoundation() {
        for text in ["", " ", "\t", "\n", "\r\n", " a@b ", "<a@b>", "\r\n x@y \r\n", "\u{0085}a\u{2028}", "\u{2029} b \u{000B}",
                     " e\u{0301} ", "\u{0301} x", "\u{200B}zero width\u{200B}", "\u{00A0}list@example.org\u{3000}", "日本 "] {
            #expect(TextSpaces.trimmedOfSpacesAndNewlines(text) == text.trimmingCharacters(in: .whitespacesAndNewlines),
                    "\(text.debugDescription)")
        }
    }

    @Test("trimmed and isBlank read as trimmingCharacters(in: .whitespaces)")
    func sameTrimAsFoundation() {
        for text in ["", " ", "\t", "\n", " \t\u{00A0}\u{2003}\u{3000} ", " soil ", "\u{00A0}carbon\u{2009}", "a b",
                     "\nline\n", " e\u{0301} ", "\u{0301} x", "\u{200B}zero width\u{200B}", "\r\n x \r\n", "日本 "] {
            #expect(TextSpaces.trimmed(text) == text.trimmingCharacters(in: .whitespaces), "\(text.debugDescription)")
            #expect(TextSpaces.isBlank(text) == text.trimmingCharacters(in: .whitespaces).isEmpty, "\(text.debugDescription)")
        }
    }
}
