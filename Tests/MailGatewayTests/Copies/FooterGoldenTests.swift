import Foundation
import Testing
@testable import MailGateway
import TestSupport

/// Where the footer goes, body type by body type, against golden copies (`Tests/Fixtures/copies/<name>.in.eml`
/// composed to `<name>.out.eml`; `MAILGATEWAY_UPDATE_GOLDEN=1` rewrites them — review the diff before
/// committing). Single text/plain posts keep one part (Outlook shows a second text part as an attachment);
/// only HTML, alternative and signed posts are wrapped.
@Suite("Footer placement golden files")
struct FooterGoldenTests {
    static let update = ProcessInfo.processInfo.environment["MAILGATEWAY_UPDATE_GOLDEN"] == "1"
    static let directory = Corpora.repositoryRoot.appendingPathComponent("Tests/Fixtures/copies")
    static let footer = "-- \nListe « Producteurs » : producers@lists.example.org\nPour répondre à tout le groupe : « Répondre à tous »."
    static let list = ListIdentity(id: "producers", name: "Producteurs", address: "producers@lists.example.org",
                                   language: .fr, subjectPrefix: "[Producteurs]", fromRewrite: .never, webBaseURL: nil)

    /// name → (the original text, decoded, that must survive; whether the copy stays a single text/plain part)
    static let cases: [(String, String, Bool)] = [
        ("utf8-8bit", "el pastoreo rotativo funcionó.", true),
        ("ascii-7bit", "see the data = 42.", true),
        ("no-content-type", "Plain old mail", true),
        ("latin1-8bit", "Réunion à Montpellier", true),
        ("windows1252-qp", "“Guillemets” et été € 10\nune ligne très longue", true),
        ("base64-utf8", "Données jointes\nà lire.", true),
        ("html-only", "Bonjour à tous", false),
        ("alternative", "Hi", false),
        ("signed", "signed text", false),
        ("attachment-only", "notes", false),
    ]

    static func compose(_ name: String) throws -> (input: [UInt8], output: [UInt8]) {
        let url = directory.appendingPathComponent("\(name).in.eml")
        let input = try Array(Data(contentsOf: url))
        let parsed = try MessageParser.parse(input)
        let output = OutgoingComposer(list: list, footer: footer)
            .compose(raw: input, subject: parsed.subject, author: parsed.from.first).shared
        return (input, output)
    }

    @Test(arguments: cases)
    func matchesGolden(name: String, originalText: String, staysSinglePart: Bool) throws {
        let (_, output) = try Self.compose(name)
        let url = Self.directory.appendingPathComponent("\(name).out.eml")
        if Self.update { try Data(output).write(to: url) }
        let golden = try #require(FileManager.default.contents(atPath: url.path), "run with MAILGATEWAY_UPDATE_GOLDEN=1")
        #expect(Array(golden) == output, "\(name) differs from its golden copy")

        // What a reader sees, independently of the golden bytes.
        let parsed = try MessageParser.parse(output)
        let type = ContentType(headerValue: RawMessage(output).field("Content-Type")?.unfolded)
        if staysSinglePart {
            #expect(type.mimeType == "text/plain", "\(name)")
            let text = try #require(parsed.text)
            #expect(text.contains(originalText), "\(name): \(text)")
            #expect(text.contains("Liste « Producteurs » : producers@lists.example.org"), "\(name)")
            #expect(text.hasSuffix("« Répondre à tous ».\n") || text.hasSuffix("« Répondre à tous ».\r\n"), "\(name)")
        } else {
            #expect(type.mimeType == "multipart/mixed", "\(name)")
        }
        // The wire is 7-bit unless the original already had 8-bit bytes; lines stay under 998 octets.
        let input = try Self.compose(name).input
        if !input.contains(where: { $0 >= 0x80 }) { #expect(!output.contains { $0 >= 0x80 }, "\(name)") }
        #expect(output.split(separator: 10).allSatisfy { $0.count < 998 })
    }

    @Test func reencodingKeepsFormatFlowedAndLabelsUTF8() throws {
        let (_, output) = try Self.compose("ascii-7bit")
        let fields = RawMessage(output)
        #expect(fields.field("Content-Type")?.unfolded == "text/plain; charset=utf-8; format=flowed")
        #expect(fields.field("Content-Transfer-Encoding")?.unfolded == "quoted-printable")
        // The flowed line's trailing space survives (=20 in quoted-printable).
        #expect(String(decoding: output, as: UTF8.self).contains("Hello all,=20\r\n"))
    }
}
