import Foundation
import Testing
import TestSupport
@testable import MailGateway

/// ``MessageParser/parseHeaders(_:)`` against ``MessageParser/parse(_:)``: the same header fields, the same
/// failures, no body; and ``MessageParser/withBody(_:raw:)`` of its result gives the whole parse's value.
@Suite("Parse: the header only")
struct ParseHeadersTests {
    /// The fields both parses give, compared as one value.
    struct Fields: Equatable {
        var messageID: String, synthetic: Bool, inReplyTo: [String], references: [String], subject: String
        var from: [MailAddress], sender: MailAddress?, replyTo: [MailAddress], to: [MailAddress], cc: [MailAddress]
        var date: Date?, headers: [MessageHeader]

        init(_ m: ParsedMessage) {
            (messageID, synthetic, inReplyTo, references, subject) = (m.messageID, m.messageIDIsSynthetic, m.inReplyTo,
                                                                     m.references, m.subject)
            (from, sender, replyTo, to, cc, date, headers) = (m.from, m.sender, m.replyTo, m.to, m.cc, m.date, m.headers)
        }
    }

    /// Compares the two parses of `raw`; returns a description of the first difference, nil when they agree.
    static func difference(_ raw: [UInt8]) -> String? {
        let whole = Result { () throws(MessageParseError) in try MessageParser.parse(raw) }
        let header = Result { () throws(MessageParseError) in try MessageParser.parseHeaders(raw) }
        switch (whole, header) {
        case (.failure(let a), .failure(let b)):
            return a.description == b.description ? nil : "failures differ: \(a) / \(b)"
        case (.success(let a), .success(let b)):
            if Fields(a) != Fields(b) { return "header fields differ" }
            if !a.bodyParsed || b.bodyParsed { return "bodyParsed \(a.bodyParsed) / \(b.bodyParsed)" }
            if b.text != nil || b.html != nil || !b.attachments.isEmpty { return "a body in the header-only parse" }
            // The rules that read the MIME type look for a report; a header that names none gives none.
            let namesReport = b.headerValues("Content-Type").contains { $0.lowercased().contains("report") }
            if a.contentType == "multipart/report" && !namesReport { return "a report the header does not name" }
            // The rest of the parse, from the header's result: the whole parse's value.
            guard let c = try? MessageParser.withBody(b, raw: raw) else { return "withBody threw" }
            if Fields(c) != Fields(a) || !c.bodyParsed { return "withBody: header fields differ" }
            if c.text != a.text || c.html != a.html || c.textIsDerivedFromHTML != a.textIsDerivedFromHTML
                || c.contentType != a.contentType || c.problems != a.problems {
                return "withBody: body differs"
            }
            let parts = { (m: ParsedMessage) in
                m.attachments.map { "\($0.filename ?? "-") \($0.contentType) \($0.contentID ?? "-") \($0.isInline) \($0.digest)" }
            }
            if parts(c) != parts(a) { return "withBody: attachments differ" }
            return nil
        default:
            return "one parse failed, the other did not: \(whole) / \(header)"
        }
    }

    @Test("the declared type: lower-cased, before parameters and comments; text/plain without one")
    func declaredType() {
        #expect(MessageParser.declaredType("Multipart/Report; report-type=delivery-status") == "multipart/report")
        #expect(MessageParser.declaredType(" text/HTML (a comment); charset=utf-8") == "text/html")
        #expect(MessageParser.declaredType("text / plain") == "text/plain")
        #expect(MessageParser.declaredType("garbage") == "text/plain")
        #expect(MessageParser.declaredType(nil) == "text/plain")
    }

    @Test("hand-made messages: a plain one, an attachment, no Message-ID, folded fields, encoded words, limits beyond bounds")
    func handMade() throws {
        let nested = (0..<600).map { "Content-Type: multipart/mixed; boundary=\"b\($0)\"\r\n\r\n--b\($0)\r\n" }.joined()
        let messages: [String] = [
            "From: a@x.example\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nMessage-ID: <1@x>\r\n\r\nbody\r\n",
            "From: a@x.example\r\nTo: b@y.example,\r\n c@z.example\r\nReferences: <p@x>\r\n <q@x>\r\n\r\nno id\r\n",
            "From: a@x.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n"
                + "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--z--\r\n",
            "From: a@x.example\r\nMIME-Version: 1.0\r\n" + nested,
            "From: a@x.example\r\nSubject: (((((((((((((((((((((((((((((((((((((((((((((((((((deep\r\n\r\n",
            "no header at all",
        ]
        for message in messages {
            #expect(Self.difference(Array(message.utf8)) == nil, "\(message.prefix(80))")
        }
        let nestedError = Result { () throws(MessageParseError) in try MessageParser.parseHeaders(Array(messages[3].utf8)) }
        #expect(throws: MessageParseError.self, "beyond the MIME limits, refused as the whole parse refuses it") {
            try nestedError.get()
        }
        // A header value given with other bytes: the limits are checked again before libetpan sees the structure.
        let plain = try MessageParser.parseHeaders(Array(messages[0].utf8))
        #expect(throws: MessageParseError.self, "withBody checks the limits of the bytes it is given") {
            try MessageParser.withBody(plain, raw: Array(messages[3].utf8))
        }
    }

    @Test("every message of the real corpora: the same header fields and failures, no body", .enabled(if: Corpora.available, Comment(rawValue: Corpora.absentMessage)))
    func corpora() throws {
        var raws: [(String, [UInt8])] = []
        for folder in ["notmuch/corpora", "mimekit/messages", "bounces-bounceparser/corpus"] {
            for url in ParseCorpusTests.files(under: folder) {
                raws.append((url.path, try [UInt8](Data(contentsOf: url))))
            }
        }
        let ksummit = try ParseCorpusTests.readMbox("lore-ksummit/ksummit.mbox.gz")
        raws += ksummit.map { ("ksummit #\($0.index)", $0.raw) }
        #expect(raws.count > 3_000, "the corpora hold \(raws.count) messages")
        var differences: [String] = []
        for (name, raw) in raws where !raw.isEmpty {
            if let d = Self.difference(raw) { differences.append("\(name): \(d)") }
        }
        #expect(differences.isEmpty, "\(differences.prefix(10))")
    }
}
