import Foundation
import Testing
@testable import MailGateway

/// Builds a message from header lines and a body, with CRLF line ends.
func mail(_ headers: [String], _ body: String = "body\r\n") -> [UInt8] {
    Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
}

@Suite struct ParseHeaderTests {
    @Test func subjectQEncodedAndBEncodedJoined() throws {
        let m = try MessageParser.parse(mail(["Subject: =?utf-8?q?caf=C3=A9?= =?utf-8?b?IGNyw6htZQ==?=", "Message-ID: <a@b>"]))
        #expect(m.subject == "café crème")
    }

    @Test func subjectFoldedEncodedWordsJoinedWithoutSpace() throws {
        let m = try MessageParser.parse(mail(["Subject: =?UTF-8?Q?Gr=C3=BC?=\r\n =?UTF-8?Q?=C3=9Fe?= aus Wien"]))
        #expect(m.subject == "Grüße aus Wien")
    }

    @Test func subjectOtherCharsets() throws {
        let m1 = try MessageParser.parse(mail(["Subject: =?iso-8859-1?Q?R=E9sum=E9?="]))
        #expect(m1.subject == "Résumé")
        let m2 = try MessageParser.parse(mail(["Subject: =?gb2312?B?xOO6ww==?="]))
        #expect(m2.subject == "你好")
        let m3 = try MessageParser.parse(mail(["Subject: =?ISO-2022-JP?B?GyRCJEgbKEI=?="]))
        #expect(m3.subject == "と")
        let m4 = try MessageParser.parse(mail(["Subject: =?windows-1252?Q?=93quoted=94_=80?="]))
        #expect(m4.subject == "“quoted” €")
    }

    @Test func plainFoldedSubjectKeptExactly() throws {
        let m = try MessageParser.parse(mail(["Subject: Re: [PATCH v2] mm:  fix\r\n\tthe thing"]))
        #expect(m.subject == "Re: [PATCH v2] mm:  fix\tthe thing")
        #expect(m.header("subject") == "Re: [PATCH v2] mm:  fix\tthe thing")
    }

    @Test func rawUTF8Headers() throws {
        let m = try MessageParser.parse(mail(["From: Jörg Müller <jörg@bücher.example>", "Subject: Grüße"]))
        #expect(m.subject == "Grüße")
        #expect(m.from == [MailAddress(name: "Jörg Müller", address: "jörg@bücher.example")])
    }

    @Test func rawLatin1HeaderFallsBackToWindows1252() throws {
        let raw = Array("Subject: caf".utf8) + [0xE9] + Array("\r\n\r\nbody\r\n".utf8)
        let m = try MessageParser.parse(raw)
        #expect(m.subject == "café")
    }

    @Test func addressesWithEncodedAndQuotedDisplayNames() throws {
        let m = try MessageParser.parse(
            mail([
                "From: =?utf-8?q?Jos=C3=A9?= Garc\u{ED}a <jose@example.org>",
                "To: \"Doe, Jane\" <jane@example.org>, bob@example.org,\r\n  Team: ann@example.org, <carl@example.org>;",
                "Cc: =?iso-8859-1?q?Ren=E9?= <rene@example.fr>",
                "Reply-To: list@example.org",
                "Sender: Owner <owner@example.org>",
            ]))
        #expect(m.from == [MailAddress(name: "José García", address: "jose@example.org")])
        #expect(m.to.map(\.address) == ["jane@example.org", "bob@example.org", "ann@example.org", "carl@example.org"])
        #expect(m.to.first?.name == "Doe, Jane")
        #expect(m.cc == [MailAddress(name: "René", address: "rene@example.fr")])
        #expect(m.replyTo == [MailAddress(address: "list@example.org")])
        #expect(m.sender == MailAddress(name: "Owner", address: "owner@example.org"))
    }

    @Test func oldStyleCommentNameIsUsed() throws {
        let m = try MessageParser.parse(mail(["From: joe@example.org (Joe Doe)"]))
        #expect(m.from == [MailAddress(name: "Joe Doe", address: "joe@example.org")])
    }

    @Test func malformedAddressesDoNotFailTheMessage() throws {
        let m = try MessageParser.parse(mail(["From: Broken Name <joe@example.org", "To: a@example.org, , ;;; <b@example.org>, x@@"]))
        #expect(m.from.map(\.address) == ["joe@example.org"])
        #expect(m.to.map(\.address).contains("a@example.org"))
        #expect(m.to.map(\.address).contains("b@example.org"))
        #expect(m.problems.contains { $0.contains("malformed address") })
        #expect(!m.problems.joined().contains("example.org"))  // no addresses in problems
    }

    @Test func datesWithNumericAndObsoleteZones() throws {
        func date(_ s: String) throws -> Date? { try MessageParser.parse(mail(["Date: " + s])).date }
        let reference = Date(timeIntervalSince1970: 1_580_724_000)  // 2020-02-03 10:00:00 UTC
        #expect(try date("Mon, 3 Feb 2020 12:00:00 +0200") == reference)
        #expect(try date("Mon, 3 Feb 2020 05:00:00 EST") == reference)
        #expect(try date("Mon, 3 Feb 2020 02:00:00 PST") == reference)
        #expect(try date("3 Feb 2020 10:00:00 GMT") == reference)
        #expect(try date("Mon, 3 Feb 20 10:00:00 UT") == reference)  // two-digit year
        #expect(try date("Mon, 3 Feb 2020 04:30:00 -0530 (IST)") == reference)
        #expect(try date("Mon,\r\n 3 Feb 2020 10:00:00 +0000") == reference)
        #expect(try date("Mon Feb  3 12:00:00 2020 +0200") == reference)  // asctime with zone
        #expect(try date("2020-02-03 12:00:00 +0200") == reference)  // ISO-like, seen in notmuch's corpus
    }

