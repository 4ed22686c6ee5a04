internal import Foundation

/// Bounds on the MIME structure handed to libetpan's `mailmime_parse`, which recurses once per nesting level
/// (a stack overflow near 30,000 nested `message/rfc822` parts) and rescans the rest of the body for each
/// nested multipart (quadratic CPU). Checked by ``MIMEStructureScan`` before libetpan sees the message.
struct MIMELimits: Sendable, Equatable {
    /// Most libetpan nesting levels (the top message, each multipart, each `message/rfc822` part), as bounded by
    /// the pre-scan, which counts sibling parts as if they were nested (a MIME digest of 100 multipart messages
    /// has a bound near 300). 512 keeps libetpan far from its stack overflow (near 30,000 levels) and its
    /// quadratic rescans under ~20 ms, while such digests and long forwarded chains still parse.
    var maxDepth = 512
    /// Most body parts over all multiparts.
    var maxParts = 10_000
    /// Deepest nesting of RFC 5322 comments (`(a (b (c)))`): libetpan's comment parser recurses once per
    /// level in every structured field it reads (addresses, ids, dates, Content-Type...), and 300,000 `(`
    /// overflow its stack.
    var maxCommentDepth = 256

    static let standard = MIMELimits()
}

/// A cheap linear pre-scan of the bytes given to `mailmime_parse` that gives upper bounds on the nesting depth
/// and the part count libetpan would reach, without parsing.
///
/// Why the bounds hold: every level libetpan opens below the top message is a composite entity, declared by a
/// `Content-Type` field whose value holds the literal token `multipart` or `rfc822` (a `multipart/digest` may
/// also open one `message/rfc822` level per part without a declaration, hence twice per `multipart`). A field's
/// value can only continue past a line break that is followed by a blank (folding) or escaped by a backslash
/// (a quoted pair in a comment), so the tokens of every declaration lie in a "logical line" (lines joined that
/// way) containing `content-type`. Each part after the first of a multipart starts after a line beginning with
/// `--` (libetpan's delimiter search), so parts ≤ lines starting with `--` + one per multipart.
/// Over-approximations are fine: a message that exceeds a bound is quarantined, never lost.
struct MIMEStructureScan {
    /// `multipart` tokens in `Content-Type` logical lines.
    var multipartTokens = 0
    /// `rfc822` tokens in `Content-Type` logical lines.
    var rfc822Tokens = 0
    /// Lines starting with `--`.
    var dashLines = 0
    /// A `Content-Type` logical line holds `"\""`: a boundary parameter of a lone quote, which makes libetpan
    /// 1.9.4's `mailmime_extract_boundary` write out of bounds (SIGSEGV).
    var loneQuoteBoundary = false

    /// The upper bound on libetpan's nesting depth.
    var depthBound: Int { 2 + 2 * multipartTokens + rfc822Tokens }
    /// The upper bound on the number of parts libetpan creates.
    var partsBound: Int { multipartTokens == 0 ? 0 : dashLines + multipartTokens }

