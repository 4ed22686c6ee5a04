import Foundation
import Testing
@testable import MailGateway

/// The MIME pre-scan: structures libetpan would recurse into too deeply, or rescan too often, are refused
/// before `mailmime_parse` sees them (review F2, F5); reasonable nesting still parses.
@Suite("MIME bounds")
struct MIMEBoundsTests {
    static let header = "From: a@example.org\r\nTo: l@example.org\r\nSubject: nest\r\nMessage-ID: <n@example.org>\r\n"

    /// `levels` nested `message/rfc822` parts, ~30 bytes each (30,000 levels: 0.9 MB, SIGSEGV in libetpan before).
    static func nestedMessages(_ levels: Int) -> [UInt8] {
        var s = header + "MIME-Version: 1.0\r\n"
        s.reserveCapacity(levels * 32 + 200)
        for _ in 0..<levels { s += "Content-Type: message/rfc822\r\n\r\n" }
        s += "Content-Type: text/plain\r\n\r\ninnermost\r\n"
        return Array(s.utf8)
    }

    /// `levels` nested `multipart/mixed` with one text part (20,000 levels: ~1.4 MB, 25 s of CPU before).
    static func nestedMultiparts(_ levels: Int, folded: Bool = false) -> [UInt8] {
        var s = header + "MIME-Version: 1.0\r\n"
        for i in 0..<levels {
            s += folded ? "Content-Type:\r\n multipart/mixed;\r\n boundary=\"b\(i)\"\r\n\r\n"
                        : "Content-Type: multipart/mixed; boundary=\"b\(i)\"\r\n\r\n"
            s += "--b\(i)\r\n"
        }
        s += "Content-Type: text/plain\r\n\r\ninnermost text\r\n"
        for i in (0..<levels).reversed() { s += "--b\(i)--\r\n" }
        return Array(s.utf8)
    }

    func reason(_ raw: [UInt8]) -> MessageParseError.Reason? {
        do { _ = try MessageParser.parse(raw); return nil } catch { return error.reason }
    }

    @Test func thirtyThousandNestedMessagesAreRefusedBeforeLibetpan() {
        let raw = Self.nestedMessages(30_000)
        #expect(raw.count > 900_000)
        let clock = ContinuousClock()
        let start = clock.now
        guard case .mimeTooDeep(let bound, let limit) = reason(raw) else { Issue.record("not refused"); return }
        #expect(bound > limit && limit == 512)
        #expect(clock.now - start < .seconds(5))
    }

    @Test func twentyThousandNestedMultipartsAreRefusedQuickly() {
        let raw = Self.nestedMultiparts(20_000)
        #expect(raw.count > 1_000_000)
        let clock = ContinuousClock()
        let start = clock.now
        guard case .mimeTooDeep = reason(raw) else { Issue.record("not refused"); return }
        #expect(clock.now - start < .seconds(5), "linear pre-scan, no libetpan")
        // Folding the declarations does not hide them.
        guard case .mimeTooDeep = reason(Self.nestedMultiparts(300, folded: true)) else { Issue.record("folded"); return }
    }

    @Test func reasonableNestingStillParses() throws {
        // 10 nested multiparts, then 5 nested messages: 2 + 2*10 + 5 = 27 levels at most.
        var raw = Self.nestedMultiparts(10)
        let m = try MessageParser.parse(raw)
        #expect(m.text == "innermost text")
        raw = Self.nestedMessages(5)
        let n = try MessageParser.parse(raw)
        #expect(n.contentType == "message/rfc822")
        // Right at the limit: 255 nested multiparts give a bound of 512.
        #expect(throws: Never.self) { try MessageParser.parse(Self.nestedMultiparts(255)) }
        #expect(reason(Self.nestedMultiparts(256)) == .mimeTooDeep(bound: 514, limit: 512))
        // A text body that merely talks about MIME is not a structure.
        let talk = Self.header + "\r\n" + String(repeating: "a multipart/mixed message with a message/rfc822 part\r\n", count: 500)
        #expect(throws: Never.self) { try MessageParser.parse(Array(talk.utf8)) }
    }

    @Test("a MIME digest of 100 messages, each multipart/alternative, parses (siblings are not nesting)")
    func mimeDigestOfManyMultipartMessagesParses() throws {
        var s = Self.header + "MIME-Version: 1.0\r\nContent-Type: multipart/digest; boundary=\"d\"\r\n\r\n"
        for i in 0..<100 {
            s += "--d\r\n\r\nFrom: p\(i)@example.org\r\nSubject: Post \(i)\r\nMIME-Version: 1.0\r\n"
            s += "Content-Type: multipart/alternative; boundary=\"a\(i)\"\r\n\r\n"
            s += "--a\(i)\r\nContent-Type: text/plain\r\n\r\npost \(i)\r\n"
            s += "--a\(i)\r\nContent-Type: text/html\r\n\r\n<p>post \(i)</p>\r\n--a\(i)--\r\n"
        }
        s += "--d--\r\n"
        let message = try MessageParser.parse(Array(s.utf8))
        #expect(message.contentType == "multipart/digest")
    }

    @Test func tooManyPartsAreRefused() {
        var s = Self.header + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        for _ in 0..<20_000 { s += "--b\r\n\r\nx\r\n" }
        s += "--b--\r\n"
        guard case .tooManyMIMEParts(let bound, let limit) = reason(Array(s.utf8)) else { Issue.record("not refused"); return }
        #expect(bound > limit && limit == 10_000)
        #expect(throws: Never.self) { try MessageParser.parse(Array(s.utf8), limits: MIMELimits(maxParts: 30_000)) }
    }

    /// `boundary="\""` makes libetpan 1.9.4's `mailmime_extract_boundary` copy SIZE_MAX bytes (SIGSEGV).
    @Test func loneQuoteBoundaryIsRefused() {
        let raw = Self.header + "Content-Type: multipart/mixed; boundary=\"\\\"\"\r\n\r\n--\"\r\nhello\r\n"
        #expect(reason(Array(raw.utf8)) == .unsafeMIMEBoundary)
        #expect(MessageParseError(.unsafeMIMEBoundary).description.contains("boundary"))
    }

    /// 300,000 nested `(` in a From field (or a Content-Type, or a part's header) overflowed libetpan's
    /// comment parser (SIGSEGV); refused before any libetpan parser runs.
    @Test(arguments: ["From", "Content-Type", "Message-ID"])
    func deeplyNestedCommentsAreRefused(field: String) {
        let deep = "\(field): " + String(repeating: "(", count: 300_000) + "x\r\n"
        let raw = Array((Self.header + deep + "\r\nbody\r\n").utf8)
        #expect(reason(raw) == .commentsTooDeep(limit: 256))
        // Escaped line breaks do not split the nesting.
        let escaped = "Content-Type: text/plain; a=b " + String(repeating: "(\\\n", count: 1_000) + "\r\n"
        #expect(reason(Array((Self.header + escaped + "\r\nbody\r\n").utf8)) == .commentsTooDeep(limit: 256))
        // Unbalanced parentheses spread over many lines of a body are fine.
        let smileys = Self.header + "\r\n" + String(repeating: "sorry :-( (really\r\n", count: 5_000)
        #expect(reason(Array(smileys.utf8)) == nil)
    }
}
