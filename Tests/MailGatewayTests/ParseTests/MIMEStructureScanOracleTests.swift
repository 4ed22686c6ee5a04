import Foundation
import Testing
import TestSupport
@testable import MailGateway

/// `MIMEStructureScan` finds line breaks, hyphens and `(` with `memchr` since stop 23; before, it looked at every
/// byte. The bounds as its documentation defines them, written plainly here as the oracle (checked against the
/// old byte-by-byte scan, copied verbatim, on every input below before that copy was dropped), must come out the
/// same on every input: seeded random texts of the bytes the scan looks at, and every message of the corpora; and
/// its searches must stay linear on the line endings that made the first memchr version quadratic.
@Suite("MIME pre-scan: the memchr scan gives the byte-by-byte scan's bounds")
struct MIMEStructureScanOracleTests {
    /// The bounds as the scan's documentation defines them, written plainly over an array, sharing no code with the
    /// scan: logical lines (a run of CR and LF ends one unless a backslash precedes the run or a blank follows it),
    /// the words of a line that holds `content-type`, lines starting with `--`, and the comment depth.
    enum Definition {
        static func scan(_ bytes: [UInt8]) -> MIMEStructureScan {
            var result = MIMEStructureScan()
            let isBreak = { (b: UInt8) in b == 0x0A || b == 0x0D }
            var lines: [ArraySlice<UInt8>] = []
            var start = 0, i = 0
            while i < bytes.count {
                guard isBreak(bytes[i]) else { i += 1; continue }
                var next = i
                while next < bytes.count, isBreak(bytes[next]) { next += 1 }
                let escaped = i > start && bytes[i - 1] == 0x5C
                let folded = next < bytes.count && (bytes[next] == 0x20 || bytes[next] == 0x09)
                if !escaped && !folded {
                    lines.append(bytes[start..<i])
                    start = next
                }
                i = next
            }
            if start < bytes.count { lines.append(bytes[start...]) }
            for line in lines {
                let lower = line.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
                guard lower.firstRange(of: Array("content-type".utf8)) != nil else { continue }
                result.multipartTokens += lower.ranges(of: Array("multipart".utf8)).count
                result.rfc822Tokens += lower.ranges(of: Array("rfc822".utf8)).count
                if lower.firstRange(of: Array("\"\\\"\"".utf8)) != nil { result.loneQuoteBoundary = true }
            }
            result.dashLines = bytes.indices.filter { p in
                (p == 0 || bytes[p - 1] == 0x0A) && p + 1 < bytes.count && bytes[p] == 0x2D && bytes[p + 1] == 0x2D
            }.count
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
    }

    static func same(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buf in
            let new = MIMEStructureScan.scan(buf), old = Definition.scan(bytes)
            return new.multipartTokens == old.multipartTokens && new.rfc822Tokens == old.rfc822Tokens
                && new.dashLines == old.dashLines && new.loneQuoteBoundary == old.loneQuoteBoundary
                && MIMEStructureScan.maxCommentDepth(buf) == Definition.maxCommentDepth(buf)
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