    @Test func badOrMissingDateIsNil() throws {
        let bad = try MessageParser.parse(mail(["Date: the day after tomorrow"]))
        #expect(bad.date == nil)
        #expect(bad.problems.contains("unparseable Date header"))
        #expect(try MessageParser.parse(mail(["Subject: x"])).date == nil)
        #expect(try MessageParser.parse(mail(["Date: Mon, 31 Feb 2020 99:00:00 +0000"])).date == nil)
    }

    @Test func messageIDsWithoutBrackets() throws {
        let m = try MessageParser.parse(
            mail([
                "Message-ID: <abc.123@example.org>",
                "In-Reply-To: <p1@example.org> (Joe's message of Mon)",
                "References: <r1@example.org>\r\n <r2@example.org>\t<p1@example.org>",
            ]))
        #expect(m.messageID == "abc.123@example.org")
        #expect(!m.messageIDIsSynthetic)
        #expect(m.inReplyTo == ["p1@example.org"])
        #expect(m.references == ["r1@example.org", "r2@example.org", "p1@example.org"])
    }

    @Test func garbageReferences() throws {
        let yes = try MessageParser.parse(mail(["Message-ID: <m@x>", "References: <yes>", "In-Reply-To: <yes>"]))
        #expect(yes.references.isEmpty)
        #expect(yes.inReplyTo.isEmpty)
        let several = try MessageParser.parse(
            mail(["Message-ID: <m@x>", "In-Reply-To: Your message of \"Mon\" <a@x> <b@x>", "References: c@x d@x"]))
        #expect(several.inReplyTo == ["a@x", "b@x"])
        #expect(several.references == ["c@x", "d@x"])
        let comments = try MessageParser.parse(mail(["Message-ID: <m@x>", "References: (old) <a@x> ,<b@x> junk <c@x"]))
        #expect(comments.references == ["a@x", "b@x"])
        let noBrackets = try MessageParser.parse(mail(["Message-ID: bare@example.org"]))
        #expect(noBrackets.messageID == "bare@example.org")
        #expect(!noBrackets.messageIDIsSynthetic)
    }

    @Test func missingMessageIDGivesStableSyntheticID() throws {
        let raw = mail(["Subject: no id"])
        let a = try MessageParser.parse(raw)
        let b = try MessageParser.parse(raw)
        #expect(a.messageIDIsSynthetic)
        #expect(a.messageID == b.messageID)
        #expect(a.messageID.hasSuffix("@synthetic.mailgateway.invalid"))
        #expect(a.messageID.split(separator: "@")[0].count == 32)
        #expect(a.messageID.split(separator: "@")[0].allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(try MessageParser.parse(mail(["Subject: other"])).messageID != a.messageID)
        // sha256("Subject: no id\r\n\r\nbody\r\n"), first 32 hex digits (computed with sha256sum)
        #expect(a.messageID == "e58e048f40325bc194947917527ef6b9@synthetic.mailgateway.invalid")
    }

    @Test func headersInOrderUnfoldedUndecoded() throws {
        let m = try MessageParser.parse(
            mail(["Received: from a\r\n\tby b", "Subject: =?utf-8?q?x?=", "X-Empty:", "received: second"]))
        #expect(m.headers.map(\.name) == ["Received", "Subject", "X-Empty", "received"])
        #expect(m.headers.map(\.value) == ["from a\tby b", "=?utf-8?q?x?=", "", "second"])
        #expect(m.headerValues("RECEIVED") == ["from a\tby b", "second"])
    }

    @Test func throwsOnlyWhenNothingUsable() throws {
        #expect(throws: MessageParseError(.emptyInput, offset: 0)) { try MessageParser.parse([]) }
        #expect(throws: MessageParseError.self) { try MessageParser.parse(Array("just some words\nand more\n".utf8)) }
        // Headers without a body are fine.
        let m = try MessageParser.parse(Array("Subject: only headers".utf8))
        #expect(m.subject == "only headers")
        #expect(m.text == nil || m.text == "")
    }

    @Test func errorDescriptionHasNoContent() {
        let e = MessageParseError(.noHeaderSection, offset: 0)
        #expect(e.description.contains("no header section"))
    }

    @Test func lfOnlyMessages() throws {
        let m = try MessageParser.parse(Array("Subject: lf\nMessage-ID: <lf@x>\n\nline one\nline two\n".utf8))
        #expect(m.subject == "lf")
        #expect(m.text == "line one\nline two\n")
    }
}


@Suite struct ParseLeadingJunkTests {
    @Test func mboxFromLineAndBOMBeforeHeadersAreSkipped() throws {
        let raw = [0xEF, 0xBB, 0xBF] + Array(
            "From MAILER-DAEMON Mon Apr 19 15:28:51 2021\nContent-Type: text/plain; charset=utf-8\nSubject: s\n\nbody\n".utf8)
        let m = try MessageParser.parse(raw)
        #expect(m.subject == "s")
        #expect(m.text == "body\n")
        #expect(m.headers.map(\.name) == ["Content-Type", "Subject"])
        #expect(m.problems.contains { $0.contains("From_ line") })
    }
}
