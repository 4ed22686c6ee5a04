import Foundation
import Testing
import TestSupport
@testable import MailGateway

/// `MIMEStructureScan` finds line breaks, hyphens and `(` with `memchr` since stop 23; before, it looked at every
/// byte. The old scan, copied here as the oracle, must give the same bounds on every input: seeded random texts of
/// the bytes the scan looks at, and every message of the corpora; and its searches must stay linear on the line
/// endings that made the first memchr version quadratic.
@Suite("MIME pre-scan: the memchr scan gives the byte-by-byte scan's bounds")
struct MIMEStructureScanOracleTests {
    /// The scan of main at e27529d, verbatim but for its word search (the same search, written again so that the
    /// oracle shares no code with the scan), and the comment depth as documented, byte by byte.
    enum Old {
        static func scan(_ buf: UnsafeBufferPointer<UInt8>) -> MIMEStructureScan {
            var result = MIMEStructureScan()
            let n = buf.count
            var start = 0
            while start < n {
                // One logical line: [start, end), breaks followed by a blank or preceded by `\` continue it.
                var end = start
                while true {
                    while end < n, buf[end] != 0x0A, buf[end] != 0x0D { end += 1 }
                    if end >= n { break }
                    var next = end
                    while next < n, buf[next] == 0x0A || buf[next] == 0x0D { next += 1 }
                    let escaped = end > start && buf[end - 1] == 0x5C
                    let folded = next < n && (buf[next] == 0x20 || buf[next] == 0x09)
                    if escaped || folded {
                        end = next
                        continue
                    }
                    break
                }
                if contains(buf, start, end, "content-type") {
                    result.multipartTokens += occurrences(buf, start, end, "multipart")
                    result.rfc822Tokens += occurrences(buf, start, end, "rfc822")
                    if occurrences(buf, start, end, "\"\\\"\"") > 0 { result.loneQuoteBoundary = true }
                }
                var next = end
                while next < n, buf[next] == 0x0A || buf[next] == 0x0D { next += 1 }
                start = max(next, end + 1)
            }
            // Lines starting with `--` (a line starts after a line feed, as in libetpan's delimiter search; the
            // first delimiter of a multipart, which libetpan finds more loosely, is the `+ multipartTokens`).
            if n >= 2, buf[0] == 0x2D, buf[1] == 0x2D { result.dashLines += 1 }
            if let base = buf.baseAddress {
                var i = 0
                while i < n, let hit = memchr(base + i, 0x0A, n - i) {
                    let lf = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if lf + 2 < n, base[lf + 1] == 0x2D, base[lf + 2] == 0x2D { result.dashLines += 1 }
                    i = lf + 1
                }
            }
            return result
        }

        /// The comment depth as its documentation defines it, byte by byte (the old loop, written as a fold).
        static func maxCommentDepth(_ buf: UnsafeBufferPointer<UInt8>) -> Int {
            var depth = 0, deepest = 0, skipNext = false
            for (i, byte) in buf.enumerated() {
                if skipNext {
                    skipNext = false
                } else if byte == 0x28 {
                    depth += 1
                    deepest = max(deepest, depth)
                } else if byte == 0x29 {
                    depth = max(0, depth - 1)
                } else if byte == 0x5C, depth > 0 {
                    skipNext = true
                } else if byte == 0x0A, !(i + 1 < buf.count && (buf[i + 1] == 0x20 || buf[i + 1] == 0x09)) {
                    depth = 0
                }
            }
            return deepest
        }

        static func contains(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ word: StaticString) -> Bool {
            occurrences(buf, from, to, word, stopAtFirst: true) > 0
        }

        /// The word search, copied too: the oracle shares nothing with the code it checks.
        static func occurrences(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ word: StaticString,
                                stopAtFirst: Bool = false) -> Int {
            let w = Array(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
            guard !w.isEmpty, to - from >= w.count else { return 0 }
            var count = 0
            var i = from
            while i <= to - w.count {
                if (0..<w.count).allSatisfy({ j in (buf[i + j] >= 0x41 && buf[i + j] <= 0x5A ? buf[i + j] | 0x20 : buf[i + j]) == w[j] }) {
                    count += 1
                    if stopAtFirst { return count }
                    i += w.count
                } else {
                    i += 1
                }
            }
            return count
        }
    }

    static func same(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buf in
            let new = MIMEStructureScan.scan(buf), old = Old.scan(buf)
            return new.multipartTokens == old.multipartTokens && new.rfc822Tokens == old.rfc822Tokens
                && new.dashLines == old.dashLines && new.loneQuoteBoundary == old.loneQuoteBoundary
                && MIMEStructureScan.maxCommentDepth(buf) == Old.maxCommentDepth(buf)
        }
    }

