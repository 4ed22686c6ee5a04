import Foundation
import GRDB
import Testing
import TestSupport
@testable import MailGateway

@Suite("Templates and notices")
struct TemplatesTests {
    static let templates = Corpora.repositoryRoot.appendingPathComponent("templates").path
    static let now = Date(timeIntervalSince1970: 1_764_000_000)
    static let subject = "Données carbone du sol — réunion de mars"

    static func original() -> ParsedMessage {
        ParsedMessage(messageID: "orig-1@inrae.fr", references: ["root@cirad.fr"], subject: subject,
                      from: [MailAddress(name: "Marie Dupont", address: "Marie.Dupont@inrae.fr")])
    }

    static func values(reason: ReasonCode? = nil) -> NoticeValues {
        NoticeValues(platformName: "4 pour 1000", originalSubject: subject, originalSender: "Marie.Dupont@inrae.fr",
                     originalDate: now, reason: reason,
                     postableLists: [MembersFixtures.states, MembersFixtures.knowledge],
                     token: ModerationToken(holdID: 12, listID: "college-research", expiry: now.addingTimeInterval(86_400 * 7),
                                            key: ModerationTests.key),
                     holdID: 12, expiryDays: 7, moderatorReason: "Hors sujet <hors-liste> & co",
                     recipientName: "Marie", size: 250_000, limit: 100_000)
    }

