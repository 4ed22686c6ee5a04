import Foundation
import GRDB
import Logging
import Testing
@testable import MailGateway
import TestSupport

/// Every list copy says, in its reader's language, why they receive it and how to leave, switch or pause (by the
/// list's subaddresses); the RFC 2369 fields name those subaddresses; one body per reader language is stored.
@Suite("Footer in the reader's language")
struct ReaderFooterTests {
    static let authserv = "mx.lists.example.org"
    let logger: Logger = {
        var logger = Logger(label: "mailgateway.tests.footer")
        logger.logLevel = .warning
        return logger
    }()

    /// Two research partners per language, an author, and a digest reader (no copy).
    static let csv = """
        organisation,country,college,funder,person,email,language
        INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr
        IRD,France,research,no,Amélie Nguyen,amelie@ird.example,fr
        CIRAD,France,research,no,Claire Petit,claire@cirad.example,fr
        CSIC,Spain,research,no,José Martínez,jose@csic.example,es
        INTA,Argentina,research,no,Lucía Gómez,lucia@inta.example,es
        Rothamsted,United Kingdom,research,no,Olivia Bennett,olivia@rothamsted.example,en
        CSIRO,Australia,research,no,Jack Brown,jack@csiro.example,en
        ICRAF,Kenya,research,no,Wanjiru Kamau,wanjiru@icraf.example,en
        """

    static let names = LocalizedName(fr: "Collège Recherche", en: "Research college", es: "Colegio de investigación")

    func makeGateway() throws -> (Gateway, MemberDirectory, URL) {
        var list = IngestTestGateway.list("college-research", .college, .research, nonMember: .reject)
        list.name = Self.names
        let (gateway, dir) = try IngestTestGateway.make(prefix: "mg-footer", lists: [list],
                                                       trustedAuthservID: Self.authserv)
        let directory = MemberDirectory(writer: gateway.database.pool, lists: gateway.config.lists)
        _ = try directory.importRegister(try PartnerRegister(csv: Array(Self.csv.utf8)))
        try directory.setMember(listID: "college-research", address: "wanjiru@icraf.example", delivery: .digest)
        return (gateway, directory, dir)
    }