    /// Scans `buf` once. Line breaks, hyphens and line feeds are found by `memchr`: a message is mostly text
    /// in which none of the scan's words can start, and a byte-by-byte loop over it cost more than the rest of
    /// the parse's own Swift work (stop 23: the scan and ``maxCommentDepth(_:)`` were 6 % of an ingest's CPU).
    /// Every search goes forward from its previous hit (``Finder``), so each byte is searched a bounded number of
    /// times whatever the line endings.
    static func scan(_ buf: UnsafeBufferPointer<UInt8>) -> MIMEStructureScan {
        var result = MIMEStructureScan()
        guard let base = buf.baseAddress else { return result }
        let n = buf.count
        var finder = Finder(base: base, count: n)
        var start = 0
        while start < n {
            // One logical line: [start, end), breaks followed by a blank or preceded by `\` continue it.
            var end = start
            while true {
                end = finder.lineBreak(from: end)
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
            // The first `content-type` at or after `start` is in this line when it ends before `end` (a later
            // one, if this one crosses `end`, crosses it too).
            if finder.declaration(from: start) + Finder.word.utf8CodeUnitCount <= end {
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
        var lf = first(0x0A, in: base, from: 0, count: n)
        while lf < n {
            if lf + 2 < n, base[lf + 1] == 0x2D, base[lf + 2] == 0x2D { result.dashLines += 1 }
            lf = first(0x0A, in: base, from: lf + 1, count: n)
        }
        return result
    }

    /// The scan's forward searches in `base[0..<count]`. Each keeps its last hit and searches again only when asked
    /// for a position past it, so the scan's calls, whose positions only grow, read each byte once per search: a
    /// search for the next LF from every bare CR made a text of bare CRs quadratic (review of stop 23: 1 MB of
    /// `a\r` took 2.46 s).
    struct Finder {
        /// `content-type`, as the scan looks for it (any case).
        static let word: StaticString = "content-type"
        let base: UnsafePointer<UInt8>
        let count: Int
        private var lf = -1
        private var cr = -1
        private var found = -1
        private var hyphensFrom = 0

        init(base: UnsafePointer<UInt8>, count: Int) {
            self.base = base
            self.count = count
        }

        /// The offset of the first CR or LF at or after `from`, or `count`.
        mutating func lineBreak(from: Int) -> Int {
            guard from < count else { return count }
            if lf < from { lf = MIMEStructureScan.first(0x0A, in: base, from: from, count: count) }
            if cr < from { cr = MIMEStructureScan.first(0x0D, in: base, from: from, count: count) }
            return min(lf, cr)
        }

        /// The offset where the first `content-type` (any ASCII case) at or after `from` starts, or `count`: a
        /// hyphen whose neighbours spell the rest.
        mutating func declaration(from: Int) -> Int {
            if found >= from { return found }
            let hyphen = 7  // the offset of `-` in `content-type`
            hyphensFrom = max(hyphensFrom, from + hyphen)
            while hyphensFrom < count {
                let h = MIMEStructureScan.first(0x2D, in: base, from: hyphensFrom, count: count)
                guard h + Self.word.utf8CodeUnitCount - hyphen <= count else { break }
                hyphensFrom = h + 1
                if MIMEStructureScan.matches(base, at: h - hyphen, Self.word) {
                    found = h - hyphen
                    return found
                }
            }
            hyphensFrom = count
            found = count
            return count
        }
    }

    /// The error for a message beyond `limits`, or nil.
    func violation(of limits: MIMELimits) -> MessageParseError.Reason? {
        if loneQuoteBoundary { return .unsafeMIMEBoundary }
        if depthBound > limits.maxDepth { return .mimeTooDeep(bound: depthBound, limit: limits.maxDepth) }
        if partsBound > limits.maxParts { return .tooManyMIMEParts(bound: partsBound, limit: limits.maxParts) }
        return nil
    }

    /// An upper bound on the comment nesting libetpan can reach anywhere in `buf`, over any field it parses.
    /// Depth counts `(` and `)`; inside a comment a backslash escapes the next byte (a quoted pair, as in
    /// libetpan); a line feed not escaped and not followed by a blank ends every comment (libetpan's comment
    /// content holds no bare line break), so the count restarts there. Counting `(` also in quoted strings,
    /// and a `\(` outside any comment, only over-estimates.
    ///
    /// Outside any comment only `(` changes anything (`)` is ignored, a backslash escapes nothing, a line feed
    /// resets a depth that is 0 already): `memchr` goes from one `(` to the next.
    static func maxCommentDepth(_ buf: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = buf.baseAddress else { return 0 }
        var depth = 0
        var deepest = 0
        var i = 0
        let n = buf.count
        while i < n {
            if depth == 0 {
                i = first(0x28, in: base, from: i, count: n)
                if i == n { break }
            }
            switch buf[i] {
            case 0x28:
                depth += 1
                if depth > deepest { deepest = depth }
            case 0x29:
                if depth > 0 { depth -= 1 }
            case 0x5C where depth > 0:
                i += 1  // quoted pair: the next byte, whatever it is
            case 0x0A:
                if i + 1 >= n || (buf[i + 1] != 0x20 && buf[i + 1] != 0x09) { depth = 0 }
            default:
                break
            }
            i += 1
        }
        return deepest
    }

    /// Case-insensitive (ASCII) occurrences of `word` in `buf[from..<to]`, not overlapping.
    private static func occurrences(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ word: StaticString) -> Int {
        guard let base = buf.baseAddress, word.utf8CodeUnitCount > 0 else { return 0 }
        var count = 0
        var i = from
        while i <= to - word.utf8CodeUnitCount {
            if matches(base, at: i, word) {
                count += 1
                i += word.utf8CodeUnitCount
            } else {
                i += 1
            }
        }
        return count
    }

    /// Whether `base[at...]` spells `word` (lower-case ASCII) in any ASCII case; the caller keeps it in bounds.
    @inline(__always) private static func matches(_ base: UnsafePointer<UInt8>, at i: Int, _ word: StaticString) -> Bool {
        let w = word.utf8Start
        for j in 0..<word.utf8CodeUnitCount where lower(base[i + j]) != w[j] { return false }
        return true
    }

    /// The offset of the first `byte` in `base[from..<count]`, or `count` (`memchr`).
    @inline(__always) private static func first(_ byte: UInt8, in base: UnsafePointer<UInt8>, from: Int, count: Int) -> Int {
        guard from < count, let hit = memchr(base + from, Int32(byte), count - from) else { return count }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    @inline(__always) private static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
}
