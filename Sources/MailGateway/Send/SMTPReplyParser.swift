/// One SMTP reply (RFC 5321 §4.2): its code and the text of each of its lines after the code and separator.
struct SMTPReply: Equatable, Sendable {
    var code: Int
    /// One entry per line (`250-PIPELINING` gives `PIPELINING`), whitespace trimmed.
    var lines: [String]

    /// The lines joined by spaces: what `SMTPError.reply` carries.
    var text: String { lines.filter { !$0.isEmpty }.joined(separator: " ") }
}

/// Cuts the bytes a server sends into replies: a pure state machine (no I/O), fed whatever each `recv` returned,
/// so a reply split across reads and several replies in one read both come out whole and in order.
///
/// A line ends with LF (its CR, if any, is dropped). A line is `DDD` alone, `DDD text` (the last line of a
/// reply) or `DDD-text` (more lines follow), where DDD is a code from 200 to 599 that every line of one reply
/// repeats. Anything else is ``Failure/malformed``; a line longer than ``maxLineLength`` or a reply longer than
/// ``maxReplyLength`` fails too, so a hostile or broken server cannot make the gateway buffer without bound.
struct SMTPReplyParser {
    enum Failure: Error, Equatable {
        /// No three-digit code, a code outside 200-599, a bad separator, or a code that changes within a reply.
        case malformed
        /// A line over ``maxLineLength`` bytes.
        case lineTooLong
        /// A reply over ``maxReplyLength`` bytes in all.
        case replyTooLong

        /// What the failure is, as an error's text.
        var text: String {
            switch self {
            case .malformed: "malformed reply from the server"
            case .lineTooLong: "reply line too long"
            case .replyTooLong: "reply too long"
            }
        }
    }

    /// RFC 5321 §4.5.3.1.5: a reply line is at most 512 bytes with its CRLF (accepted here without it).
    static let maxLineLength = 512
    /// A bound on the bytes of one multi-line reply (an EHLO reply is a few hundred).
    static let maxReplyLength = 64 * 1024

    /// The bytes of the line being received (no LF seen yet).
    private var line: [UInt8] = []
    /// The code and lines of the reply being received (its last line not seen yet); 0 when none.
    private var code = 0
    private var lines: [String] = []
    private var replyLength = 0

    /// True when part of a reply was received and the rest is awaited.
    var isInsideReply: Bool { !line.isEmpty || code != 0 }

    /// Parses `bytes` and appends every reply they complete to `replies`. After a failure the parser is spent:
    /// the connection must be closed.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, into replies: inout [SMTPReply]) throws(Failure) {
        var start = 0
        while start < bytes.count {
            guard let end = bytes[start...].firstIndex(of: 10) else {
                guard line.count + bytes.count - start <= Self.maxLineLength + 1 else { throw .lineTooLong }
                line.append(contentsOf: bytes[start...])
                return
            }
            if line.isEmpty {
                try take(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), into: &replies)
            } else {
                line.append(contentsOf: bytes[start..<end])
                let whole = line
                line.removeAll(keepingCapacity: true)
                try whole.withTypedBytes { (raw) throws(Failure) in try take(raw, into: &replies) }
            }
            start = end + 1
        }
    }

    /// For tests: `feed` of an array, returning the replies it completed.
    mutating func feed(_ bytes: [UInt8]) throws(Failure) -> [SMTPReply] {
        var replies: [SMTPReply] = []
        try bytes.withTypedBytes { (raw) throws(Failure) in try feed(raw, into: &replies) }
        return replies
    }

    /// One whole line, without its LF.
    private mutating func take(_ raw: UnsafeRawBufferPointer, into replies: inout [SMTPReply]) throws(Failure) {
        var length = raw.count
        if length > 0, raw[length - 1] == 13 { length -= 1 }
        guard length <= Self.maxLineLength else { throw .lineTooLong }
        guard length >= 3 else { throw .malformed }
        var lineCode = 0
        for index in 0..<3 {
            let byte = raw[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw .malformed }
            lineCode = lineCode * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard (200...599).contains(lineCode), code == 0 || code == lineCode else { throw .malformed }
        let isLast: Bool
        if length == 3 {
            isLast = true
        } else if raw[3] == UInt8(ascii: " ") {
            isLast = true
        } else if raw[3] == UInt8(ascii: "-") {
            isLast = false
        } else {
            throw .malformed
        }
        replyLength += length
        guard replyLength <= Self.maxReplyLength else { throw .replyTooLong }
        code = lineCode
        let text = length > 4 ? String(decoding: UnsafeRawBufferPointer(rebasing: raw[4..<length]), as: UTF8.self) : ""
        lines.append(text.trimmingSpaces())
        guard isLast else { return }
        replies.append(SMTPReply(code: code, lines: lines))
        code = 0
        lines = []
        replyLength = 0
    }
}

private extension String {
    /// Without leading and trailing spaces and tabs (no Foundation on the reply path).
    func trimmingSpaces() -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 32 || $0 == 9 }
        let bytes = utf8
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = bytes.lastIndex(where: { !isSpace($0) })!
        if first == bytes.startIndex, last == bytes.index(before: bytes.endIndex) { return self }
        return String(self[first...last])
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` keeping `body`'s typed error (the standard library's is only `rethrows`).
    func withTypedBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = withUnsafeBytes { raw in Result { () throws(E) -> R in try body(raw) } }
        return try result.get()
    }
}
