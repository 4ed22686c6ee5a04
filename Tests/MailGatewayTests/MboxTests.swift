import Foundation
import Testing
@testable import MailGateway

@Suite struct MboxTests {
    /// A fresh temporary folder for one test.
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mbox-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func readAll(_ url: URL) throws -> [MboxMessage] {
        let reader = try MboxReader(url: url)
        var out: [MboxMessage] = []
        while let m = try reader.next() { out.append(m) }
        return out
    }

    static func write(_ text: String, name: String = "test.mbox") throws -> URL {
        let url = try tempDir().appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func readsMboxrdAndUnescapesFromLines() throws {
        let url = try Self.write(
            """
            From alice@example.org Mon Apr 19 15:28:51 2021
            Subject: one

            >From the start
            >>From deeper
            > From not escaped (space first)
            >Fromage

            From bob@example.org Tue Apr 20 01:02:03 2021
            Subject: two

            body two

            """)
        let messages = try Self.readAll(url)
        #expect(messages.count == 2)
        #expect(String(decoding: messages[0].raw, as: UTF8.self)
            == "Subject: one\n\nFrom the start\n>From deeper\n> From not escaped (space first)\n>Fromage\n")
        // The file ends "body two\n" without the customary empty line: the one LF the format adds is
        // removed, as for every message (see MboxReader's documentation).
        #expect(String(decoding: messages[1].raw, as: UTF8.self) == "Subject: two\n\nbody two")
        #expect(messages[0].envelopeSender == "alice@example.org")
        #expect(messages[0].envelopeDate == Date(timeIntervalSince1970: 1_618_846_131))
        #expect(messages.map(\.index) == [1, 2])
    }

    @Test func unescapedMboxoBodyFromLineIsNotASeparator() throws {
        let url = try Self.write(
            "From -\nSubject: a\n\nMy favourite film:\n\nFrom Russia with love\n\nthe end\n\nFrom -\nSubject: b\n\nx\n")
        let messages = try Self.readAll(url)
        #expect(messages.count == 2)
        #expect(String(decoding: messages[0].raw, as: UTF8.self).contains("From Russia with love"))
        #expect(messages[0].envelopeSender == "-")
        #expect(messages[0].envelopeDate == nil)
    }

    @Test func crlfFile() throws {
        let url = try Self.write(
            "From a@x Mon Apr 19 15:28:51 2021\r\nSubject: a\r\n\r\nbody a\r\n\r\nFrom b@x Mon Apr 19 15:28:52 2021\r\nSubject: b\r\n\r\nbody b\r\n")
        let messages = try Self.readAll(url)
        #expect(messages.count == 2)
        #expect(messages[0].raw == Array("Subject: a\r\n\r\nbody a\r\n".utf8))
        #expect(messages[1].raw == Array("Subject: b\r\n\r\nbody b\r\n".utf8))
        #expect(messages[1].envelopeSender == "b@x")
    }

    @Test func missingFinalNewline() throws {
        let url = try Self.write("From a@x Mon Apr 19 15:28:51 2021\nSubject: a\n\nno newline at end")
        let messages = try Self.readAll(url)
        #expect(messages.count == 1)
        #expect(messages[0].raw == Array("Subject: a\n\nno newline at end".utf8))
    }

    @Test func emptyFileHasNoMessages() throws {
        #expect(try Self.readAll(try Self.write("")).isEmpty)
    }

    @Test func missingFileThrows() throws {
        #expect(throws: MboxError.self) { try MboxReader(url: URL(fileURLWithPath: "/nonexistent/x.mbox")) }
    }

    @Test func messagesLargerThanAChunk() throws {
        let big = String(repeating: "0123456789abcdef", count: 20_000)  // 320 KB in one line
        let url = try Self.write("From a@x Mon Apr 19 15:28:51 2021\nSubject: big\n\n\(big)\n\nFrom b@x Mon Apr 19 15:28:51 2021\nSubject: c\n\nc\n")
        let messages = try Self.readAll(url)
        #expect(messages.count == 2)
        #expect(messages[0].raw.count == "Subject: big\n\n".utf8.count + big.utf8.count + 1)
    }

