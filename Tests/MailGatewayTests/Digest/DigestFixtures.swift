import Foundation
import MailGateway
import TestSupport
@testable import Digest

/// A fixed digest issue: 3 threads, 6 posts (a quoted reply in each language, a signature, an attachment, an
/// announcement, non-ASCII names and subjects, an HTML-hostile subject and author).
enum DigestFixtures {
    static let templates = Corpora.repositoryRoot.appendingPathComponent("templates").path
    static let goldenDirectory = Corpora.repositoryRoot.appendingPathComponent("Tests/Fixtures/digest")
    static let messageID = "digest.42.nuria@lists.example.org"
    static let date = Date(timeIntervalSince1970: 1_796_536_800)  // 2026-12-06T06:00:00Z
    static let hostileSubject = "<script>alert(1)</script> & \"quotes\""
    static let hostileAuthor = "Ève <root> & \"Co\""

    static let list = ListIdentity(id: "college-research", name: "Collège Recherche",
                                   address: "college-research@lists.example.org", language: .fr,
                                   subjectPrefix: "[Recherche]", fromRewrite: .whenDMARC,
                                   webBaseURL: "https://lists.example.org")

    static func timeZone(_ language: Language) -> TimeZone {
        switch language {
        case .fr: TimeZone(identifier: "Europe/Paris")!
        case .en: TimeZone(identifier: "America/New_York")!
        case .es: TimeZone(identifier: "Europe/Madrid")!
        }
    }

    /// A raw post: LF line ends for the first (the renderer must give CRLF), CRLF for the others.
    static func raw(id: String, from: String, subject: String, refs: [String], body: String, lf: Bool) -> [UInt8] {
        var lines = ["From: \(from)", "To: college-research@lists.example.org", "Subject: \(subject)",
                     "Date: Tue, 01 Dec 2026 09:00:00 +0000", "Message-ID: <\(id)>"]
        if let last = refs.last {
            lines.append("In-Reply-To: <\(last)>")
            lines.append("References: " + refs.map { "<\($0)>" }.joined(separator: " "))
        }
        lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "",
                  body]
        return Array((lines.joined(separator: lf ? "\n" : "\r\n") + (lf ? "\n" : "\r\n")).utf8)
    }

    static func item(_ row: Int64, id: String, refs: [String] = [], subject: String, author: MailAddress,
                     minutes: Double, text: String, attachments: [DigestContent.Attachment] = [],
                     announcement: Bool = false) -> DigestContent.Item {
        let fromField = "\(author.name ?? "") <\(author.address)>"
        return DigestContent.Item(
            messageRowID: row, messageID: id, references: refs, subject: subject, author: author,
            date: Date(timeIntervalSince1970: 1_796_450_400 + minutes * 60), text: text, attachments: attachments,
            raw: raw(id: id, from: fromField, subject: subject, refs: refs, body: text, lf: row == 1),
            sentSeparately: announcement)
    }

    static let marie = MailAddress(name: "Marie Dupont", address: "marie.dupont@inrae.fr")
    static let jose = MailAddress(name: "José Martínez Núñez", address: "jose@csic.es")
    static let zoe = MailAddress(name: "Zoë Ørsted", address: "zoe@example.dk")
    static let eve = MailAddress(name: hostileAuthor, address: "eve@example.org")
    static let secretariat = MailAddress(name: "Secrétariat 4 pour 1000", address: "secretariat@4p1000.org")

    static let soilSubject = "Données carbone du sol — réunion de mars"

    static let threads: [DigestContent.Thread] = [
        DigestContent.Thread(threadID: 1, subject: soilSubject, items: [
            item(1, id: "soil-1@inrae.fr", subject: soilSubject, author: marie, minutes: 0,
                 text: "Bonjour à tous,\n\nLa réunion aura lieu le 12 mars à Montpellier.\nOrdre du jour en pièce jointe.\n\n-- \nMarie Dupont\nINRAE, UMR Eco&Sols",
                 attachments: [.init(filename: "ordre du jour été.pdf", contentType: "application/pdf", size: 245_000)]),
            item(2, id: "soil-2@csic.es", refs: ["soil-1@inrae.fr"], subject: "Re: " + soilSubject, author: jose,
                 minutes: 95,
                 text: "Merci Marie, je serai là.\n\nLe 1 déc. 2026 à 10:00, Marie Dupont a écrit :\n> Bonjour à tous,\n>\n> La réunion aura lieu le 12 mars à Montpellier.\n\nJosé"),
            item(3, id: "soil-3@example.dk", refs: ["soil-1@inrae.fr", "soil-2@csic.es"],
                 subject: "Re: " + soilSubject, author: zoe, minutes: 180,
                 text: "Count me in.\n\nOn Tue, 1 Dec 2026 at 11:35, José Martínez Núñez\n<jose@csic.es> wrote:\n> Merci Marie, je serai là.\n\nZoë\n-- \nsent from my phone"),
        ]),
        DigestContent.Thread(threadID: 2, subject: hostileSubject, items: [
            item(4, id: "hostile-1@example.org", subject: hostileSubject, author: eve, minutes: 240,
                 text: "Is <b>this</b> bold? & \"that\"?\n------------------------------\n<img src=\"https://tracker.example/x.png\">"),
            item(5, id: "hostile-2@inrae.fr", refs: ["hostile-1@example.org"], subject: "Re: " + hostileSubject,
                 author: marie, minutes: 300,
                 text: "No, it is escaped.\n\nEl mar, 1 dic 2026 a las 13:00, Eve escribió:\n> Is <b>this</b> bold?"),
        ]),
        DigestContent.Thread(threadID: 3, subject: "Appel à projets 2027 : ouverture", items: [
            item(6, id: "call-2027@4p1000.org", subject: "Appel à projets 2027 : ouverture", author: secretariat,
                 minutes: 400, text: "L'appel est ouvert.", announcement: true),
        ]),
    ]

    static func content(_ format: DigestContent.Format, _ language: Language,
                        threads: [DigestContent.Thread] = threads) -> DigestContent {
        DigestContent(list: list, recipient: MailAddress(name: "Núria Ferré", address: "nuria@example.es"),
                      language: language, timeZone: timeZone(language), format: format, number: 42,
                      periodStart: Date(timeIntervalSince1970: 1_796_450_400 - 3_600),
                      periodEnd: Date(timeIntervalSince1970: 1_796_536_800), threads: threads,
                      unsubscribe: "<mailto:college-research+leave@lists.example.org>")
    }

    static func renderer() throws -> DigestRenderer { try DigestRenderer(templatesDirectory: templates) }

    /// `count` one-post threads (or one thread of `count` posts), each body carrying a unique marker.
    static func many(_ count: Int, oneThread: Bool = false) -> [DigestContent.Thread] {
        let items = (1...count).map { n in
            item(Int64(n), id: "many-\(n)@example.org", subject: "Post \(n)", author: marie, minutes: Double(n),
                 text: "marker-\(n)-end")
        }
        if oneThread { return [DigestContent.Thread(threadID: 1, subject: "Post 1", items: items)] }
        return items.enumerated().map { DigestContent.Thread(threadID: Int64($0.offset + 1), subject: $0.element.subject,
                                                              items: [$0.element]) }
    }
}