    /// Posts from Hélène (authenticated) to the list; the copies' full texts by recipient.
    func post(_ gateway: Gateway) throws -> [String: String] {
        let config = try #require(gateway.config.list(id: "college-research"))
        let raw = TestMail.message(id: "f1@inrae.example", subject: "Protocole de mesure",
                                   extraHeaders: ["Authentication-Results: \(Self.authserv); dmarc=pass header.from=inrae.example",
                                                  "Received: from mail.inrae.example by \(Self.authserv)"])
        let outcome = try gateway.database.pool.write { db in
            try gateway.pipeline.process(db, list: config, raw: raw, fallbackDate: nil, source: .import, now: Date(),
                                         logger: logger)
        }
        guard case .archived(_, _, let decision) = outcome, decision.action == .accept else {
            Issue.record("not accepted: \(outcome)")
            return [:]
        }
        return try gateway.database.pool.read { db in
            var copies: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT o.recipient, o.header_prefix, b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id
                WHERE o.purpose = 'post'
                """) {
                copies[row["recipient"]] = String(decoding: (row["header_prefix"] as Data) + (row["bytes"] as Data),
                                                  as: UTF8.self)
            }
            return copies
        }
    }

    /// The values of header field `name` (unfolded) in `message`.
    func fields(_ name: String, in message: String) -> [String] {
        let header = message.components(separatedBy: "\r\n\r\n").first ?? ""
        return header.replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: " ")
            .components(separatedBy: "\r\n").compactMap { line in
                guard let colon = line.firstIndex(of: ":"),
                      line[..<colon].caseInsensitiveCompare(name) == .orderedSame else { return nil }
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
    }

    /// What each language's footer says (and no other language's footer says).
    static let phrases: [Language: [String]] = [
        .fr: ["Vous recevez ce message en tant que membre de Collège Recherche (college-research@lists.example.org).",
              "Votre réception\u{00A0}: chaque message dès qu'il est publié.",
              "Quitter la liste\u{00A0}: écrivez à college-research+leave@lists.example.org",
              "Recevoir plutôt le digest\u{00A0}: college-research+set.digest@lists.example.org",
              "Suspendre la réception\u{00A0}: college-research+set.nomail@lists.example.org",
              "Aide\u{00A0}: college-research+help@lists.example.org"],
        .en: ["You receive this message as a member of Research college (college-research@lists.example.org).",
              "Your delivery: each message as it is posted.",
              "Leave the list: write to college-research+leave@lists.example.org",
              "Receive the digest instead: college-research+set.digest@lists.example.org",
              "Pause delivery: college-research+set.nomail@lists.example.org",
              "Help: college-research+help@lists.example.org"],
        .es: ["Recibe este mensaje como miembro de Colegio de investigación (college-research@lists.example.org).",
              "Su recepción: cada mensaje en cuanto se publica.",
              "Darse de baja: escriba a college-research+leave@lists.example.org",
              "Recibir el resumen en su lugar: college-research+set.digest@lists.example.org",
              "Pausar la recepción: college-research+set.nomail@lists.example.org",
              "Ayuda: college-research+help@lists.example.org"],
    ]

    static let languageOf: [String: Language] = [
        "helene@inrae.example": .fr, "amelie@ird.example": .fr, "claire@cirad.example": .fr, "jose@csic.example": .es, "lucia@inta.example": .es,
        "olivia@rothamsted.example": .en, "jack@csiro.example": .en,
    ]

    @Test("fr, en and es members: each copy's footer is in its reader's language with the subaddresses; 3 bodies stored")
    func footerPerLanguage() throws {
        let (gateway, _, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let copies = try post(gateway)
        #expect(Set(copies.keys) == Set(Self.languageOf.keys),
                "every immediate member, the author too (own posts on by default), not the digest reader")
        for (recipient, language) in Self.languageOf {
            let copy = try #require(copies[recipient])
            for phrase in Self.phrases[language] ?? [] {
                #expect(copy.contains(phrase), "\(recipient) (\(language)): \(phrase)")
            }
            for other in Language.allCases where other != language {
                #expect(!copy.contains(Self.phrases[other]?[0] ?? "?"), "\(recipient) gets no \(other) footer")
            }
            #expect(copy.components(separatedBy: "_______________________________________________").count == 2,
                    "one footer")
            #expect(!copy.contains("-request@"), "the old spelling is not advertised")
        }
        let bodies = try gateway.database.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(DISTINCT body_id) FROM outbox WHERE purpose = 'post'")
        }
        #expect(bodies == 3, "one body per reader language, not one per member")
        #expect(try gateway.database.pool.read { try OutboxBodyRecord.fetchCount($0) } == 3)
    }

    @Test("every copy carries List-Unsubscribe, List-Subscribe, List-Help, List-Owner and List-Post once, by subaddress")
    func listHeaders() throws {
        let (gateway, _, dir) = try makeGateway()
        defer { try? FileManager.default.removeItem(at: dir) }
        let copies = try post(gateway)
        #expect(copies.count == 7)
        for (recipient, copy) in copies {
            #expect(fields("List-Help", in: copy) == ["<mailto:college-research+help@lists.example.org>"], "\(recipient)")
            #expect(fields("List-Subscribe", in: copy) == ["<mailto:college-research+join@lists.example.org>"])
            #expect(fields("List-Owner", in: copy) == ["<mailto:college-research+owner@lists.example.org>"])
            #expect(fields("List-Post", in: copy) == ["<mailto:college-research@lists.example.org>"])
            // No web base URL configured: mailto only, no one-click.
            #expect(fields("List-Unsubscribe", in: copy) == ["<mailto:college-research+leave@lists.example.org>"])
            #expect(fields("List-Unsubscribe-Post", in: copy).isEmpty)
            #expect(fields("List-Id", in: copy).count == 1)
        }
    }

    @Test("an announcement copy to a digest reader says so and offers each message instead of the digest")
    func digestReaderFooter() throws {
        let templates = Corpora.repositoryRoot.appendingPathComponent("templates")
        let list = ListIdentity(id: "announce", name: "Annonces", address: "announce@lists.example.org", language: .fr,
                                subjectPrefix: nil, fromRewrite: .never, webBaseURL: nil, acceptsPosts: false,
                                names: LocalizedName(fr: "Annonces", en: "Announcements", es: "Anuncios"))
        let en = try FooterTemplate(templatesDirectory: templates, language: .en)
        let digest = en.render(for: list, reader: FooterReader(language: .en, delivery: .summary))
        #expect(digest.contains("member of Announcements (announce@lists.example.org)"))
        #expect(digest.contains("Your delivery: the digest"))
        #expect(digest.contains("Receive each message: announce+set.each@lists.example.org"))
        #expect(!digest.contains("set.digest@"))
        let paused = en.render(for: list, reader: FooterReader(language: .en, delivery: DeliveryMode.none))
        #expect(paused.contains("Your delivery: paused."))
        #expect(!paused.contains("set.nomail@"), "a paused reader is not offered the pause")
        #expect(paused.contains("announce+leave@lists.example.org"))
    }

    @Test("ReaderComposer composes one body per reader kind, and falls back to the list language's footer")
    func composerCache() throws {
        let list = ListIdentity(id: "l", name: "Liste", address: "l@lists.example.org", language: .fr,
                                subjectPrefix: nil, fromRewrite: .never, webBaseURL: nil)
        let footers = [Language.fr: try FooterTemplate(text: "pied fr"), .en: try FooterTemplate(text: "footer en")]
        var composer = ReaderComposer(list: list, footers: footers, raw: TestMail.message(id: "c@x.example", subject: "s"),
                                      subject: "s", author: nil)
        let readers = (0..<300).map { FooterReader(language: Language.allCases[$0 % 3]) }
        let bodies = Set(readers.map { composer.post(for: $0).shared })
        #expect(composer.composedCount == 3)
        #expect(bodies.count == 2, "es has no template here: it gets the list's (fr) footer, the same bytes")
        let es = String(decoding: composer.post(for: FooterReader(language: .es)).shared, as: UTF8.self)
        #expect(es.hasSuffix("pied fr\r\n"))
    }
}