    static let pieces: [String] = [
        "\r", "\n", "\r\n", "\n\r", " ", "\t", "\\", "(", ")", "-", "--", "c", "C", "content-type", "Content-Type:",
        "CONTENT-TYPE", "content-", "-type", "ntent-type", "multipart", "MultiPart", "rfc822", "RFC822", "\"\\\"\"",
        "\"", "x", "é", "boundary=", "message/", ": ",
    ]

    @Test("fixed cases: empty, a lone hyphen, declarations at the edges, folded and escaped breaks")
    func fixedCases() {
        let cases = [
            "", "-", "--", "content-type", "Content-Type: multipart/mixed", "x\ncontent-type: multipart\n\tmultipart",
            "Content-Type: message/rfc822\\\r\ncontent-type", "a(b(c)d\\)e\n (f", "(((\n(((", "content-typ",
            "ontent-type: multipart", "--b\r\n--b--", "Content-Type: multipart; boundary=\"\\\"\"",
            "\r\r\ncontent-type\r multipart", "content-type\n multipart\r\n rfc822",
        ]
        for text in cases {
            #expect(Self.same(Array(text.utf8)), "\(text.debugDescription)")
        }
        // The cases the scan exists for still give their bounds.
        Array("Content-Type: multipart/mixed\r\n\r\n--b\r\n".utf8).withUnsafeBufferPointer { buf in
            let scan = MIMEStructureScan.scan(buf)
            #expect(scan.multipartTokens == 1 && scan.dashLines == 1)
        }
    }

    @Test("seeded random texts of the bytes the scan looks at: the same bounds")
    func randomTexts() {
        var generator = SplitMix64(seed: 2323)
        for _ in 0..<20_000 {
            let count = Int(generator.next() % 60)
            let text = (0..<count).map { _ in Self.pieces[Int(generator.next() % UInt64(Self.pieces.count))] }.joined()
            #expect(Self.same(Array(text.utf8)), "\(text.debugDescription)")
        }
    }

    /// A few MB of bare CRs, of bare LFs, of CRLFs and of declarations: the first memchr version searched for the
    /// next LF from every bare CR (1 MB of `a\r`: 2.46 s, so 4 MB about 40 s; a 50 MB message, the default limit,
    /// hours). The bound is the one of the other pre-scan tests (MIMEBoundsTests): 5 s for work that takes well
    /// under a second, and minutes when quadratic.
    @Test("bare CRs, LFs, CRLFs and declarations over 4 MB: scanned in linear time, same bounds as the oracle on 64 KB")
    func linearOnEveryLineEnding() {
        let patterns = ["a\r", "a\n", "a\r\n", "\r", "Content-Type: multipart/mixed\r", "content-type-\r", "-\r", "(\r"]
        for pattern in patterns {
            let big = Array(String(repeating: pattern, count: 4_000_000 / pattern.utf8.count).utf8)
            let clock = ContinuousClock()
            let start = clock.now
            let scan = big.withUnsafeBufferPointer { MIMEStructureScan.scan($0) }
            let depth = big.withUnsafeBufferPointer { MIMEStructureScan.maxCommentDepth($0) }
            #expect(clock.now - start < .seconds(5), "\(pattern.debugDescription): \(clock.now - start)")
            #expect(scan.multipartTokens >= 0 && depth >= 0)
            let small = Array(big.prefix(65_536))
            #expect(Self.same(small), "\(pattern.debugDescription)")
        }
    }

    @Test("every message of the corpora: the same bounds", .enabled(if: Corpora.available, Comment(rawValue: Corpora.absentMessage)))
    func corpora() throws {
        var checked = 0
        for mbox in ["lore-ksummit/ksummit.mbox.gz", "lore-usrp-users/usrp-users-2022-08_10.mbox.gz"] {
            for message in try CorpusMail.mboxMessages(try #require(Corpora.url(mbox))) {
                #expect(Self.same(message), "\(mbox) message \(checked)")
                checked += 1
            }
        }
        for folder in ["notmuch/corpora", "mimekit", "bounces-bounceparser/corpus"] {
            for file in CorpusMail.files(under: try #require(Corpora.url(folder))) {
                let bytes = try [UInt8](Data(contentsOf: file))
                #expect(Self.same(bytes), "\(file.path)")
                checked += 1
            }
        }
        #expect(checked > 3_000)
    }
}