/// Small helpers to read the renderer's output back.
enum DigestOutput {
    static func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(separator: 10, omittingEmptySubsequences: false)
    }

    /// The boundary of the top-level multipart.
    static func boundary(_ bytes: [UInt8]) -> String? {
        let text = string(bytes)
        guard let range = text.range(of: "boundary=\"") else { return nil }
        let rest = text[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// The bodies of the parts of the top-level multipart (between `\r\n\r\n` after each part's header and the
    /// CRLF before the next delimiter).
    static func partBodies(_ bytes: [UInt8]) -> [[UInt8]] {
        guard let boundary = boundary(bytes) else { return [] }
        let delimiter = Array("\r\n--\(boundary)".utf8)
        var starts: [Int] = []
        var i = 0
        while i + delimiter.count <= bytes.count {
            if bytes[i..<(i + delimiter.count)].elementsEqual(delimiter) { starts.append(i) }
            i += 1
        }
        var parts: [[UInt8]] = []
        for (n, start) in starts.enumerated() where n + 1 < starts.count {
            let partStart = start + delimiter.count + 2
            let part = Array(bytes[partStart..<starts[n + 1]])
            let sep = Array("\r\n\r\n".utf8)
            guard let headerEnd = (0...(part.count - 4)).first(where: { part[$0..<($0 + 4)].elementsEqual(sep) }) else {
                continue
            }
            parts.append(Array(part[(headerEnd + 4)...]))
        }
        return parts
    }

    static func percentDecode(_ text: Substring) -> String {
        String(text).removingPercentEncoding ?? ""
    }
}
