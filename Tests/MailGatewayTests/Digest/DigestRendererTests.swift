import Foundation
import MailGateway
import Testing
import TestSupport
@testable import Digest

@Suite("Digest renderer")
struct DigestRendererTests {
    static let formats = DigestContent.Format.allCases
    static let cases: [(DigestContent.Format, Language)] = formats.flatMap { f in Language.allCases.map { (f, $0) } }

    static func render(_ format: DigestContent.Format, _ language: Language,
                       threads: [DigestContent.Thread] = DigestFixtures.threads) throws -> [[UInt8]] {
        try DigestFixtures.renderer().render(DigestFixtures.content(format, language, threads: threads),
                                             messageID: DigestFixtures.messageID, date: DigestFixtures.date)
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    @Test(arguments: cases)
    func headersAreTheListsNeverTheAuthors(format: DigestContent.Format, language: Language) throws {
        let parsed = try MessageParser.parse(Self.render(format, language)[0])
        #expect(parsed.from == [MailAddress(name: "Collège Recherche", address: "college-research@lists.example.org")])
        #expect(parsed.to == [MailAddress(name: "Núria Ferré", address: "nuria@example.es")])
        #expect(parsed.messageID == DigestFixtures.messageID)
        #expect(parsed.date == DigestFixtures.date)
        #expect(parsed.subject.hasPrefix("[Recherche] "))
        #expect(parsed.subject.contains("42"))
        #expect(parsed.subject.contains(language == .es ? "Resumen" : "Digest"))
        #expect(parsed.header("List-Id") == "\"Collège Recherche\" <college-research.lists.example.org>"
            || parsed.header("List-Id")?.hasSuffix("<college-research.lists.example.org>") == true)
        #expect(parsed.header("List-Post") == "<mailto:college-research@lists.example.org>")
        #expect(parsed.header("List-Help") == "<mailto:college-research+help@lists.example.org>")
        #expect(parsed.header("List-Unsubscribe") == "<mailto:college-research+leave@lists.example.org>")
        #expect(parsed.header("Precedence") == "list")
        #expect(parsed.header("Auto-Submitted") == "auto-generated")
        #expect(parsed.header("X-Auto-Response-Suppress") == "All")
        #expect(parsed.header("MIME-Version") == "1.0")
        #expect(parsed.problems.isEmpty, "\(parsed.problems)")
    }

    @Test(arguments: Language.allCases)
    func subjectDateIsInTheMembersLanguage(language: Language) throws {
        let subject = try MessageParser.parse(Self.render(.mime, language)[0]).subject
        let expected = ["fr": "6 décembre 2026", "en": "6 December 2026", "es": "6 de diciembre de 2026"][language.rawValue]!
        #expect(subject.contains(expected), "\(subject)")
    }

    @Test(arguments: cases)
    func noLineOver998OctetsAndQuotedPrintableLinesWithin76(format: DigestContent.Format, language: Language) throws {
        let bytes = try Self.render(format, language)[0]
        let lines = DigestOutput.lines(bytes)
        #expect(lines.allSatisfy { $0.count <= 1000 })
        #expect(lines.dropLast().allSatisfy { $0.last == 13 }, "every line ends with CRLF")
        let bodies = format == .rfc2046 ? Array(DigestOutput.partBodies(bytes).prefix(1)) : [bytes]
        for body in bodies {
            let start = format == .rfc2046 ? 0 : (DigestOutput.string(body).range(of: "\r\n\r\n").map {
                DigestOutput.string(body).utf8.distance(from: DigestOutput.string(body).startIndex, to: $0.upperBound)
            } ?? 0)
            for line in DigestOutput.lines(Array(body[start...])) {
                #expect(line.count <= 77, "\(DigestOutput.string(Array(line)))")  // 76 + CR
            }
        }
    }

