import Foundation
import Testing
@testable import MailGateway

@Suite("Email commands: the lines read (CM-2)")
struct CommandTextTests {
    @Test(arguments: [
        ("Re: unsubscribe", "unsubscribe"), ("RE: Re: TR: aide", "aide"), ("Réf. : désabonner", "désabonner"),
        ("RV: ayuda", "ayuda"), ("AW: Fwd: help", "help"), ("Fw: join digest", "join digest"),
        ("Re[2]: leave", "leave"), ("TR : Re : lang fr", "lang fr"), ("  help  ", "help"),
        ("Reunion: agenda", "Reunion: agenda"), ("re", "re"),
    ])
    func subjectPrefixesAreSkipped(subject: String, expected: String) {
        #expect(CommandText.subjectLine(subject) == expected)
    }

    @Test func atMostTenNonBlankBodyLines() {
        let body = (1...15).map { "help \($0)" }.joined(separator: "\n\n")
        let lines = CommandText.lines(of: ParsedMessage(messageID: "m@x", subject: "", text: body))
        #expect(lines.count == 10)
        #expect(lines.first == "help 1" && lines.last == "help 10")
    }

    @Test(arguments: [
        "leave\n-- \nMarie Dupont\nunsubscribe",
        "leave\n--\nhelp",
        "leave\n> help\n> join",
        "leave\nOn Mon, 1 Dec 2026 at 10:00, Marie Dupont <marie@inrae.fr> wrote:\nhelp",
        "leave\nOn Mon, 1 Dec 2026 at 10:00, Marie Dupont <\nmarie@inrae.fr> wrote:\nhelp",
        "leave\nLe 06/12/2026 à 10:00, Marie Dupont a écrit :\nhelp",
        "leave\nLe lun. 1 déc. 2026 à 10:00, Marie <m@x.fr> a écrit\u{00A0}:\nhelp",
        "leave\nEl lun, 1 dic 2026 a las 10:00, Ana García (<ana@mapa.es>) escribió:\nhelp",
        "leave\nAm 01.12.2026 um 10:00 schrieb Hans Müller:\nhelp",
        "leave\n-----Original Message-----\nhelp",
        "leave\n-----Message d'origine-----\nhelp",
        "leave\n________________________________\nhelp",
        "leave\nFrom: Marie Dupont <marie@inrae.fr>\nSent: Monday, December 1, 2026 10:00\nhelp",
        "leave\nDe : Marie Dupont <marie@inrae.fr>\nEnvoyé : lundi 1 décembre 2026 10:00\nÀ : liste\nhelp",
        "leave\nDe: Ana <ana@mapa.es>\nEnviado: lunes\nhelp",
        "leave\nSent from my iPhone\nhelp",
        "leave\nEnvoyé de mon iPhone\nhelp",
    ])
    func readingStopsAtSignaturesQuotesAndAttributions(body: String) {
        let lines = CommandText.lines(of: ParsedMessage(messageID: "m@x", subject: "", text: body))
        #expect(lines == ["leave"], "\(body)")
        #expect(CommandParser.parse(ParsedMessage(messageID: "m@x", subject: "", text: body)).commands == [.leave])
    }

    @Test func aFromLineThatIsNotAHeaderBlockIsRead() {
        let lines = ReplyLines.lines(of: "From: the secretariat, a question\nhelp", limit: 10)
        #expect(lines == ["From: the secretariat, a question", "help"])
    }

    @Test func htmlOnlyMailIsReadFromItsRenderedText() {
        let html = "<html><body><p>D&eacute;sabonner</p><div>merci</div><blockquote>help</blockquote></body></html>"
        // As the parser delivers it (`text` rendered from the HTML part)...
        let parsed = ParsedMessage(messageID: "m@x", subject: "", text: HTMLText.render(html),
                                   textIsDerivedFromHTML: true, html: html, contentType: "text/html")
        let r = CommandParser.parse(parsed)
        #expect(r.commands == [.leave] && r.endedByKeyword && r.language == .fr)
        // ...and when only the HTML is there.
        let bare = ParsedMessage(messageID: "m@x", subject: "", html: html, contentType: "text/html")
        #expect(CommandParser.parse(bare).commands == [.leave])
    }

    @Test func aWholeMessageThroughTheParser() throws {
        let raw = """
        From: Ana <ana@mapa.es>\r
        To: recherche+request@lists.example.org\r
        Subject: =?UTF-8?Q?RV=3A_Suscripci=C3=B3n?=\r
        Message-ID: <c1@mapa.es>\r
        Content-Type: text/plain; charset=utf-8\r
        Content-Transfer-Encoding: quoted-printable\r
        \r
        Hola,\r
        \r
        darse de baja\r
        idioma es\r
        \r
        Saludos\r
        --=20\r
        Ana Garc=C3=ADa\r
        \r
        El lun, 1 dic 2026 a las 10:00, Lista (<recherche@lists.example.org>) escribi=C3=B3:\r
        > join\r
        """
        let parsed = try MessageParser.parse(Array(raw.utf8))
        let r = CommandParser.parse(parsed)
        #expect(r.commands == [.leave, .language(.es)])
        #expect(r.language == .es)
        #expect(r.notUnderstood == ["Hola,", "Saludos"])
    }
}

@Suite("Email commands: the command an address implies (CM-1)")
struct EmailCommandRouteTests {
    @Test(arguments: [
        (InboundRoute.join(mode: nil), EmailCommand?.some(.join(mode: nil, address: nil))),
        (.join(mode: "digest"), .join(mode: .digest, address: nil)), (.join(mode: "plain"), .join(mode: .digestPlain, address: nil)),
        (.join(mode: "weekly"), nil), (.leave, .leave), (.help, .help),
        (.set(mode: "each"), .set(.mode(.immediate))), (.set(mode: "nomail"), .set(.mode(.none))),
        (.set(mode: "digest-mime"), .set(.mode(.digestMIME))), (.set(mode: "bogus"), nil),
        (.lang(code: "es"), .language(.es)), (.lang(code: "de"), nil),
        (.post, nil), (.request, nil), (.confirm(token: "abc"), nil), (.owner, nil), (.bounce(token: nil), nil),
        (.unknown(detail: "x"), nil),
    ] as [(InboundRoute, EmailCommand?)])
    func routes(route: InboundRoute, command: EmailCommand?) {
        #expect(EmailCommand(route: route) == command)
    }
}
