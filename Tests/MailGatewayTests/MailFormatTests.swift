import Foundation
import Testing
import Crypto
@testable import MailGateway

/// The mail-format core (Sources/MailGateway/MailFormat): address parts and case rules, the one RFC 2047 and
/// quoted-printable encoder, the one line-ending normaliser, RFC 5322 dates and header lookup.
@Suite struct MailFormatTests {
    @Test("lower-case hex: two digits a byte, the SHA-256 of \"abc\" as FIPS 180-2 prints it")
    func lowercaseHex() {
        #expect(LowercaseHex.string([0x00, 0x0F, 0xF0, 0xFF, 0x5A]) == "000ff0ff5a")
        #expect(LowercaseHex.string([UInt8]()) == "")
        #expect(LowercaseHex.string(SHA256.hash(data: Data("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("a date as people read it, in each language and zone (the formatters are cached by language and zone)")
    func localisedDates() throws {
        let instant = Date(timeIntervalSince1970: 1_796_475_780)  // 2026-12-05T13:03:00Z, a Saturday
        let utc = try #require(TimeZone(identifier: "UTC")), paris = try #require(TimeZone(identifier: "Europe/Paris"))
        // Foundation on Linux names the UTC zone "GMT": the zone's own identifier is what the notice prints.
        for _ in 0..<2 {  // the second round must not get another key's formatter
            #expect(ModerationNoticeValues.localised(instant, language: .fr, in: utc) == "samedi 5 décembre 2026 à 13:03 (\(utc.identifier))")
            #expect(ModerationNoticeValues.localised(instant, language: .fr, in: paris)
                    == "samedi 5 décembre 2026 à 14:03 (Europe/Paris)")
            #expect(ModerationNoticeValues.localised(instant, language: .en, in: utc) == "Saturday, 5 December 2026 at 13:03 (\(utc.identifier))")
            #expect(ModerationNoticeValues.localised(instant, language: .es, in: utc) == "sábado, 5 de diciembre de 2026, 13:03 (\(utc.identifier))")
        }
    }

    @Test func addressParts() throws {
        let a = MailAddress(address: "Marie.Dupont@INRAE.fr")
        #expect(a.localPart == "Marie.Dupont")
        #expect(a.domain == "INRAE.fr")
        #expect(a.domainKey == "inrae.fr")
        #expect(a.canonicalKey == "marie.dupont@inrae.fr")
        #expect(a.normalized == AddressSyntax.canonicalKey(a.address))
        // The last @ separates the parts; without @ the whole text is the local part and there is no domain.
        let quoted = MailAddress.split("\"a@b\"@example.org")
        #expect(quoted.localPart == "\"a@b\"" && quoted.domain == "example.org")
        let bare = MailAddress(address: "undisclosed")
        #expect(bare.localPart == "undisclosed" && bare.domain == nil && bare.domainKey == nil)
        #expect(try MailAddress(validating: "Alice@Partner.example", name: "Alice").address == "Alice@Partner.example")
        #expect(throws: AddressSyntax.Problem.missingAt) { try MailAddress(validating: "alice@") }
        #expect(throws: AddressSyntax.Problem.invalidLocalPart) { try MailAddress(validating: "@example.org") }
        #expect(throws: AddressSyntax.Problem.missingAt) { try MailAddress(validating: "alice") }
    }

