import Foundation
import Testing
@testable import MailGateway
import TestSupport

/// `reply_to: list | author`: the Reply-To of copies and the footer line telling members how to answer everyone.
@Suite struct ReplyToListTests {
    func identity(_ replyTo: ReplyTo, rewrite: FromRewrite = .never) -> ListIdentity {
        var config = ListConfig(id: "research", kind: .college, college: .research,
                                name: LocalizedName(fr: "Recherche", en: "Research", es: "Investigación"),
                                address: "research@lists.example.org", language: .fr, subjectPrefix: "[R]",
                                mailbox: MailboxConfig(user: "research", passwordEnv: "X"), fromRewrite: rewrite)
        config.replyTo = replyTo
        return ListIdentity(list: config, webBaseURL: nil)
    }

    let raw = Array("From: Ana <ana@coop.example>\r\nReply-To: ana.home@coop.example\r\nCc: other@x.example\r\nSubject: s\r\n\r\nbody\r\n".utf8)
    let author = MailAddress(name: "Ana", address: "ana@coop.example")

    func field(_ name: String, _ bytes: [UInt8]) -> [String] {
        RawMessage(bytes).fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.unfolded)
    }

    @Test func authorKeepsTheAuthorsReplyTo() {
        let out = OutgoingComposer(list: identity(.author), footer: nil).compose(raw: raw, subject: "s", author: author).shared
        #expect(field("Reply-To", out) == ["ana.home@coop.example"])
    }

    @Test func listPointsReplyToTheList() {
        let out = OutgoingComposer(list: identity(.list), footer: nil).compose(raw: raw, subject: "s", author: author).shared
        #expect(field("Reply-To", out) == ["<research@lists.example.org>"])
        #expect(field("Cc", out) == ["other@x.example"])
    }

    @Test func aRewrittenAuthorStaysReachableInCc() {
        let out = OutgoingComposer(list: identity(.list, rewrite: .always), footer: nil)
            .compose(raw: raw, subject: "s", author: author).shared
        #expect(field("Reply-To", out) == ["<research@lists.example.org>"])
        #expect(field("Cc", out) == ["other@x.example, \"Ana\" <ana@coop.example>"])
        #expect(field("From", out) == ["\"Ana via Recherche\" <research@lists.example.org>"])
    }

    @Test(arguments: Language.allCases)
    func theFooterSaysHowToAnswerEveryone(language: Language) throws {
        let template = try FooterTemplate(templatesDirectory: Corpora.repositoryRoot.appendingPathComponent("templates"),
                                          language: language)
        let reader = FooterReader(language: language)
        let replyAll = ["fr": "«\u{00A0}Répondre à tous\u{00A0}»", "en": "\"Reply all\"", "es": "«Responder a todos»"][language.rawValue]!
        let replyOnly = ["fr": "«\u{00A0}Répondre\u{00A0}» suffit", "en": "\"Reply\" is enough", "es": "basta con «Responder»"][language.rawValue]!
        let authorFooter = template.render(for: identity(.author), reader: reader)
        #expect(authorFooter.contains(replyAll), "\(authorFooter)")
        #expect(!authorFooter.contains(replyOnly))
        let listFooter = template.render(for: identity(.list), reader: reader)
        #expect(listFooter.contains(replyOnly), "\(listFooter)")
        #expect(!listFooter.contains(replyAll))
        // An announcement list takes no answers: no such line.
        var announce = identity(.list)
        announce.acceptsPosts = false
        announce.repliesToList = false
        #expect(!template.render(for: announce, reader: reader).contains(replyAll))
    }
}
