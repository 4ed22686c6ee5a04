/// What follows DATA's 354 on the wire (RFC 5321 §4.5.2): the message with every line ending in CRLF, a `.` added
/// before each line that starts with one (dot-stuffing), then the end of data `.` CRLF. Pure.
///
/// Line ends: a bare LF or a bare CR in the message becomes CRLF. A receiving server that took a bare LF as a line
/// end would otherwise read `LF . CR LF` (or `CR LF . LF`) as the end of data and the bytes after it as new
/// commands (SMTP smuggling); once every line ends in CRLF, stuffing the dot after each one covers every case.
/// The gateway's own messages already end their lines in CRLF: then nothing needs rewriting and the message is sent
/// as it is (no copy), followed by the terminator.
struct SMTPDataEncoding {
    /// True when the message has a byte of 0x80 or more (`BODY=8BITMIME`, RFC 6152).
    var hasEightBitBytes = false
    /// The message rewritten (line ends, stuffed dots), or nil when it goes on the wire as it is.
    var rewritten: [UInt8]?
    /// What to send after the message (or after `rewritten`): `.` CRLF, preceded by CRLF when the message does
    /// not end with a line end.
    var terminator: [UInt8]

    static let endOfData: [UInt8] = Array(".\r\n".utf8)
    static let lineEndAndEndOfData: [UInt8] = Array("\r\n.\r\n".utf8)

    /// Scans `message` once; copies it (once) only when a line end or a leading dot must change.
    init(message: [UInt8]) {
        var eightBit = false
        var needsRewrite = false
        message.withUnsafeBufferPointer { bytes in
            var atLineStart = true
            var index = 0
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                if byte >= 0x80 { eightBit = true }
                if atLineStart, byte == UInt8(ascii: ".") { needsRewrite = true }
                if byte == 13 {
                    if index + 1 < count, bytes[index + 1] == 10 {
                        index += 2
                        atLineStart = true
                        continue
                    }
                    needsRewrite = true
                } else if byte == 10 {
                    needsRewrite = true
                }
                atLineStart = byte == 10 || byte == 13
                index += 1
            }
        }
        hasEightBitBytes = eightBit
        if needsRewrite {
            rewritten = Self.stuffed(message)
            terminator = Self.endOfData
        } else {
            terminator = message.isEmpty || message.last == 10 ? Self.endOfData : Self.lineEndAndEndOfData
        }
    }

    /// `message` with CRLF line ends and its leading dots doubled, ending with a line end (when not empty).
    static func stuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 64 + 2)
        var atLineStart = true
        var index = 0
        while index < message.count {
            let byte = message[index]
            if atLineStart, byte == UInt8(ascii: ".") { out.append(byte) }
            if byte == 13 || byte == 10 {
                out.append(13)
                out.append(10)
                // CR LF is one line end; CR alone and LF alone are one each.
                index += byte == 13 && index + 1 < message.count && message[index + 1] == 10 ? 2 : 1
                atLineStart = true
                continue
            }
            out.append(byte)
            atLineStart = false
            index += 1
        }
        if !out.isEmpty, !atLineStart { out.append(contentsOf: [13, 10]) }
        return out
    }

    /// The whole DATA payload in one array (tests, and small messages): the message as sent, then the terminator.
    func wire(of message: [UInt8]) -> [UInt8] {
        (rewritten ?? message) + terminator
    }
}