    @Test func headerTextStaysWithinLineLimits() {
        let long = String(repeating: "Réunion du comité scientifique — ", count: 6)
        for (name, value) in [("Subject", HeaderEncoding.unstructured(long)), ("Reply-To", HeaderEncoding.phrase(long))] {
            let lines = "\(name): \(value)".components(separatedBy: "\r\n")
            #expect(lines.count > 1)
            for line in lines { #expect(line.utf8.count <= 76, "\(line)") }  // RFC 2047 §2
            for word in value.components(separatedBy: "\r\n ") { #expect(word.utf8.count <= 75) }
        }
        #expect(HeaderEncoding.unstructured("Plain\ttext") == "Plain\ttext")
        // Text that reads as an encoded-word is encoded, so that readers show it as written.
        #expect(HeaderEncoding.unstructured("About =?UTF-8?B?w6k=?=") == "=?UTF-8?B?QWJvdXQgPT9VVEYtOD9CP3c2az0/PQ==?=")
        #expect(HeaderEncoding.phrase("Say \"hi\"") == "\"Say \\\"hi\\\"\"")
        #expect(HeaderEncoding.unstructured("a\r\nBcc: x").hasPrefix("=?UTF-8?B?"))
        #expect(HeaderEncoding.mailbox(MailAddress(address: "a@b.example")) == "a@b.example")
    }

    @Test("phrase escapes backslashes and quotes; the angle part folds by the phrase's last line")
    func phraseEscapingAndFolding() {
        #expect(HeaderEncoding.phrase(#"C:\dir "x"\"#) == #""C:\\dir \"x\"\\""#)
        #expect(HeaderEncoding.phrase("") == "\"\"")
        #expect(HeaderEncoding.lastLineBytes("ab\r\ncd") == 2)
        #expect(HeaderEncoding.lastLineBytes("abc") == 3)
        #expect(HeaderEncoding.lastLineBytes("a\r\r\n") == 0)
        #expect(HeaderEncoding.lastLineBytes("a\nb\r") == 4)
        // A long non-ASCII name: encoded-words on folded lines; the address joins the last one when it fits.
        let name = String(repeating: "é", count: 40)
        let phrase = HeaderEncoding.phrase(name)
        let last = phrase.components(separatedBy: "\r\n").last ?? phrase
        let short = HeaderEncoding.mailbox(MailAddress(name: name, address: "a@b.example"))
        let long = HeaderEncoding.mailbox(MailAddress(name: name, address: String(repeating: "x", count: 60) + "@b.example"))
        #expect(short == phrase + (last.utf8.count + 11 + 3 > 70 ? "\r\n " : " ") + "<a@b.example>")
        #expect(long.hasSuffix("\r\n <" + String(repeating: "x", count: 60) + "@b.example>"))
        #expect(HeaderEncoding.mailbox(MailAddress(name: "Ana", address: "a@b.example")) == "\"Ana\" <a@b.example>")
    }

    @Test func quotedPrintableProtectsLineStarts() {
        // RFC 2049 §3 (8): "From " and a lone "." at the start of an encoded line, also after a soft break.
        let qp = QuotedPrintable.encode("From here\n.\n" + String(repeating: "x", count: 75) + "From there\n")
        #expect(qp.hasPrefix("=46rom here\r\n=2E\r\n"))
        #expect(qp.contains("=\r\n=46rom there\r\n"))
        let dot = QuotedPrintable.encode(String(repeating: "y", count: 75) + ".")
        #expect(dot == String(repeating: "y", count: 75) + "=\r\n=2E\r\n")
        // An F that does not begin "From " is left alone; trailing blanks are encoded.
        #expect(QuotedPrintable.encode("Fromage \n") == "Fromage=20\r\n")
        // Lines end at LF or CRLF; a final break adds no empty line; a CR left before an LF ends its line as `=0D`.
        #expect(QuotedPrintable.encode("a\r\nb\n\nc\n") == "a\r\nb\r\n\r\nc\r\n")
        #expect(QuotedPrintable.encode("x\r\r\ny\rz") == "x=0D\r\ny=0Dz\r\n")
        #expect(QuotedPrintable.encode("\u{301}\n\u{301}é") == "=CC=81\r\n=CC=81=C3=A9\r\n")
        for line in QuotedPrintable.encode(String(repeating: "é", count: 100)).components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76)
        }
    }

    @Test func lineEndings() {
        let mixed: [UInt8] = Array("a\nb\r\nc\rd\r\r\ne\r".utf8)
        #expect(LineEndings.crlf(mixed) == Array("a\r\nb\r\nc\r\nd\r\n\r\ne\r\n".utf8))
        #expect(LineEndings.crlf(mixed, bareCR: .drop) == Array("a\r\nb\r\ncd\r\ne".utf8))
        #expect(LineEndings.lf("a\r\nb\rc\n") == "a\nb\rc\n")
        #expect(LineEndings.crlf("a\nb") == "a\r\nb")
    }

    @Test func datesAndHeaderLookup() {
        #expect(RFC5322Date.string(from: Date(timeIntervalSince1970: 1_795_961_589)) == "Sun, 29 Nov 2026 14:13:09 +0000")
        let headers = "From: a@b.example\r\nSubject: first\r\n part\r\nsubject: second\r\n"
        #expect(HeaderLookup.firstValue("SUBJECT", in: headers) == "first part")
        #expect(HeaderLookup.firstValue("To", in: headers) == nil)
    }
}
