import Foundation
import Testing
@testable import MailGateway

/// `ReplyLines.lines` cuts the text at CR and LF bytes; before stop 22 it cut at Characters. The old cut, kept here
/// as the oracle, must give the same lines on every input (line ends mixed, lone CRs, combining marks after a
/// break, blank lines, long lines, text outside ASCII).
@Suite("Email commands: reply lines cut at bytes")
struct ReplyLinesSplitTests {
    /// The Character cut of stop 21, then the same boundary rules (through the public function on pre-cut text).
    static func oracle(_ text: String, limit: Int) -> [String] {
        var all: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let end = rest.firstIndex(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) ?? rest.endIndex
            let raw = rest[..<end]
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
            let line = ReplyLines.trim(raw.prefix(ReplyLines.maxLineLength))
            if !line.isEmpty { all.append(line) }
        }
        // Joined with LF only, the lines are cut the same way by both versions.
        return ReplyLines.lines(of: all.joined(separator: "\n"), limit: limit)
    }

    @Test("fixed cases: CR LF, lone CR, LF CR, a combining mark after a break, blank and long lines")
    func fixedCases() {
        let cases = [
            "unsubscribe\r\nplease\r\n\r\n> quoted", "a\rb\rc", "a\n\rb", "\n\u{0301}accent\nnext", "\r\n\r\n\r\n",
            "désabonner\r\n-- \r\nMarie", String(repeating: "x", count: 1_500) + "\nshort", "Le 3 déc., Émilie a écrit :\n> hi",
            "one\u{2028}two\nthree", "\u{FEFF}help\n",
        ]
        for text in cases {
            #expect(ReplyLines.lines(of: text, limit: 21) == Self.oracle(text, limit: 21), "\(text.debugDescription)")
        }
        #expect(ReplyLines.lines(of: "unsubscribe\r\nplease\r\n\r\n> quoted", limit: 21) == ["unsubscribe", "please"])
    }

    @Test("random texts (seeded) of words, CR, LF, quotes and accents: the byte cut gives the oracle's lines")
    func randomTexts() {
        var generator = SplitMix64(seed: 4242)
        let pieces = ["\r", "\n", "\r\n", "\n\r", " ", "\t", "> ", "-- ", "\u{0301}", "é", "help", "unsubscribe",
                      "On Mon, Marie wrote:", "—", "\u{00A0}", "word", "x"]
        for _ in 0..<3_000 {
            let count = Int(generator.next() % 40)
            let text = (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            let limit = Int(generator.next() % 25) + 1
            #expect(ReplyLines.lines(of: text, limit: limit) == Self.oracle(text, limit: limit), "\(text.debugDescription)")
        }
    }
}
