import Testing
@testable import MailGateway

/// RFC 5321 addresses where they enter, the one comparison key, VERP within 64 octets, the SMTP envelope guard.
@Suite("Address syntax")
struct AddressSyntaxTests {
    @Test("accepted addresses", arguments: [
        "marie.dupont@inrae.fr", "Marie.Dupont@INRAE.fr", "a+tag@example.org", "o'brien@example.co.uk",
        "x_y-z!#$%&*/=?^`{|}~@sub.example.org", "user@xn--exmple-cua.org",
        String(repeating: "a", count: 64) + "@example.org",
    ])
    func accepted(_ address: String) {
        #expect(AddressSyntax.problem(address) == nil)
    }

    @Test("refused addresses, each with its reason", arguments: [
        ("del\u{7F}x@example.org", AddressSyntax.Problem.controlCharacter(0x7F)),
        ("nel\u{85}x@example.org", .controlCharacter(0x85)),
        ("cr\rlf@example.org", .controlCharacter(0x0D)),
        ("x@y.example\r\nRCPT TO:<injected@evil.example", .controlCharacter(0x0D)),
        ("nul\u{0}@example.org", .controlCharacter(0)),
        ("ana@exämple.org", .nonASCII),
        ("anä@example.org", .nonASCII),
        ("\"john doe\"@example.org", .quotedLocalPart),
        (String(repeating: "a", count: 65) + "@example.org", .localPartTooLong(65)),
        ("a..b@example.org", .invalidLocalPart),
        (".a@example.org", .invalidLocalPart),
        ("a b@example.org", .invalidLocalPart),
        ("a<b@example.org", .invalidLocalPart),
        ("user@localhost", .invalidDomain),
        ("user@-bad.example", .invalidDomain),
        ("user@[127.0.0.1]", .invalidDomain),
        ("no-at-sign", .missingAt),
        ("", .empty),
    ])
    func refused(_ address: String, _ problem: AddressSyntax.Problem) {
        #expect(AddressSyntax.problem(address) == problem)
        #expect(!PartnerRegister.isPlausibleAddress(address))
        #expect(!"\(problem)".contains(address) || address.isEmpty, "the reason never repeats the address")
    }

    @Test("an address over 254 octets is refused for its length")
    func tooLong() {
        let domain = (0..<4).map { _ in String(repeating: "d", count: 60) }.joined(separator: ".") + ".org"
        #expect(AddressSyntax.problem("user.name1@\(domain)") == .tooLong(11 + domain.utf8.count))
    }

    @Test("one key for every comparison: the whole address without case")
    func canonicalKey() {
        #expect(MailAddress(address: "Marie.Dupont@INRAE.fr").normalized == "marie.dupont@inrae.fr")
        #expect(MailAddress(address: "VICTIM@target.example").normalized == MailAddress(address: "victim@Target.Example").normalized)
    }

    @Test("per-copy VERP: an opaque keyed token, within 64 octets for the longest list local part and a large copy id")
    func verpLength() {
        let key: [UInt8] = Array(repeating: 7, count: 32)
        let list = "college-research@lists.4p1000.org"
        let sender = BounceEnvelope(listAddress: list, key: key).address(copyID: 42)
        #expect(sender.hasPrefix("college-research+bounce.") && sender.hasSuffix("@lists.4p1000.org"))
        #expect(AddressSyntax.isValid(sender))
        // Keyed: another key, another token; never the recipient's address.
        #expect(BounceToken(copyID: 42, key: key) != BounceToken(copyID: 42, key: Array(repeating: 8, count: 32)))
        // The longest list local part the configuration accepts still fits, up to copy id 2^35 - 1.
        let longList = String(repeating: "l", count: VERP.maxListLocalPart) + "@lists.example.org"
        let s = BounceEnvelope(listAddress: longList, key: key).address(copyID: (1 << 35) - 1)
        #expect(s[..<s.lastIndex(of: "@")!].utf8.count == 64)
        #expect(AddressSyntax.isValid(s))
    }

    @Test("the SMTP guard refuses CR, LF, NUL and brackets in an envelope address")
    func envelopeGuard() {
        for bad in ["a\r\n@b.example", "a\n@b.example", "a\0@b.example", "a@b.example>\r\nRCPT TO:<c@d.example", "a>@b.example"] {
            #expect(!SMTPError.isSafeEnvelopeAddress(bad))
        }
        #expect(SMTPError.isSafeEnvelopeAddress("college-research-bounces+ana=embrapa.br@lists.4p1000.org"))
        #expect(SMTPError.isSafeEnvelopeAddress(""), "the null reverse-path of notices")
    }
}
