import Foundation
import Testing
@testable import MailGateway

/// Base64 bodies in the strict form are decoded by Foundation; every other form still goes to libetpan's lenient
/// decoder (``Base64Body``).
@Suite("Base64 bodies")
struct Base64BodyTests {
    static func decode(_ text: String) -> Data? {
        Array(text.utf8).withUnsafeBufferPointer { Base64Body.decode($0) }
    }

    static func isStrict(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBufferPointer { Base64Body.isStrict($0) }
    }

    /// Bytes 0...255 repeated, `count` of them.
    static func bytes(_ count: Int) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 256) })
    }

    @Test("the strict form, every padding and line ending, gives the original bytes", arguments: [0, 1, 2, 3, 4, 57, 58, 59, 1000])
    func strict(count: Int) {
        let original = Self.bytes(count)
        let crlf = original.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let lf = original.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        if count > 0 {
            #expect(Self.decode(crlf + "\r\n") == original)
            #expect(Self.decode(lf + "\n") == original)
            #expect(Self.decode(" " + lf.replacingOccurrences(of: "\n", with: "\t\n ")) == original)
        }
        #expect(Self.isStrict(crlf))
    }

    @Test("any other form is left to libetpan", arguments: [
        "QQ", "QQ=", "Q===", "====", "QQ==QQ==", "QU!D", "QUJD\r\nRA==\r\ngarbage", "QUJD-RA==", "QUJDRA==\u{0}",
    ])
    func notStrict(text: String) {
        #expect(Self.decode(text) == nil)
    }

    /// A real message: the strict attachment decoded by Foundation, the unpadded one by libetpan (which still
    /// decodes what it can, as before the fast path existed).
    @Test("through the parser: both decoders, the same bytes as the originals")
    func throughTheParser() throws {
        let original = Self.bytes(3000)
        let raw = Array("""
            Message-ID: <b64@example.org>\r
            From: a@example.org\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="b"\r
            \r
            --b\r
            Content-Type: text/plain\r
            \r
            text\r
            --b\r
            Content-Type: application/octet-stream; name="strict.bin"\r
            Content-Transfer-Encoding: base64\r
            \r
            \(original.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]))\r
            --b\r
            Content-Type: application/octet-stream; name="unpadded.bin"\r
            Content-Transfer-Encoding: base64\r
            \r
            QUJDRA\r
            --b--\r

            """.utf8)
        #expect(Self.decode("QUJDRA\r\n") == nil)
        let parsed = try MessageParser.parse(raw)
        #expect(parsed.attachments.map(\.filename) == ["strict.bin", "unpadded.bin"])
        #expect(Data(parsed.attachments[0].data) == original)
        #expect(Data(parsed.attachments[1].data) == Data("ABCD".utf8))
    }
}