    @Test(arguments: Language.allCases)
    func everyNoticeRendersInEveryLanguageQuotingTheSubject(language: Language) throws {
        let composer = try NoticeComposer(templatesDirectory: Self.templates)
        for kind in NoticeKind.allCases {
            let reason: ReasonCode = switch kind {
            case .notAPartner: .nonMember
            case .notEntitled: .notEntitled
            default: .tooLarge
            }
            var values = Self.values(reason: reason)
            // The membership notices: the values a command mail gives them. A welcome or a goodbye is about a
            // membership, not about a message: it quotes no subject.
            let membershipKinds: [NoticeKind] = [.commandReply, .confirmRequest, .welcome, .goodbye]
            if membershipKinds.contains(kind) {
                var membership = MembershipNoticeValues()
                membership.results = [.joined, .help]
                membership.token = ConfirmationToken()
                membership.action = .join
                values.membership = membership
            }
            // The bounce notices are about an address (or a receiving domain), not about a message.
            let bounceKinds: [NoticeKind] = [.bounceProbe, .bounceWarning, .bounceDisabled, .bounceRemoved,
                                             .bouncePolicyAlert]
            if bounceKinds.contains(kind) {
                var bounce = BounceNoticeValues()
                bounce.memberAddress = "marie@partner.example"
                bounce.receivingDomain = "gmail.com"
                bounce.reenableAddress = "college-research+confirm.abc@lists.example.org"
                values.bounce = bounce
            }
            let rendered = try composer.render(kind, language: language, list: MembersFixtures.research, values: values)
            #expect(!rendered.subject.isEmpty, "\(language) \(kind)")
            if bounceKinds.contains(kind) {
                #expect(rendered.body.contains(kind == .bouncePolicyAlert ? "gmail.com" : "marie@partner.example"),
                        "\(language) \(kind) names the address or domain")
            } else if kind != .welcome && kind != .goodbye {
                #expect(rendered.body.contains(Self.subject), "\(language) \(kind) quotes the subject")
            }
            #expect(rendered.body.contains(MembersFixtures.research.name.value(for: language)), "\(language) \(kind)")
            #expect(!rendered.body.contains("{{") && !rendered.body.contains("&amp;"), "\(language) \(kind)")
            #expect(!rendered.body.hasPrefix("\n"), "\(language) \(kind)")
        }
    }

    @Test func notEntitledNamesTheGroupsInTheRecipientsLanguage() throws {
        let composer = try NoticeComposer(templatesDirectory: Self.templates)
        let es = try composer.render(.notEntitled, language: .es, list: MembersFixtures.research, values: Self.values())
        #expect(es.body.contains("- Estados y provincias: etats@lists.example.org"))
        #expect(es.body.contains("- Conocimientos: connaissances@lists.example.org"))
        #expect(es.body.contains("Institutos de investigación y enseñanza"))
        var none = Self.values()
        none.postableLists = []
        let en = try composer.render(.notEntitled, language: .en, list: MembersFixtures.research, values: none)
        #expect(en.body.contains("No group is open to you yet"))
        #expect(!en.body.contains("You may write to these groups"))
    }

    @Test("the moderation request: subject list, post subject, author, token last; the date in the moderator's language; no CLI line")
    func moderationRequestCarriesTheTokenAndTheReason() throws {
        let composer = try NoticeComposer(templatesDirectory: Self.templates)
        var values = Self.values(reason: .dmarcFail)
        let token = ConfirmationToken().description
        values.moderation.replyToken = token
        values.moderation.originalAuthor = "Marie Dupont"
        values.moderation.timeZone = try #require(TimeZone(identifier: "Europe/Paris"))
        let list = MembersFixtures.research
        let fr = try composer.render(.moderationRequest, language: .fr, list: list, values: values)
        #expect(fr.subject == "[\(list.name.value(for: .fr))] \(Self.subject) — Marie Dupont (\(token))")
        #expect(fr.body.contains("DMARC"))
        #expect(fr.body.contains("- approuver et accepter l'expéditeur\u{00A0}:"))
        #expect(fr.body.contains("Date\u{00A0}: lundi 24 novembre 2025") && fr.body.contains("17:00"), "\(fr.body)")
        #expect(!fr.body.contains("mailgateway") && !fr.body.contains(token), "no CLI line, the token only in the subject")
        let en = try composer.render(.moderationRequest, language: .en, list: list, values: values)
        #expect(en.subject.hasSuffix("— Marie Dupont (\(token))"))
        #expect(en.body.contains("Date: Monday, 24 November 2025"), "\(en.body)")
        let es = try composer.render(.moderationRequest, language: .es, list: list, values: values)
        #expect(es.body.contains("Fecha: lunes, 24 de noviembre de 2025"), "\(es.body)")
        // A reply to the owner address keeps the subject: the token is found back at its end.
        #expect(ModerationReference.tokenWords("RE: " + fr.subject).first.map(String.init) == token)
        // The words the request offers are the ones the reply parser reads.
        for language in Language.allCases {
            let body = try composer.render(.moderationRequest, language: language, list: list, values: values).body
            let offered = body.split(separator: "\n").filter { $0.hasPrefix("- ") }.map { String($0.dropFirst(2)) }
            #expect(offered.count == 4, "\(language)")
            let decisions = offered.compactMap { ModeratorCommand.readDecision(body: $0) }
            #expect(decisions.map(\.action) == [.approve, .approve, .reject, .discard], "\(language): \(offered)")
            #expect(decisions.map(\.alsoAllowSender) == [false, true, false, false], "\(language)")
        }
    }

    @Test func rejectedByModeratorIsPlainTextWithTheReason() throws {
        let composer = try NoticeComposer(templatesDirectory: Self.templates)
        let en = try composer.render(.rejectedByModerator, language: .en, list: MembersFixtures.research,
                                     values: Self.values())
        #expect(en.body.contains("The moderator's reason: Hors sujet <hors-liste> & co"))
        var noReason = Self.values()
        noReason.moderatorReason = nil
        let plain = try composer.render(.rejectedByModerator, language: .en, list: MembersFixtures.research, values: noReason)
        #expect(!plain.body.contains("reason:"))
    }

    @Test func composedMessageHasTheRequiredHeaders() throws {
        let composer = try NoticeComposer(templatesDirectory: Self.templates)
        let notice = try composer.compose(.notAPartner, to: MailAddress(name: "Zoë", address: "zoe@example.net"),
                                          language: .fr, list: MembersFixtures.research,
                                          values: Self.values(reason: .nonMember), original: Self.original(), now: Self.now)
        let text = String(decoding: notice.bytes, as: UTF8.self)
        let head = String(text[..<text.range(of: "\r\n\r\n")!.lowerBound])
        #expect(head.contains("\r\nTo: =?UTF-8?B?"))
        #expect(head.contains("<zoe@example.net>"))
        #expect(head.hasPrefix("From: \"Instituts de recherche et d'enseignement\"\r\n <recherche-owner@lists.example.org>\r\n"))
        #expect(head.contains("\r\nSubject: =?UTF-8?B?"))
        #expect(head.contains("\r\nIn-Reply-To: <orig-1@inrae.fr>"))
        #expect(head.contains("\r\nReferences: <root@cirad.fr>\r\n <orig-1@inrae.fr>"))
        #expect(head.contains("\r\nAuto-Submitted: auto-replied"))
        #expect(head.contains("\r\nDate: Mon, 24 Nov 2025 16:00:00 +0000"))
        #expect(head.contains("\r\nContent-Transfer-Encoding: quoted-printable"))
        #expect(head.contains("charset=utf-8"))
        #expect(notice.envelopeSender.isEmpty)
        // Every line is at most 78 characters and ASCII.
        for line in text.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 78, "\(line)")
            #expect(!line.hasSuffix(" "))
            #expect(line.unicodeScalars.allSatisfy { $0.isASCII })
        }
        // The subject decodes back.
        let encoded = head.components(separatedBy: "\r\n").drop { !$0.hasPrefix("Subject:") }
            .prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
            .joined().replacingOccurrences(of: "Subject: ", with: "")
        let decoded = encoded.split(separator: " ").compactMap { word -> String? in
            let b64 = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            return Data(base64Encoded: String(b64)).flatMap { String(data: $0, encoding: .utf8) }
        }.joined()
        #expect(decoded == notice.subject)
        #expect(decoded.contains(Self.subject))
    }

    @Test func moderationRequestAttachesTheOriginal() throws {
        let composer = try NoticeComposer(templatesDirectory: Self.templates)
        let raw = Array("From: Marie <Marie.Dupont@inrae.fr>\nSubject: Données\n\nBody line\n".utf8)
        let notice = try composer.compose(.moderationRequest, to: MailAddress(address: "mod@inrae.fr"), language: .en,
                                          list: MembersFixtures.research, values: Self.values(reason: .tooLarge),
                                          original: Self.original(), attachingOriginal: raw, now: Self.now)
        let text = String(decoding: notice.bytes, as: UTF8.self)
        #expect(text.contains("Auto-Submitted: auto-generated"))
        #expect(text.contains("Content-Type: multipart/mixed; boundary="))
        #expect(text.contains("Content-Type: message/rfc822\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: 8bit\r\n\r\nFrom: Marie <Marie.Dupont@inrae.fr>\r\nSubject: Données\r\n\r\nBody line\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        // Over the limit, only the header travels.
        let small = try composer.compose(.moderationRequest, to: MailAddress(address: "mod@inrae.fr"), language: .en,
                                         list: MembersFixtures.research, values: Self.values(reason: .tooLarge),
                                         original: Self.original(), attachingOriginal: raw, maxAttachedBytes: 10,
                                         now: Self.now)
        let smallText = String(decoding: small.bytes, as: UTF8.self)
        #expect(smallText.contains("text/rfc822-headers"))
        #expect(!smallText.contains("Body line"))
        #expect(smallText.hasSuffix("--\r\n"))
    }

    @Test("a 5 MB Subject and no blank line: the request stays under the cap and quotes ~200 characters of subject")
    func hugeOriginalWithoutBlankLineIsCapped() throws {
        let composer = try NoticeComposer(templatesDirectory: Self.templates)
        let subject = String(repeating: "Ab ", count: 1_700_000)
        var raw = Array("From: Marie <Marie.Dupont@inrae.fr>\r\nSubject: \(subject)\r\nthis line has no colon\r\n".utf8)
        for n in 0..<40_000 { raw += Array("line \(n) of a message without any blank line\r\n".utf8) }
        var values = Self.values(reason: .tooLarge)
        values.originalSubject = subject
        for kind in [NoticeKind.moderationRequest, .heldForModeration] {
            let notice = try composer.compose(kind, to: MailAddress(address: "mod@inrae.fr"), language: .en,
                                              list: MembersFixtures.research, values: values, original: Self.original(),
                                              attachingOriginal: kind == .moderationRequest ? raw : nil, now: Self.now)
            #expect(notice.bytes.count < 1_100_000, "\(kind): \(notice.bytes.count) bytes")
            #expect(notice.subject.count < 400, "\(notice.subject.count)")
            #expect(notice.body.count < 5_000)
        }
        // Without a blank line and over the cap, the attachment ends at a line end within the cap.
        let small = try composer.compose(.moderationRequest, to: MailAddress(address: "mod@inrae.fr"), language: .en,
                                         list: MembersFixtures.research, values: Self.values(reason: .tooLarge),
                                         original: Self.original(),
                                         attachingOriginal: Array("From: a@b.example\r\nno colon\r\nline 2\r\nline 3\r\n".utf8),
                                         maxAttachedBytes: 40, now: Self.now)
        let text = String(decoding: small.bytes, as: UTF8.self)
        #expect(text.contains("text/rfc822-headers"))
        #expect(text.contains("From: a@b.example\r\n\r\n--"), "the header as the parser reads it: \(text)")
        #expect(!text.contains("no colon") && !text.contains("line 2"))
    }

    @Test func aSubjectCannotInjectHeaders() throws {
        let composer = try NoticeComposer(templatesDirectory: Self.templates)
        var values = Self.values(reason: .nonMember)
        values.originalSubject = "Hello\r\nBcc: victim@example.com"
        let notice = try composer.compose(.notAPartner, to: MailAddress(address: "x@example.net"), language: .en,
                                          list: MembersFixtures.research, values: values, original: nil, now: Self.now)
        let text = String(decoding: notice.bytes, as: UTF8.self)
        #expect(!text.contains("\r\nBcc:"))
        #expect(notice.subject == "Message not distributed: Hello  Bcc: victim@example.com")
    }

    @Test func quotedPrintableRoundTrips() {
        let text = "Ligne accentuée : é à ç — fin   \nFrom the start\n=égal=\n" + String(repeating: "x", count: 200) + "\n"
        let qp = QuotedPrintable.encode(text)
        #expect(qp.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
        // Decode.
        var bytes: [UInt8] = []
        let raw = Array(qp.utf8)
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "=") {
                if raw[i + 1] == 13 { i += 3; continue }
                bytes.append(UInt8(String(decoding: raw[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)!)
                i += 3
            } else if raw[i] == 13 {
                bytes.append(10); i += 2
            } else {
                bytes.append(raw[i]); i += 1
            }
        }
        #expect(String(decoding: bytes, as: UTF8.self) == text)
    }

    @Test func languageIsThePersonsElseTheLists() {
        #expect(NoticeComposer.language(for: PolicyTests.ana, list: MembersFixtures.research) == .es)
        #expect(NoticeComposer.language(for: PolicyTests.ana, override: .en, list: MembersFixtures.research) == .en)
        #expect(NoticeComposer.language(for: nil, list: MembersFixtures.funders) == .en)
    }

    @Test func missingTemplateDirectoryIsReported() {
        #expect(throws: NoticeTemplateError.self) { try NoticeComposer(templatesDirectory: "/nonexistent") }
    }

    // MARK: rate limit

    @Test func atMostOneNoticePerSenderReasonListAndDay() throws {
        let db = try MembersFixtures.database()
        try db.write { db in
            #expect(try NoticeLog.claim(sender: "x@Example.net", reason: .nonMember, listID: "funders", now: Self.now, in: db))
            #expect(try !NoticeLog.claim(sender: "x@example.NET", reason: .nonMember, listID: "funders",
                                         now: Self.now.addingTimeInterval(3600), in: db))
            // Another reason, another list, another sender: allowed.
            #expect(try NoticeLog.claim(sender: "x@example.net", reason: .notEntitled, listID: "funders", now: Self.now, in: db))
            #expect(try NoticeLog.claim(sender: "x@example.net", reason: .nonMember, listID: "college-research", now: Self.now, in: db))
            // The sender compares without case (review F6: Victim@ and VICTIM@ are one sender).
            #expect(try !NoticeLog.claim(sender: "X@example.net", reason: .nonMember, listID: "funders", now: Self.now, in: db))
            #expect(try NoticeLog.claim(sender: "y@example.net", reason: .nonMember, listID: "funders", now: Self.now, in: db))
            // The next UTC day: allowed again.
            #expect(try NoticeLog.claim(sender: "x@example.net", reason: .nonMember, listID: "funders",
                                        now: Self.now.addingTimeInterval(86_400), in: db))
            let suppressed = try Int.fetchOne(db, sql: "SELECT SUM(suppressed) FROM notice_log")
            #expect(suppressed == 2)
            try NoticeLog.prune(olderThan: 0, now: Self.now.addingTimeInterval(86_400), in: db)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notice_log") == 1)
            // A moderator's rejection is counted apart from the hold's notice, and itself rate-limited.
            let later = Self.now.addingTimeInterval(86_400)
            #expect(try NoticeLog.claim(sender: "x@example.net", reason: .nonMember, outcome: .rejectedByModerator,
                                        listID: "funders", now: later, in: db))
            #expect(try !NoticeLog.claim(sender: "X@EXAMPLE.net", reason: .nonMember, outcome: .rejectedByModerator,
                                         listID: "funders", now: later, in: db))
        }
    }
}
