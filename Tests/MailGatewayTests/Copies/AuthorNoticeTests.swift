import Foundation
import GRDB
import Testing
@testable import MailGateway
import TestSupport

/// Notices to authors: automatic-mail headers, a Reply-To to the secretariat and its address in the text, and
/// the language of an unknown sender (Content-Language, else one trilingual notice).
@Suite struct AuthorNoticeTests {
    static let secretariat = "secretariat@4p1000.example"

    func notices(after raw: String) throws -> [String] {
        let list = IngestTestGateway.list("college-research", .college, .research, nonMember: .reject)
        let (gateway, dir) = try IngestTestGateway.make(prefix: "mg-notice", lists: [list], secretariat: [Self.secretariat])
        defer { try? FileManager.default.removeItem(at: dir) }
        let logger = IngestTestGateway.quietLogger("mailgateway.tests.notices")
        _ = try gateway.database.pool.write { db in
            try gateway.pipeline.process(db, list: list, raw: Array(raw.utf8), fallbackDate: nil, source: .import,
                                         now: Date(), logger: logger)
        }
        return try gateway.database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id WHERE o.purpose LIKE 'notice%'
                """).map { row in
                let bytes = Array(row["bytes"] as Data)
                return String(decoding: bytes, as: UTF8.self)
            }
        }
    }

    func decodedBody(_ message: String) throws -> String {
        try MessageParser.parse(Array(message.utf8)).text ?? ""
    }

    func header(_ name: String, _ message: String) -> String? {
        (try? MessageParser.parse(Array(message.utf8)))?.header(name)
    }

    @Test func anUnknownSenderWithoutALanguageGetsOneTrilingualNotice() throws {
        let sent = try notices(after: "From: Stranger <stranger@nowhere.example>\r\nTo: college-research@lists.example.org\r\nSubject: Hello\r\nMessage-ID: <u1@nowhere.example>\r\n\r\nHi\r\n")
        #expect(sent.count == 1)
        let notice = try #require(sent.first)
        #expect(header("Precedence", notice) == "bulk")
        #expect(header("X-Auto-Response-Suppress", notice) == "All")
        #expect(header("Auto-Submitted", notice) == "auto-replied")
        #expect(header("Reply-To", notice) == Self.secretariat)
        let body = try decodedBody(notice)
        #expect(body.contains("n'a pas été diffusé"), "\(body)")
        #expect(body.contains("was not distributed"))
        #expect(body.contains("no se ha distribuido"))
        #expect(body.contains("de l'Initiative 4 pour 1000"))
        #expect(body.contains("this list of the \"4 per 1000\" Initiative"))
        #expect(body.contains(Self.secretariat))
        #expect(!body.contains("de Initiative"))
    }

    @Test func anUnknownSendersContentLanguageChoosesTheNotice() throws {
        let sent = try notices(after: "From: Lucía <lucia@nowhere.example>\r\nTo: college-research@lists.example.org\r\nSubject: Hola\r\nMessage-ID: <u2@nowhere.example>\r\nContent-Language: es-AR\r\n\r\nHola\r\n")
        let body = try decodedBody(try #require(sent.first))
        #expect(body.contains("no se ha distribuido"))
        #expect(body.contains("esta lista de la Iniciativa 4 por 1000"))
        #expect(!body.contains("was not distributed"))
        #expect(!body.contains("n'a pas été diffusé"))
    }

    @Test(arguments: [("fr-CA, en", Language.fr), ("EN", .en), ("es", .es), ("de", nil), ("", nil)])
    func contentLanguage(header: String, expected: Language?) {
        #expect(Language(contentLanguage: header) == expected)
    }

    @Test func anUnknownSendersAcceptLanguageChoosesTheNoticeWhenNoContentLanguage() throws {
        let sent = try notices(after: "From: Ana <ana@nowhere.example>\r\nTo: college-research@lists.example.org\r\nSubject: Hola\r\nMessage-ID: <u3@nowhere.example>\r\nAccept-Language: de-DE, es;q=0.9, en;q=0.5\r\n\r\nHola\r\n")
        let body = try decodedBody(try #require(sent.first))
        #expect(body.contains("no se ha distribuido"))
        #expect(!body.contains("was not distributed"))
        #expect(!body.contains("n'a pas été diffusé"))
    }

    @Test(arguments: [("de-DE, es;q=0.9, en;q=0.5", Language.es), ("en;q=0.4, fr-FR;q=0.8", .fr), ("fr, en", .fr),
                      ("es;q=0, en;q=0.1", .en), ("fr;q=0", nil), ("de, it", nil), ("", nil),
                      // A q that is not a number from 0 to 1 counts as absent; comments are ignored.
                      ("en;q=bad, es", .en), ("es;q=0.9, en;q=1e3", .en), ("fr;q=0.5 (French), en;q=0.4", .fr),
                      ("de (q=1), es;q=0.2", .es)])
    func acceptLanguage(header: String, expected: Language?) {
        #expect(Language(acceptLanguage: header) == expected)
    }

    @Test func contentLanguageComesBeforeAcceptLanguage() {
        let fields = ["Content-Language": "en", "Accept-Language": "fr"]
        #expect(Language.requested(by: { fields[$0] }) == .en)
        #expect(Language.requested(by: { $0 == "Accept-Language" ? "es-MX" : nil }) == .es)
        #expect(Language.requested(by: { _ in nil }) == nil)
    }
}
