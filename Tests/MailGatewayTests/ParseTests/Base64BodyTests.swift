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

    @Test("whitespace anywhere, inside a group or between the padding signs; an empty or blank body")
    func whitespaceAnywhere() {
        #expect(Self.decode("QU JD\r\nR A= =\r\n") == Data("ABCD".utf8))
        #expect(Self.decode("Q\tU\nJ\rD") == Data("ABC".utf8))
        #expect(Self.decode("QR==") == Data([0x41]))
        #expect(Self.decode(" \r\n\t") == Data())
        #expect(Self.decode("") == nil)  // no bytes at all: libetpan's path, which gives nothing either
    }

    /// A reference decoder written here, independent of both: 4 symbols -> 3 bytes, padding trims the last group.
    static func reference(_ text: String) -> Data {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let symbols = text.utf8.filter { $0 != 13 && $0 != 10 && $0 != 32 && $0 != 9 }
        var out = Data()
        for start in stride(from: 0, to: symbols.count, by: 4) {
            let group = symbols[start..<start + 4]
            let values = group.map { UInt32(alphabet.firstIndex(of: $0) ?? 0) }
            let word = values.reduce(0) { $0 << 6 | $1 }
            let bytes = [UInt8(word >> 16 & 0xff), UInt8(word >> 8 & 0xff), UInt8(word & 0xff)]
            out.append(contentsOf: bytes.prefix(3 - group.filter { $0 == UInt8(ascii: "=") }.count))
        }
        return out
    }

    @Test("seeded random bodies with random whitespace: the reference decoder's bytes")
    func randomAgainstReference() {
        var generator = SplitMix64(seed: 25)
        for _ in 0..<300 {
            let original = Data((0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
            var text = ""
            for character in original.base64EncodedString() {
                text.append(character)
                if generator.next() % 7 == 0 { text.append(["\r\n", "\n", " ", "\t"][Int(generator.next() % 4)]) }
            }
            guard !text.isEmpty else { continue }
            #expect(Self.decode(text) == Self.reference(text))
            #expect(Self.reference(text) == original)
        }
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
