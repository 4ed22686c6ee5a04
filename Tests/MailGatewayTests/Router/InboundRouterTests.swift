import Foundation
import Testing
@testable import MailGateway

@Suite("Inbound router: the address a message was delivered to says what it is (CM-1)")
struct InboundRouterTests {
    let router = InboundRouter(addresses: ListAddresses(address: "college-research@lists.example.org"))

    func message(_ headers: [(String, String)]) -> ParsedMessage {
        ParsedMessage(messageID: "x@example.org", subject: "s", from: [MailAddress(address: "a@example.org")],
                      headers: headers.map { MessageHeader(name: $0.0, value: $0.1) }, contentType: "text/plain")
    }

    @Test("every subaddress and legacy spelling has its route; other addresses are not the list's",
          arguments: [
              ("college-research@lists.example.org", InboundRoute.post),
              ("College-Research@Lists.Example.ORG", .post),
              ("college-research+request@lists.example.org", .request),
              ("college-research+join@lists.example.org", .join(mode: nil)),
              ("college-research+join.digest@lists.example.org", .join(mode: "digest")),
              ("college-research+leave@lists.example.org", .leave),
              ("college-research+set.nomail@lists.example.org", .set(mode: "nomail")),
              ("college-research+lang.es@lists.example.org", .lang(code: "es")),
              ("college-research+help@lists.example.org", .help),
              ("college-research+confirm.abcdefghijklmnopqrstuvwxyz@lists.example.org",
               .confirm(token: "abcdefghijklmnopqrstuvwxyz")),
              ("college-research+owner@lists.example.org", .owner),
              ("college-research+bounce.t0k@lists.example.org", .bounce(token: "t0k")),
              ("college-research+whatever@lists.example.org", .unknown(detail: "whatever")),
              ("college-research+set@lists.example.org", .unknown(detail: "set")),
              ("college-research-request@lists.example.org", .request),
              ("college-research-owner@lists.example.org", .owner),
              ("college-research-bounces@lists.example.org", .bounce(token: nil)),
              ("college-research-bounces+marie=inrae.fr@lists.example.org", .bounce(token: "marie=inrae.fr")),
              ("college-research-confirm+abc@lists.example.org", .confirm(token: "abc")),
          ])
    func routes(address: String, expected: InboundRoute) {
        #expect(router.route(address: address) == expected)
    }

    @Test("addresses of another list or domain, or a longer local part, are not this list's")
    func foreignAddresses() {
        #expect(router.route(address: "college-research@other.example") == nil)
        #expect(router.route(address: "college-researchers@lists.example.org") == nil)
        #expect(router.route(address: "interface-knowledge+join@lists.example.org") == nil)
        #expect(router.route(address: "college-research-unknown@lists.example.org") == nil)
    }

    @Test("Delivered-To wins over To; only its first instance counts; then X-Original-To, Envelope-To, To, Cc")
    func headerOrder() {
        let dovecot = message([("Delivered-To", "college-research+join@lists.example.org"),
                               ("Delivered-To", "college-research+leave@lists.example.org"),
                               ("To", "College Research <college-research@lists.example.org>")])
        #expect(router.route(dovecot).route == .join(mode: nil))
        #expect(router.route(dovecot).address == "college-research+join@lists.example.org")
        // A Delivered-To naming another address (an alias upstream) does not decide; X-Original-To does.
        let postfix = message([("Delivered-To", "archive@elsewhere.example"),
                               ("X-Original-To", "college-research+help@lists.example.org"),
                               ("To", "college-research@lists.example.org")])
        #expect(router.route(postfix).route == .help)
        let cc = message([("To", "\"Smith, J. <x@y>\" <someone@example.org>, other@example.org"),
                          ("Cc", "(comment) college-research+owner@lists.example.org")])
        #expect(router.route(cc).route == .owner)
        // Nothing names the list (Bcc): a post.
        let bcc = message([("To", "undisclosed-recipients:;")])
        #expect(router.route(bcc).route == .post)
        #expect(router.route(bcc).address == nil)
    }

    @Test("a To field with quoted names, folded lines and group syntax yields its addresses")
    func addressParsing() {
        #expect(InboundRouter.addresses(in: "\"Dupont, Marie\" <marie@inrae.fr>,\r\n\tjose@cirad.fr") ==
                ["marie@inrae.fr", "jose@cirad.fr"])
        #expect(InboundRouter.addresses(in: "Team: a@b.example, c@d.example;") == ["a@b.example", "c@d.example"])
    }

    @Test("names outside ASCII, comments and quoted @ are skipped; a candidate with a space is no address")
    func addressParsingBeyondASCII() {
        #expect(InboundRouter.addresses(in: "José Müller (bureau@x.example) <josé@cirad.fr>, \"a@b\" <c@d.example>") ==
                ["josé@cirad.fr", "c@d.example"])
        #expect(InboundRouter.addresses(in: "Émile <not an@address.example>; \u{00A0}zoé@inrae.fr\u{00A0}, plain") ==
                ["zoé@inrae.fr"])
        #expect(InboundRouter.addresses(in: "(unclosed comment a@b.example") == [])
        // Delimiters are octets: a combining mark after a comma or a quote does not hide it. (A Character scan sees
        // `,\u{301}` and `"\u{301}` as other characters: it found one address, the whole value, in the first, and
        // `m@x.example` in the second, where the quote opened here runs to the end.)
        #expect(InboundRouter.addresses(in: "a@b.example,\u{301}c@d.example") == ["a@b.example", "\u{301}c@d.example"])
        #expect(InboundRouter.addresses(in: "x\"\u{301} <m@x.example>, \"") == [])
    }
}
