import Foundation
import Testing
@testable import MailGateway
import TestSupport

/// The outgoing copy: list headers, subject prefix, footer placement, DMARC rewrite (pure, no I/O).
@Suite struct DistributeComposerTests {
    let list = ListIdentity(id: "college-research", name: "Recherche", address: "recherche@lists.example.org",
                            language: .fr, subjectPrefix: "[Recherche]", fromRewrite: .never,
                            webBaseURL: "https://lists.example.org/")

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    func headerBlock(_ bytes: [UInt8]) -> String {
        let all = text(bytes)
        return String(all[..<(all.range(of: "\r\n\r\n")?.lowerBound ?? all.endIndex)])
    }

    func fieldValues(_ name: String, in bytes: [UInt8]) -> [String] {
        RawMessage(bytes).fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.unfolded)
    }

    /// Decodes `=?UTF-8?B?...?=` words (what the composer writes) for checking.
    func decodeWords(_ value: String) -> String {
        value.components(separatedBy: CharacterSet.whitespaces).filter { !$0.isEmpty }.map { word -> String in
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?=") else { return word }
            let b64 = String(word.dropFirst(10).dropLast(2))
            return Data(base64Encoded: b64).map { String(decoding: $0, as: UTF8.self) } ?? word
        }.joined()
    }

    let plain = """
        Return-Path: <alice@partner.example>
        Delivered-To: recherche@lists.example.org
        DKIM-Signature: v=1; a=rsa-sha256; d=partner.example; s=s1;
        \tbh=abc; b=def
        From: Alice Martin <alice@partner.example>
        To: recherche@lists.example.org
        Subject: Soil carbon data
        Message-ID: <abc.123@partner.example>
        In-Reply-To: <parent@x.example>
        References: <root@x.example>
        \t<parent@x.example>
        List-Id: Other list <other.example.com>
        Precedence: bulk
        MIME-Version: 1.0
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: 8bit

        Bonjour à tous,
        voici les données.

        """

    func composer(_ footer: String? = "-- \nListe Recherche", rewrite: FromRewrite = .never,
                  dmarc: DMARCLookup = .unknown) -> OutgoingComposer {
        var identity = list
        identity.fromRewrite = rewrite
        return OutgoingComposer(list: identity, footer: footer, dmarc: dmarc)
    }

    @Test func listHeadersAreAddedAndThreadHeadersKept() {
        let post = composer().compose(raw: Array(plain.utf8), subject: "Soil carbon data",
                                      author: MailAddress(name: "Alice Martin", address: "alice@partner.example"))
        let out = post.shared
        #expect(fieldValues("Message-ID", in: out) == ["<abc.123@partner.example>"])
        #expect(fieldValues("In-Reply-To", in: out) == ["<parent@x.example>"])
        #expect(fieldValues("References", in: out) == ["<root@x.example>\t<parent@x.example>"])
        #expect(fieldValues("DKIM-Signature", in: out).isEmpty)
        #expect(fieldValues("Return-Path", in: out).isEmpty)
        #expect(fieldValues("Delivered-To", in: out).isEmpty)
        #expect(fieldValues("List-Id", in: out) == ["\"Recherche\" <college-research.lists.example.org>"])
        #expect(fieldValues("List-Post", in: out) == ["<mailto:recherche@lists.example.org>"])
        #expect(fieldValues("List-Help", in: out) == ["<mailto:recherche+help@lists.example.org>"])
        #expect(fieldValues("List-Subscribe", in: out) == ["<mailto:recherche+join@lists.example.org>"])
        #expect(fieldValues("List-Owner", in: out) == ["<mailto:recherche+owner@lists.example.org>"])
        #expect(fieldValues("List-Archive", in: out) == ["<https://lists.example.org/lists/college-research>"])
        #expect(fieldValues("Precedence", in: out) == ["list"])
        #expect(fieldValues("X-Loop", in: out) == ["recherche@lists.example.org"])
        #expect(fieldValues("From", in: out) == ["Alice Martin <alice@partner.example>"])
        #expect(fieldValues("Subject", in: out) == ["[Recherche] Soil carbon data"])
        // Only CRLF line endings.
        #expect(!text(out).replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    /// The header lines of an outgoing copy read naively, as a member's mail client would (no shared code).
    func headerLines(_ bytes: [UInt8]) -> [String] {
        headerBlock(bytes).components(separatedBy: "\r\n")
    }

    func count(_ name: String, in lines: [String]) -> Int {
        lines.filter { $0.lowercased().hasPrefix(name.lowercased() + ":") }.count
    }

    @Test("smuggled fields (a bare CR, a colon-less line, duplicates) never reach members' copies", arguments: [
        // A bare CR inside a field: the parser reads one X-Note field, the old distributor two fields.
        "X-Note: hello\rFrom: \"Secretariat 4p1000\" <secretariat@4p1000-demo.example>\r\nFrom: Amelie Nguyen <amelie@ird-demo.example>\r\nTo: recherche@lists.example.org\r\nSubject: Hi\r\nMessage-ID: <s1@ird-demo.example>\r\n\r\nBody\r\n",
        // A colon-less line ends the parser's header; the old distributor read the fields after it.
        "From: Amelie Nguyen <amelie@ird-demo.example>\r\nTo: recherche@lists.example.org\r\nSubject: Hi\r\nthis line has no colon\r\nFrom: \"Secretariat 4p1000\" <secretariat@4p1000-demo.example>\r\nReply-To: attacker@evil.example\r\n\r\nBody\r\n",
        // Plain duplicates: the first of each is the one the policy judged.
        "From: Amelie Nguyen <amelie@ird-demo.example>\r\nFrom: \"Secretariat 4p1000\" <secretariat@4p1000-demo.example>\r\nSender: amelie@ird-demo.example\r\nSender: secretariat@4p1000-demo.example\r\nReply-To: amelie@ird-demo.example\r\nReply-To: attacker@evil.example\r\nSubject: Hi\r\n\r\nBody\r\n",
        // Bare LF with a bare CR in a continuation line.
        "From: Amelie Nguyen <amelie@ird-demo.example>\nSubject: Hi\n there\rReply-To: attacker@evil.example\n\nBody\n",
    ])
    func smuggledFieldsNeverGoOut(raw: String) throws {
        let bytes = Array(raw.utf8)
        let parsed = try MessageParser.parse(bytes)
        let author = try #require(parsed.from.first)
        #expect(author.address == "amelie@ird-demo.example")
        for rewrite in [FromRewrite.never, .always] {
            let out = composer(rewrite: rewrite).compose(raw: bytes, subject: parsed.subject, author: author).shared
            let lines = headerLines(out)
            #expect(count("From", in: lines) == 1, "\(lines)")
            #expect(count("Sender", in: lines) <= 1)
            #expect(count("Reply-To", in: lines) <= 1)
            #expect(!lines.contains { $0.lowercased().hasPrefix("from:") && $0.contains("secretariat") }, "\(lines)")
            #expect(!lines.contains { $0.lowercased().hasPrefix("reply-to:") && $0.contains("attacker") }, "\(lines)")
            #expect(!lines.contains { $0.lowercased().hasPrefix("sender:") && $0.contains("secretariat") }, "\(lines)")
            // Every line ends with CRLF: no bare CR or LF anywhere in the copy's header.
            #expect(!lines.contains { $0.contains("\r") || $0.contains("\n") })
            if rewrite == .never {
                #expect(lines.contains { $0.hasPrefix("From: Amelie Nguyen <amelie@ird-demo.example>") })
            }
        }
    }

    @Test func perRecipientCopyHasVERPAndUnsubscribe() {
        let post = composer().compose(raw: Array(plain.utf8), subject: "Soil carbon data", author: nil)
        let links = OneClickLinks(baseURL: "https://lists.example.org/gateway/", key: UnsubscribeKey(secret: "s3cret"))
        let url = links.url(list: "college-research", address: "bob+tag@member.example")
        let withToken = post.copy(for: "bob+tag@member.example", oneClickURL: url)
        // Per-copy VERP (BN-1): the outbox writes `recherche+bounce.<token>@` once the copy's row exists.
        #expect(withToken.bounceEnvelope == BounceEnvelope(listAddress: "recherche@lists.example.org", key: nil))
        #expect(withToken.envelopeFrom == "recherche+bounce@lists.example.org")
        let token = UnsubscribeKey(secret: "s3cret").token(list: "college-research", address: "bob+tag@member.example")
        #expect(fieldValues("List-Unsubscribe", in: withToken.bytes) == [
            "<mailto:recherche+leave@lists.example.org>, <https://lists.example.org/gateway/lists/college-research/unsubscribe?token=\(token)>",
        ])
        #expect(fieldValues("List-Unsubscribe-Post", in: withToken.bytes) == ["List-Unsubscribe=One-Click"])
        let withoutToken = post.copy(for: "bob@member.example")
        #expect(fieldValues("List-Unsubscribe", in: withoutToken.bytes) == [
            "<mailto:recherche+leave@lists.example.org>",
        ])
        #expect(fieldValues("List-Unsubscribe-Post", in: withoutToken.bytes).isEmpty)
        #expect(withoutToken.shared == withToken.shared)
    }

    @Test func unpersonalizedCopiesAreByteIdentical() {
        let post = composer().compose(raw: Array(plain.utf8), subject: "Soil carbon data", author: nil)
        let (a, b) = (post.unpersonalizedCopy(for: "a@member.example"), post.unpersonalizedCopy(for: "b@other.example"))
        #expect(a.bounceEnvelope == nil && a.envelopeFrom == "recherche+bounce@lists.example.org")
        #expect(a.bytes == b.bytes && a.envelopeFrom == b.envelopeFrom && a.recipient != b.recipient)
        #expect(fieldValues("List-Unsubscribe", in: a.bytes) == ["<mailto:recherche+leave@lists.example.org>"])
        #expect(fieldValues("List-Unsubscribe-Post", in: a.bytes).isEmpty)
        #expect(a.shared == post.copy(for: "a@member.example").shared)
    }

    @Test(arguments: [
        ("Soil carbon data", "[Recherche] Soil carbon data"),
        // The prefix goes to the start, once; reply markers collapse to one `Re:` after it (`ListSubject`).
        ("Re: [Recherche] Soil carbon data", "[Recherche] Re: Soil carbon data"),
        ("RE: [recherche] Soil", "[Recherche] Re: Soil"),
        ("[Recherche] Already", "[Recherche] Already"),
        ("", "[Recherche]"),
    ])
    func subjectPrefixIsAddedOnce(original: String, expected: String) {
        let raw = "From: a@b.example\nSubject: \(original)\nMessage-ID: <x@y>\n\nbody\n"
        let post = composer(nil).compose(raw: Array(raw.utf8), subject: original, author: nil)
        #expect(fieldValues("Subject", in: post.shared) == [expected])
    }

    @Test func nonASCIISubjectIsEncoded() {
        let subject = "Réunion des partenaires à Montpellier — ordre du jour détaillé et documents préparatoires"
        let raw = "From: a@b.example\nSubject: =?UTF-8?Q?R=C3=A9union?= ...\nMessage-ID: <x@y>\n\nbody\n"
        let post = composer(nil).compose(raw: Array(raw.utf8), subject: subject, author: nil)
        let field = RawMessage(post.shared).field("Subject")
        let rawValue = field?.rawValue ?? ""
        #expect(rawValue.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(rawValue.components(separatedBy: "\r\n").allSatisfy { $0.count <= 78 })
        #expect(decodeWords(field?.unfolded ?? "") == "[Recherche] " + subject)
    }

    @Test func footerIsAppendedToUTF8PlainText() {
        let post = composer("Liste Recherche — aide : recherche-request@lists.example.org")
            .compose(raw: Array(plain.utf8), subject: "Soil carbon data", author: nil)
        #expect(fieldValues("Content-Type", in: post.shared) == ["text/plain; charset=utf-8"])
        #expect(text(post.shared).hasSuffix("voici les données.\r\n\r\nListe Recherche — aide : recherche-request@lists.example.org\r\n"))
    }

    @Test func footerIsQuotedPrintableInQPPart() {
        let raw = "From: a@b.example\nSubject: s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\nCaf=C3=A9\n"
        let post = composer("Désinscription").compose(raw: Array(raw.utf8), subject: "s", author: nil)
        #expect(text(post.shared).hasSuffix("Caf=C3=A9\r\n\r\nD=C3=A9sinscription\r\n"))
    }

    /// A single text/plain part keeps one part: the footer is written into it (quoted-printable UTF-8), not
    /// added as a second part, which Outlook shows as an attachment.
    @Test func asciiPlainTextWithNonASCIIFooterIsReencodedInPlace() throws {
        let raw = "From: a@b.example\nSubject: s\nContent-Type: text/plain; charset=us-ascii\n\nHello\n"
        let post = composer("Désinscription").compose(raw: Array(raw.utf8), subject: "s", author: nil)
        let message = RawMessage(post.shared)
        #expect(message.field("Content-Type")?.unfolded == "text/plain; charset=utf-8")
        #expect(message.field("Content-Transfer-Encoding")?.unfolded == "quoted-printable")
        #expect(text(message.body) == "Hello\r\n\r\nD=C3=A9sinscription\r\n")
        #expect(fieldValues("MIME-Version", in: post.shared) == ["1.0"])
    }

    @Test func multipartMixedGetsALastPart() throws {
        let raw = """
            From: a@b.example
            Subject: s
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="XYZ"

            preamble
            --XYZ
            Content-Type: text/plain

            one
            --XYZ
            Content-Type: application/pdf
            Content-Transfer-Encoding: base64

            JVBERi0=
            --XYZ--
            epilogue

            """
        let post = composer("Footer text").compose(raw: Array(raw.utf8), subject: "s", author: nil)
        let body = text(RawMessage(post.shared).body)
        #expect(fieldValues("Content-Type", in: post.shared) == ["multipart/mixed; boundary=\"XYZ\""])
        #expect(body.components(separatedBy: "\r\n--XYZ\r\n").count == 4)
        #expect(body.contains("JVBERi0=\r\n--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Disposition: inline\r\n\r\nFooter text\r\n\r\n--XYZ--\r\nepilogue"))
    }

    @Test func multipartSignedIsWrappedUntouched() throws {
        let signedBody = "--S\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n--S\r\nContent-Type: application/pgp-signature\r\n\r\n-----BEGIN PGP SIGNATURE-----\r\nabc\r\n-----END PGP SIGNATURE-----\r\n--S--\r\n"
        let raw = "From: a@b.example\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha256; boundary=\"S\"\r\n\r\n" + signedBody
        let post = composer("Footer").compose(raw: Array(raw.utf8), subject: "s", author: nil)
        let message = RawMessage(post.shared)
        let type = ContentType(headerValue: message.field("Content-Type")?.unfolded)
        #expect(type.mimeType == "multipart/mixed")
        let boundary = try #require(type.parameters["boundary"])
        let body = text(message.body)
        // The whole signed entity, byte for byte, is the first part.
        let firstPart = "--\(boundary)\r\nContent-Type: multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha256; boundary=\"S\"\r\n\r\n" + signedBody
        #expect(body.hasPrefix(firstPart))
        #expect(!signedBody.contains(boundary))
    }

    @Test func alternativeIsWrapped() {
        let raw = "From: a@b.example\nSubject: s\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"A\"\n\n--A\nContent-Type: text/plain\n\nx\n--A\nContent-Type: text/html\n\n<p>x</p>\n--A--\n"
        let post = composer("Footer").compose(raw: Array(raw.utf8), subject: "s", author: nil)
        let type = ContentType(headerValue: RawMessage(post.shared).field("Content-Type")?.unfolded)
        #expect(type.mimeType == "multipart/mixed")
        #expect(text(post.shared).contains("Content-Type: multipart/alternative; boundary=\"A\"\r\n\r\n--A\r\n"))
    }

    @Test func fromIsRewrittenWhenTheAuthorsDomainIsStrict() {
        let author = MailAddress(name: "Alice Martin", address: "alice@partner.example")
        let strict = DMARCLookup.strictDomains(["partner.example"])
        let rewritten = composer(nil, rewrite: .whenDMARC, dmarc: strict)
            .compose(raw: Array(plain.utf8), subject: "s", author: author)
        #expect(rewritten.fromRewritten)
        #expect(fieldValues("From", in: rewritten.shared) == ["\"Alice Martin via Recherche\" <recherche@lists.example.org>"])
        #expect(fieldValues("Reply-To", in: rewritten.shared) == ["\"Alice Martin\" <alice@partner.example>"])

        let lax = composer(nil, rewrite: .whenDMARC, dmarc: .strictDomains(["other.example"]))
            .compose(raw: Array(plain.utf8), subject: "s", author: author)
        #expect(!lax.fromRewritten)
        #expect(fieldValues("From", in: lax.shared) == ["Alice Martin <alice@partner.example>"])
        #expect(fieldValues("Reply-To", in: lax.shared).isEmpty)

        let never = composer(nil, rewrite: .never, dmarc: strict).compose(raw: Array(plain.utf8), subject: "s", author: author)
        #expect(!never.fromRewritten)

        let always = composer(nil, rewrite: .always).compose(
            raw: Array("From: José <jose@x.example>\nReply-To: team@x.example\n\nb\n".utf8), subject: "",
            author: MailAddress(name: "José", address: "jose@x.example"))
        let from = fieldValues("From", in: always.shared).first ?? ""
        #expect(decodeWords(from) == "José via Recherche<recherche@lists.example.org>")
        #expect(fieldValues("Reply-To", in: always.shared) == ["team@x.example"])
    }

    @Test func subdomainsOfStrictDomainsAreStrict() {
        let lookup = DMARCLookup.strictDomains(["Example.org"])
        #expect(lookup.policy("mail.example.org") == .reject)
        #expect(lookup.policy("example.org") == .reject)
        #expect(lookup.policy("example.com") == nil)
    }

    @Test(arguments: [1, 31, 32, 1_000_000, (1 << 35) - 1] as [Int64])
    func verpTokenRoundTrips(copyID: Int64) {
        let key: [UInt8] = Array(repeating: 3, count: 32)
        let token = BounceToken(copyID: copyID, key: key)
        #expect(BounceToken(token.description, key: key)?.copyID == copyID)
        #expect(BounceToken(token.description.uppercased(), key: key)?.copyID == copyID, "MTAs may fold case")
        #expect(token.description.count <= VERP.tokenLength)
    }

    @Test func verpTokenRejectsForgeries() {
        let key: [UInt8] = Array(repeating: 3, count: 32)
        let token = BounceToken(copyID: 7, key: key).description
        let parts = token.split(separator: ".")
        #expect(BounceToken("\(BounceToken.base32(8)).\(parts[1])", key: key) == nil, "another copy id, the same MAC")
        #expect(BounceToken(token, key: Array(repeating: 4, count: 32)) == nil, "another key")
        #expect(BounceToken("marie=inrae.fr", key: key) == nil)
        #expect(BounceToken("", key: key) == nil)
        #expect(BounceToken("\(parts[0]).aaaaaaaaaaaaa", key: key) == nil)
    }

    @Test(arguments: Language.allCases)
    func footerTemplatesRenderWithoutEscaping(language: Language) throws {
        let templates = Corpora.repositoryRoot.appendingPathComponent("templates")
        let template = try FooterTemplate(templatesDirectory: templates, language: language)
        var identity = list
        identity.name = "Sols & Carbone <l'Initiative>"
        let footer = template.render(for: identity)
        #expect(footer.contains("Sols & Carbone <l'Initiative>"))
        #expect(footer.contains("recherche+leave@lists.example.org"))
        #expect(footer.contains("recherche+help@lists.example.org"))
        #expect(!footer.contains("-request@"))
        #expect(footer.contains("https://lists.example.org/lists/college-research"))
        #expect(!footer.contains("&amp;"))
        identity.webBaseURL = nil
        #expect(!template.render(for: identity).contains("https://"))
    }
}
