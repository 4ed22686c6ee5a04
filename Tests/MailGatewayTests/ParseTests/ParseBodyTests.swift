import Foundation
import Testing
@testable import MailGateway

@Suite struct ParseBodyTests {
    @Test func quotedPrintableUTF8() throws {
        let m = try MessageParser.parse(
            mail(["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
                 "caf=C3=A9 is a long line that is=\r\n soft broken\r\n"))
        #expect(m.text == "café is a long line that is soft broken\n")
    }

    @Test func base64UTF8() throws {
        let m = try MessageParser.parse(
            mail(["Content-Type: text/plain; charset=\"UTF-8\"", "Content-Transfer-Encoding: base64"],
                 Data("Grüße\r\naus Wien\r\n".utf8).base64EncodedString() + "\r\n"))
        #expect(m.text == "Grüße\naus Wien\n")
    }

    @Test func eightBitLatin1IsReadAsWindows1252() throws {
        let body: [UInt8] = Array("price ".utf8) + [0x80, 0x20, 0x93, 0x71, 0x94, 0x20, 0xE9] + Array("\r\n".utf8)
        let raw = Array("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".utf8) + body
        let m = try MessageParser.parse(raw)
        #expect(m.text == "price € “q” é\n")
    }

    @Test func invalidUTF8LabelledUTF8FallsBackToWindows1252() throws {
        let raw = Array("Content-Type: text/plain; charset=utf-8\r\n\r\n".utf8) + [0x93, 0x68, 0x69, 0x94, 0x0A]
        let m = try MessageParser.parse(raw)
        #expect(m.text == "“hi”\n")
        #expect(m.problems.contains { $0.contains("not valid UTF-8") })
    }

    @Test func unknownCharsetTriesUTF8ThenWindows1252() throws {
        let utf8 = try MessageParser.parse(
            Array("Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nGrüße\r\n".utf8))
        #expect(utf8.text == "Grüße\n")
        #expect(utf8.problems.contains { $0.contains("x-no-such-charset") })
        let latin = try MessageParser.parse(
            Array("Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n".utf8) + [0x80, 0x0A])
        #expect(latin.text == "€\n")
    }

    @Test func otherCharsetsThroughIconv() throws {
        let koi8 = try MessageParser.parse(
            Array("Content-Type: text/plain; charset=koi8-r\r\n\r\n".utf8) + [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4, 0x0A])
        #expect(koi8.text == "Привет\n")
        let gb = try MessageParser.parse(
            Array("Content-Type: text/plain; charset=gb2312\r\n\r\n".utf8) + [0xC4, 0xE3, 0xBA, 0xC3, 0x0A])
        #expect(gb.text == "你好\n")
    }

    @Test func formatFlowedDelSp() throws {
        let m = try MessageParser.parse(
            mail(["Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes"],
                 "This is a long para \r\ngraph that was wrap \r\nped.\r\n> quoted and \r\n> flowed\r\n-- \r\nsig\r\n"))
        #expect(m.text == "This is a long paragraph that was wrapped.\n> quoted andflowed\n-- \nsig\n")
    }

    @Test func formatFlowedWithoutDelSpKeepsSpace() throws {
        let m = try MessageParser.parse(
            mail(["Content-Type: text/plain; format=flowed"], "one two \r\nthree\r\n From stuffed\r\n"))
        #expect(m.text == "one two three\nFrom stuffed\n")
    }

    @Test func alternativePrefersFirstTextPlain() throws {
        let m = try MessageParser.parse(
            mail(["Content-Type: multipart/alternative; boundary=XX"],
                 """
                 --XX\r
                 Content-Type: text/plain; charset=us-ascii\r
                 \r
                 plain version\r
                 --XX\r
                 Content-Type: text/html; charset=utf-8\r
                 \r
                 <p>html <b>version</b></p>\r
                 --XX--\r

                 """))
        #expect(m.contentType == "multipart/alternative")
        #expect(m.text == "plain version")
        #expect(m.html == "<p>html <b>version</b></p>")  // the CRLF before a boundary belongs to it
        #expect(!m.textIsDerivedFromHTML)
        #expect(m.attachments.isEmpty)
    }

    @Test func mixedConcatenatesInlineTextParts() throws {
        let m = try MessageParser.parse(
            mail(["Content-Type: multipart/mixed; boundary=\"b1\""],
                 """
                 preamble\r
                 --b1\r
                 Content-Type: text/plain\r
                 \r
                 first part\r
                 --b1\r
                 Content-Type: text/plain; charset=iso-8859-1\r
                 Content-Disposition: inline\r
                 Content-Transfer-Encoding: quoted-printable\r
                 \r
                 second part =E9\r
                 --b1\r
                 Content-Type: text/plain; name=notes.txt\r
                 Content-Disposition: attachment; filename=notes.txt\r
                 \r
                 attached text\r
                 --b1--\r

                 """))
        #expect(m.text == "first part\nsecond part é")
        #expect(m.attachments.count == 1)
        #expect(m.attachments.first?.filename == "notes.txt")
        #expect(m.attachments.first?.contentType == "text/plain")
        #expect(m.attachments.first?.data == Array("attached text".utf8))
    }

    @Test func htmlOnlyGivesDerivedText() throws {
        let html = """
            <html><head><title>T</title><style>p { color: red }</style></head><body>\r
            <script>alert("x")</script><h1>Title</h1><p>Hello&nbsp;<b>world</b> &amp; caf&eacute; &#8364;&#x20AC;</p>\r
            <ul><li>one</li><li>two</li></ul>line<br>break <a href="https://example.org/x">the link</a>\r
            <a href="https://example.org/">https://example.org/</a>\r
            </body></html>\r

            """
        let m = try MessageParser.parse(mail(["Content-Type: text/html; charset=utf-8"], html))
        #expect(m.textIsDerivedFromHTML)
        #expect(m.html?.contains("<h1>Title</h1>") == true)
        #expect(m.text == "Title\n\nHello world & café €€\n\n- one\n- two\nline\nbreak the link <https://example.org/x> https://example.org/")
    }

    @Test func attachmentsWithRFC2231AndRFC2047Names() throws {
        let m = try MessageParser.parse(
            mail(["Content-Type: multipart/mixed; boundary=b"],
                 """
                 --b\r
                 Content-Type: text/plain\r
                 \r
                 see attached\r
                 --b\r
                 Content-Type: application/pdf\r
                 Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%20r%C3%A9sum%C3%A9.pdf\r
                 Content-Transfer-Encoding: base64\r
                 \r
                 JVBERi0=\r
                 --b\r
                 Content-Type: application/octet-stream;\r
                  name*0*=iso-8859-1''long%20na;\r
                  name*1*=m%E9;\r
                  name*2=".bin"\r
                 \r
                 xyz\r
                 --b\r
                 Content-Type: image/png; name="=?utf-8?B?w6lsw6lwaGFudC5wbmc=?="\r
                 Content-Disposition: inline\r
                 Content-ID: <img1@example.org>\r
                 Content-Transfer-Encoding: base64\r
                 \r
                 iVBORw==\r
                 --b--\r

                 """))
        #expect(m.text == "see attached")
        #expect(m.attachments.count == 3)
        #expect(m.attachments[0].filename == "€ résumé.pdf")
        #expect(m.attachments[0].contentType == "application/pdf")
        #expect(m.attachments[0].data == Array("%PDF-".utf8))
        #expect(m.attachments[1].filename == "long namé.bin")
        #expect(m.attachments[1].data == Array("xyz".utf8))
        #expect(m.attachments[2].filename == "éléphant.png")
        #expect(m.attachments[2].isInline)
        #expect(m.attachments[2].contentID == "img1@example.org")
        #expect(m.attachments[2].data == [0x89, 0x50, 0x4E, 0x47])
        // The parse itself does not hash; the ingest asks for the digests, beside the database writer.
        #expect(m.attachments.allSatisfy { $0.sha256 == nil })
        let digested = m.withAttachmentDigests()
        // SHA-256 of "xyz", computed independently (Python's hashlib).
        #expect(digested.attachments[1].sha256 == "3608bca1e44ea6c4d268eb6db02260269892c0b42b86bbf1e77a6fa16c3c9282")
        #expect(digested.attachments.allSatisfy { $0.sha256 != nil && $0.sha256 == $0.digest })
    }

    @Test func signedAndEncryptedDoNotCrash() throws {
        let signed = try MessageParser.parse(
            mail(["Content-Type: multipart/signed; micalg=pgp-sha256; protocol=\"application/pgp-signature\"; boundary=s"],
                 """
                 --s\r
                 Content-Type: text/plain\r
                 \r
                 signed text\r
                 --s\r
                 Content-Type: application/pgp-signature; name=signature.asc\r
                 \r
                 -----BEGIN PGP SIGNATURE-----\r
                 --s--\r

                 """))
        #expect(signed.text == "signed text")
        #expect(signed.attachments.map(\.contentType) == ["application/pgp-signature"])
        #expect(signed.attachments.first?.filename == "signature.asc")
        let encrypted = try MessageParser.parse(
            mail(["Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=e"],
                 """
                 --e\r
                 Content-Type: application/pgp-encrypted\r
                 \r
                 Version: 1\r
                 --e\r
                 Content-Type: application/octet-stream; name=encrypted.asc\r
                 \r
                 -----BEGIN PGP MESSAGE-----\r
                 --e--\r

                 """))
        #expect(encrypted.text == nil)
        #expect(encrypted.attachments.map(\.contentType) == ["application/pgp-encrypted", "application/octet-stream"])
    }

    @Test func attachedMessageIsAnAttachment() throws {
        let m = try MessageParser.parse(
            mail(["Content-Type: multipart/mixed; boundary=m"],
                 """
                 --m\r
                 Content-Type: text/plain\r
                 \r
                 forwarded:\r
                 --m\r
                 Content-Type: message/rfc822\r
                 \r
                 Subject: inner\r
                 \r
                 inner body\r
                 --m--\r

                 """))
        #expect(m.text == "forwarded:")
        #expect(m.subject == "")
        #expect(m.attachments.first?.contentType == "message/rfc822")
        let inner = String(decoding: m.attachments.first?.data ?? [], as: UTF8.self)
        #expect(inner.contains("inner body"))
    }

    @Test func brokenMIMEStillGivesText() throws {
        let m = try MessageParser.parse(
            mail(["Content-Type: multipart/mixed; boundary=never", "Subject: broken"], "no boundary here\r\n"))
        #expect(m.subject == "broken")
        // libetpan finds no part: nothing is lost, the body text is kept as the (only) text.
        #expect(m.text?.contains("no boundary here") == true)
    }
}