    static let tricky: [[UInt8]] = [
        Array("Subject: plain\n\nbody\n".utf8),
        Array("Subject: no final newline\n\nbody".utf8),
        Array("Subject: crlf\r\n\r\nbody\r\n".utf8),
        Array("Subject: crlf no end\r\n\r\nbody".utf8),
        Array("Subject: blank end\n\nbody\n\n".utf8),
        Array("From starts with from\nSubject: x\n\n".utf8),
        Array("Subject: froms\n\nFrom here\n>From there\n>>From everywhere\nFrom the end".utf8),
        Array("Subject: lone cr\r\n\r\nbody\r\n\r".utf8),
        Array("Subject: trailing cr lf cr lf\r\n\r\nbody\r\n\r\n".utf8),
        [],
        Array("\n".utf8),
    ]

    @Test func writerReaderRoundTripIsByteExact() throws {
        let url = try Self.tempDir().appendingPathComponent("out.mbox")
        let writer = try MboxWriter(url: url)
        let date = Date(timeIntervalSince1970: 1_618_846_131)
        for raw in Self.tricky { try writer.write(raw: raw, sender: "sender@example.org", date: date) }
        try writer.close()
        let back = try Self.readAll(url)
        #expect(back.count == Self.tricky.count)
        for (a, b) in zip(Self.tricky, back) { #expect(a == b.raw) }
        #expect(back.allSatisfy { $0.envelopeSender == "sender@example.org" && $0.envelopeDate == date })
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasPrefix("From sender@example.org Mon Apr 19 15:28:51 2021\nSubject: plain\n\nbody\n\nFrom "))
        #expect(text.contains("\n>From starts with from\n"))
        #expect(text.contains("\n>From here\n>>From there\n>>>From everywhere\n>From the end\nFrom "))
    }

    @Test func randomRoundTrips() throws {
        var rng = SplitMix64(seed: 42)
        let pieces: [[UInt8]] = [Array("From ".utf8), Array(">".utf8), [0x0A], [0x0D], Array("a".utf8), [0x20],
                                 Array("Subject: x\n".utf8), [0x0D, 0x0A], Array("From a@b Mon Apr 19 15:28:51 2021".utf8)]
        var raws: [[UInt8]] = []
        for _ in 0..<300 {
            var raw: [UInt8] = []
            for _ in 0..<Int(rng.next() % 30) { raw += pieces[Int(rng.next() % UInt64(pieces.count))] }
            raws.append(raw)
        }
        let url = try Self.tempDir().appendingPathComponent("random.mbox")
        let writer = try MboxWriter(url: url)
        for raw in raws { try writer.write(raw: raw, sender: "", date: Date(timeIntervalSince1970: 0)) }
        try writer.close()
        let back = try Self.readAll(url)
        #expect(back.count == raws.count)
        #expect(back.map(\.raw) == raws)
        #expect(back.first?.envelopeSender == "MAILER-DAEMON")
    }

    @Test func readsGzipThroughGzip() throws {
        let dir = try Self.tempDir()
        let url = dir.appendingPathComponent("x.mbox")
        let writer = try MboxWriter(url: url)
        for raw in Self.tricky { try writer.write(raw: raw, sender: "a@b", date: Date(timeIntervalSince1970: 86_400 * 365)) }
        try writer.close()
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", url.path]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)
        let back = try Self.readAll(dir.appendingPathComponent("x.mbox.gz"))
        #expect(back.map(\.raw) == Self.tricky)
    }

    @Test func corruptGzipThrows() throws {
        let url = try Self.write("this is not gzip", name: "bad.mbox.gz")
        let reader = try MboxReader(url: url)
        #expect(throws: MboxError.self) { while try reader.next() != nil {} }
    }

    @Test func fromLineDateFormatting() {
        #expect(MboxFromLine.format(sender: "a@b", date: Date(timeIntervalSince1970: 0)) == "From a@b Thu Jan  1 00:00:00 1970")
        #expect(MboxFromLine.format(sender: "a@b", date: Date(timeIntervalSince1970: 1_618_846_131))
            == "From a@b Mon Apr 19 15:28:51 2021")
    }
}

/// A small seeded generator so the random round trip is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
