import Foundation
import Testing
@testable import MailGateway

/// The list copy's subject: prefix once at the start, stacked reply markers collapsed to one `Re:`.
@Suite struct ListSubjectTests {
    @Test(arguments: [
        ("Soil carbon data", "[Recherche] Soil carbon data"),
        ("Re: Soil carbon data", "[Recherche] Re: Soil carbon data"),
        ("RE : Re: Protocole MRV", "[Recherche] Re: Protocole MRV"),
        ("[Recherche] RE : Re: Protocole MRV", "[Recherche] Re: Protocole MRV"),
        ("Re: [Recherche] Re: Protocole", "[Recherche] Re: Protocole"),
        ("AW: SV: VS: Antw: Messung", "[Recherche] Re: Messung"),
        ("Re[2]: Re(3): x", "[Recherche] Re: x"),
        ("Réf. : compte rendu", "[Recherche] Re: compte rendu"),
        ("[recherche] already", "[Recherche] already"),
        ("Fwd: Re: x", "[Recherche] Fwd: Re: x"),
        ("TR: Re: x", "[Recherche] TR: x".replacingOccurrences(of: "TR: x", with: "TR: Re: x")),
        ("Re: Fwd: Re: x", "[Recherche] Re: Fwd: Re: x"),
        ("Rebuild the database", "[Recherche] Rebuild the database"),
        ("Area: soils", "[Recherche] Area: soils"),
        ("", "[Recherche]"),
        ("Re:", "[Recherche] Re:"),
        ("Relevé [Recherche] des sols", "[Recherche] Relevé des sols"),
    ])
    func withPrefix(original: String, expected: String) {
        #expect(ListSubject.make(original, prefix: "[Recherche]") == expected)
    }

    @Test(arguments: [
        ("RE : Re: x", "Re: x"),
        ("x", "x"),
        ("Re: x", "Re: x"),
    ])
    func withoutPrefix(original: String, expected: String) {
        #expect(ListSubject.make(original, prefix: nil) == expected)
    }

    /// The copy's Subject field, with every encoded-word line within RFC 2047's 76 characters.
    @Test func copiesCarryTheCleanSubjectFoldedWithin76() {
        let list = ListIdentity(id: "research", name: "Instituts de recherche et d'enseignement — collège",
                                address: "college-research@lists.example.org", language: .fr,
                                subjectPrefix: "[Recherche]", fromRewrite: .always, webBaseURL: nil)
        let subject = "RE : Re: Protocole MRV : échantillonnage du carbone organique des sols (0-30 cm) à Montpellier"
        let raw = Array("From: Amélie Nguyen <amelie@ird.example>\r\nSubject: x\r\n\r\nbody\r\n".utf8)
        let out = OutgoingComposer(list: list, footer: nil)
            .compose(raw: raw, subject: subject, author: MailAddress(name: "Amélie Nguyen", address: "amelie@ird.example"))
            .shared
        let header = String(decoding: out, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        for line in header.components(separatedBy: "\r\n") where line.contains("=?") {
            #expect(line.count <= 76, "\(line)")
        }
        let parsed = try? MessageParser.parse(out)
        #expect(parsed?.subject == "[Recherche] Re: Protocole MRV : échantillonnage du carbone organique des sols (0-30 cm) à Montpellier")
    }
}