    @Test(arguments: Language.allCases)
    func htmlEscapesEverySubjectAndAuthorAndHoldsNoActiveContent(language: Language) throws {
        for format in [DigestContent.Format.mime, .summary] {
            let parsed = try MessageParser.parse(Self.render(format, language)[0])
            let html = try #require(parsed.html)
            let text = try #require(parsed.text)
            for thread in DigestFixtures.threads {
                #expect(html.contains(Self.escaped(thread.subject)), "\(format) \(thread.subject)")
                #expect(text.contains(thread.subject))
                for item in thread.items {
                    #expect(html.contains(Self.escaped(item.author.name!)) || item.sentSeparately, "\(item.author)")
                    if format == .mime { #expect(html.contains(Self.escaped(item.subject))) }
                }
            }
            #expect(!html.contains("<script"))
            #expect(!html.contains("<img"))
            #expect(!html.lowercased().contains("src=\""))
            #expect(!html.contains("<link"))
            #expect(!html.contains("<b>"))
            #expect(html.contains("max-width:600px"))
            #expect(html.contains("width:100%"))
            if format == .summary {
                #expect(!html.contains("Montpellier"), "a summary shows no body")
            }
        }
    }

    @Test(arguments: Language.allCases)
    func digestTrimsQuotesAndSignaturesAndListsAttachments(language: Language) throws {
        let parsed = try MessageParser.parse(Self.render(.mime, language)[0])
        let text = try #require(parsed.text)
        let html = try #require(parsed.html)
        for body in [text, html] {
            #expect(body.contains("Merci Marie, je serai là."))
            #expect(!body.contains("a écrit"))
            #expect(!body.contains("wrote:"))
            #expect(!body.contains("escribió"))
            #expect(!body.contains("sent from my phone"))
            #expect(!body.contains("UMR Eco"))
            #expect(body.contains("ordre du jour été.pdf"))
            #expect(body.contains("application/pdf"))
            #expect(body.contains(language == .fr ? "240 Ko" : "240 KB"))
            #expect(!body.contains("L'appel est ouvert"), "an announcement is listed by subject only")
        }
        let separately = ["fr": "envoyé séparément", "en": "sent separately", "es": "enviado por separado"][language.rawValue]!
        #expect(text.contains("Appel à projets 2027 : ouverture (\(separately))"))
        #expect(html.contains(separately))
    }

    @Test
    func replyLinkDecodesToTheThreadHeaders() throws {
        let html = try #require(try MessageParser.parse(Self.render(.mime, .en)[0]).html)
        let all = html.components(separatedBy: "href=\"mailto:").dropFirst()
            .map { String($0.prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&") }
        let posts = DigestFixtures.threads.flatMap(\.items).filter { !$0.sentSeparately }
        // Each item has its Reply link and its "get" link (DG-12), in that order.
        let links = all.filter { !$0.contains("+get.") }
        let gets = all.filter { $0.contains("+get.") }
        try #require(links.count == posts.count && gets.count == posts.count)
        #expect(gets == posts.map { "college-research+get.\($0.messageRowID)@lists.example.org?subject=get" })
        for (link, post) in zip(links, posts) {
            let query = try #require(link.split(separator: "?", maxSplits: 1).last)
            #expect(link.hasPrefix("college-research@lists.example.org?"))
            var fields: [String: String] = [:]
            for pair in query.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                fields[String(kv[0])] = DigestOutput.percentDecode(kv[1])
            }
            let subject = post.subject.hasPrefix("Re: ") ? post.subject : "Re: " + post.subject
            #expect(fields["subject"] == subject)
            #expect(fields["In-Reply-To"] == "<\(post.messageID)>")
            #expect(fields["References"] == (post.references + [post.messageID]).map { "<\($0)>" }.joined(separator: " "))
            #expect(!link.contains(" "))
        }
    }

    @Test(arguments: Language.allCases)
    func rfc1153PlainDigest(language: Language) throws {
        let parsed = try MessageParser.parse(Self.render(.plain, language)[0])
        #expect(parsed.contentType.hasPrefix("text/plain"))
        let text = try #require(parsed.text)
        let topics = ["fr": "Sujets du jour :", "en": "Today's Topics:", "es": "Temas de hoy:"][language.rawValue]!
        #expect(text.contains(topics))
        #expect(text.contains("Volume 2026") || text.contains("Volumen 2026"))
        #expect(text.contains(String(repeating: "-", count: 70)))
        let separator = "\n" + String(repeating: "-", count: 30) + "\n"
        #expect(text.components(separatedBy: separator).count == 6, "5 posts, each followed by 30 dashes")
        #expect(text.contains("\n " + String(repeating: "-", count: 30) + "\n"), "a body's own 30 dashes are shifted")
        #expect(text.contains("Subject: \(DigestFixtures.hostileSubject)"))
        #expect(text.contains("From: José Martínez Núñez <jose@csic.es>"))
        #expect(text.contains("Date: Sat, 5 Dec 2026 06:00:00 +0000"))
        #expect(text.contains("Collège Recherche Digest, Volume 2026") || text.contains("Collège Recherche Resumen, Volumen 2026"))
    }

    @Test(arguments: Language.allCases)
    func rfc2046PartsAreTheExactPosts(language: Language) throws {
        let bytes = try Self.render(.rfc2046, language)[0]
        let parsed = try MessageParser.parse(bytes)
        #expect(parsed.contentType.hasPrefix("multipart/digest"))
        let parts = DigestOutput.partBodies(bytes)
        let posts = DigestFixtures.threads.flatMap(\.items).filter { !$0.sentSeparately }
        try #require(parts.count == posts.count + 1)
        #expect(DigestOutput.string(parts[0]).contains("Soil") == false)
        for (part, post) in zip(parts.dropFirst(), posts) {
            #expect(part == LineEndings.crlf(post.raw), "\(post.messageID)")
        }
        #expect(posts[0].raw != LineEndings.crlf(posts[0].raw), "the fixture has one LF-only post")
    }

    @Test
    func rfc2046BoundaryAvoidsOneAPostHolds() throws {
        let first = try Self.render(.rfc2046, .en)[0]
        let boundary = try #require(DigestOutput.boundary(first))
        var threads = DigestFixtures.threads
        threads[0].items[0].raw = Array("Subject: trap\r\n\r\n--\(boundary)\r\n".utf8)
        let bytes = try Self.render(.rfc2046, .en, threads: threads)[0]
        #expect(DigestOutput.boundary(bytes) != boundary)
        #expect(DigestOutput.partBodies(bytes)[1] == threads[0].items[0].raw)
    }

    @Test(arguments: [DigestContent.Format.mime, .plain, .rfc2046])
    func sixtyPostsMakeThreePartsNoneLostOrRepeated(format: DigestContent.Format) throws {
        let messages = try Self.render(format, .fr, threads: DigestFixtures.many(60))
        try #require(messages.count == 3)
        var seen: [Int] = []
        for (index, message) in messages.enumerated() {
            let parsed = try MessageParser.parse(message)
            #expect(parsed.messageID == DigestRenderer.messageID(DigestFixtures.messageID, part: index + 1))
            #expect(parsed.subject.hasSuffix("(\(index + 1)/3)"), "\(parsed.subject)")
            let body = format == .rfc2046 ? DigestOutput.string(message) : (parsed.text ?? "")
            let markers = body.components(separatedBy: "marker-").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
            #expect(markers.count <= 25)
            seen += markers
        }
        #expect(seen == Array(1...60))
        #expect(DigestRenderer.messageID("abc@host", part: 2) == "abc.2@host")
    }

    @Test
    func threadsAreNotSplitUnlessOneAlonePassesTheLimit() throws {
        var threads = DigestFixtures.many(20)
        let ten = DigestFixtures.many(10, oneThread: true)[0]
        threads.append(DigestContent.Thread(threadID: 99, subject: "Ten", items: ten.items))
        let parts = DigestPartition.parts(threads, withBody: true)
        #expect(parts.map { $0.flatMap(\.items).count } == [20, 10])
        let long = DigestPartition.parts(DigestFixtures.many(30, oneThread: true), withBody: true)
        #expect(long.map { $0.flatMap(\.items).count } == [25, 5])
        let big = DigestFixtures.item(1, id: "big@x", subject: "Big", author: DigestFixtures.marie, minutes: 0,
                                      text: String(repeating: "word ", count: 20_000))
        let heavy = DigestPartition.parts([DigestContent.Thread(threadID: 1, subject: "Big", items: [big, big, big])],
                                          withBody: true)
        #expect(heavy.count == 3, "about 90 KB of HTML each")
    }

    @Test
    func htmlOfEachMessageStaysNear90KB() throws {
        let posts = (1...5).map { n in
            DigestFixtures.item(Int64(n), id: "long-\(n)@x", subject: "Long \(n)", author: DigestFixtures.jose,
                                minutes: Double(n), text: "marker-\(n)-end\n" + String(repeating: "données ", count: 4_000))
        }
        let messages = try Self.render(.mime, .es, threads: [DigestContent.Thread(threadID: 1, subject: "Long", items: posts)])
        #expect(messages.count == 3)
        var seen: [Int] = []
        for message in messages {
            let html = try #require(try MessageParser.parse(message).html)
            #expect(html.utf8.count <= 100_000, "\(html.utf8.count)")
            seen += html.components(separatedBy: "marker-").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
        }
        #expect(seen == Array(1...5))
    }

    @Test
    func everyDigestTemplateExistsInEveryLanguage() throws {
        for language in Language.allCases {
            for name in DigestTemplates.Name.allCases {
                let path = "\(DigestFixtures.templates)/\(language.rawValue)/\(name.rawValue).mustache"
                #expect(FileManager.default.fileExists(atPath: path), "\(path)")
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: "\(DigestFixtures.templates)/\(language.rawValue)")
            let digestFiles = Set(files.filter { $0.hasPrefix("digest-") })
            #expect(digestFiles == Set(DigestTemplates.Name.allCases.map { "\($0.rawValue).mustache" }))
        }
        #expect(TemplateCheck.problems(in: DigestFixtures.templates).isEmpty)
    }

    @Test
    func aMissingTemplateIsAnError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("digest-tpl-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: DigestFixtures.templates, toPath: dir.path)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.removeItem(atPath: dir.appendingPathComponent("es/digest-plain.txt.mustache").path)
        #expect(throws: DigestTemplateError.self) { try DigestRenderer(templatesDirectory: dir.path) }
    }

    @Test
    func quoteAndSignatureTrimming() {
        #expect(DigestBodyText.trimmed("Yes.\n\nOn Mon, Ann wrote:\n> a\n> b\n\nBye\n-- \nAnn") == "Yes.\n\nBye")
        #expect(DigestBodyText.trimmed("Oui.\nLe lundi 1 déc., Ann a écrit :\n\n> a") == "Oui.")
        #expect(DigestBodyText.trimmed("Sí.\nEl lun, Ann escribió:\n> a") == "Sí.")
        #expect(DigestBodyText.trimmed("On the other hand, I wrote:\nnothing quoted") == "On the other hand, I wrote:\nnothing quoted")
        #expect(DigestBodyText.trimmed("> only a quote") == "> only a quote")
        #expect(DigestBodyText.html("a <b>\nc\n\nd & e") == "<p style=\"margin:0 0 12px 0;\">a &lt;b&gt;<br>\nc</p>\n<p style=\"margin:0 0 12px 0;\">d &amp; e</p>")
    }
}
