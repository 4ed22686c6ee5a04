import Foundation
import MailGatewayCore
import Testing

/// `Accept-Language` comments removed by bytes (`Language.uncommented`) against the regular expression they
/// replace, `\([^)]*\)` → "", on chosen and on random headers: the same text, and so the same language.
@Suite("Accept-Language comments")
struct LanguageHeaderTests {
    func byExpression(_ text: String) -> String {
        text.replacingOccurrences(of: #"\([^)]*\)"#, with: "", options: .regularExpression)
    }

    @Test func sameTextAsTheExpression() {
        var headers = ["", "fr", "fr (French), en;q=0.5", "(a(b)c)", "((x)", "(", ")", "a(b", "a)b(c", "(é)s, es",
                       "de (\u{301})fr", "(\u{301}", "en (unclosed, fr;q=0.9", "(x)(y)(z)es", "es)(", "(()))"]
        var generator = SystemRandomNumberGenerator()
        let pieces = ["(", ")", "fr", "en", "es", ";q=0.5", ",", " ", "é", "\u{301}", "x", "\u{1F600}"]
        for _ in 0..<2_000 {
            headers.append((0..<Int.random(in: 0...14, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for header in headers {
            #expect(Language.uncommented(header) == byExpression(header), "\(header.debugDescription)")
        }
        #expect(Language(acceptLanguage: "de (Deutsch), es;q=0.8 (Spanish), fr;q=0.7") == .es)
        #expect(Language(acceptLanguage: "(en) fr") == .fr)
    }
}
