import Foundation
import Testing
@testable import MailGateway

/// `ReplyLines` cuts the text at CR and LF bytes (`nonBlankLines`); before stop 22 it cut at Characters. The old
/// cut, copied here verbatim as the oracle, must give the same lines on every input (line ends mixed, lone CRs,
/// combining marks after a break, blank lines, long lines, text outside ASCII).
@Suite("Email commands: reply lines cut at bytes")
struct ReplyLinesSplitTests {
    /// Stop 21's cut, verbatim (the loop of `ReplyLines.lines` before 9aea0cc): up to `wanted + 1` non-blank lines.
    static func oldCut(_ text: String, wanted: Int) -> [String] {
        var all: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty, all.count <= wanted {
            let end = rest.firstIndex(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) ?? rest.endIndex
            let raw = rest[..<end]
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
            let line = ReplyLines.trim(raw.prefix(ReplyLines.maxLineLength))
            if !line.isEmpty { all.append(line) }
        }
        return all
    }

    static let fixed = [
        "unsubscribe\r\nplease\r\n\r\n> quoted", "a\rb\rc", "a\n\rb", "\n\u{0301}accent\nnext", "\r\n\r\n\r\n",
        "désabonner\r\n-- \r\nMarie", String(repeating: "x", count: 1_500) + "\nshort", "Le 3 déc., Émilie a écrit :\n> hi",
        "one\u{2028}two\nthree", "\u{FEFF}help\n", "", "\r", "é\r\n\u{0301}",
    ]

    @Test("fixed cases: CR LF, lone CR, LF CR, a combining mark after a break, blank and long lines")
    func fixedCases() {
        for text in Self.fixed {
            for wanted in [0, 1, 3, 21] {
                #expect(ReplyLines.nonBlankLines(of: text, atMost: wanted + 1) == Self.oldCut(text, wanted: wanted),
                        "\(text.debugDescription), \(wanted)")
            }
        }
        #expect(ReplyLines.lines(of: "unsubscribe\r\nplease\r\n\r\n> quoted", limit: 21) == ["unsubscribe", "please"])
        #expect(ReplyLines.lines(of: "On Mon, Marie wrote:\r\n> the post\r\n> more\r\n\r\napproved\r\n-- \r\nJo",
                                 limit: 5, skippingLeadingQuote: true) == ["approved"])
    }

    @Test("random texts (seeded) of words, CR, LF, quotes and accents: the byte cut gives the old cut's lines")
    func randomTexts() {
        var generator = SplitMix64(seed: 4242)
        let pieces = ["\r", "\n", "\r\n", "\n\r", " ", "\t", "> ", "-- ", "\u{0301}", "é", "help", "unsubscribe",
                      "On Mon, Marie wrote:", "—", "\u{00A0}", "word", "x", "\u{FEFF}", "e\u{0301}"]
        for _ in 0..<5_000 {
            let count = Int(generator.next() % 40)
            let text = (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            let wanted = Int(generator.next() % 25)
            #expect(ReplyLines.nonBlankLines(of: text, atMost: wanted + 1) == Self.oldCut(text, wanted: wanted),
                    "\(text.debugDescription), \(wanted)")
        }
    }
}
