/// The one quoted-printable encoder (RFC 2045 §6.7) of the text the gateway writes: notice bodies and list
/// footers.
///
/// Rules: the text is UTF-8; its line breaks (LF or CRLF) become CRLF, every line (the last one included) ends
/// with CRLF, and a final line break adds no empty line. Printable ASCII other than `=` is written as is, as
/// are spaces and tabs except at the end of a line; every other byte is `=XX`. Encoded lines are broken with
/// soft line breaks (`=` CRLF) so that no line passes 76 characters, never inside an `=XX`. As RFC 2049 §3
/// (8) advises for mail that may cross an mbox or a naive transport, the `F` of a `From ` and a `.` alone
/// that would start an encoded line are encoded too.
public enum QuotedPrintable {
    /// The longest encoded line without its soft-break `=`.
    static let maxLineLength = 75

    public static func encode(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        let hex = Array("0123456789ABCDEF".utf8)
        // Lines cut at LF bytes, not Characters: a String split walks grapheme clusters (a third of a notice's
        // encoding, `perf`, stop 21). After `LineEndings.lf` the only difference is a CR left before an LF (the
        // first CR of `\r\r\n`): a line break here, encoded as `=0D` ending the line, instead of one line.
        var lines = Array(LineEndings.lf(text).utf8).split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for line in lines {
            var column = 0
            let bytes = Array(line)
            for (i, b) in bytes.enumerated() {
                let isLast = i == bytes.count - 1
                var literal = (b >= 33 && b <= 126 && b != 61) || ((b == 32 || b == 9) && !isLast)
                if literal, column == 0 || column + 1 > maxLineLength {
                    // This byte starts an encoded line (the line's first, or the first after a soft break).
                    let startsFrom = b == 70 && bytes[i...].starts(with: "From ".utf8)
                    let loneDot = b == 46 && isLast
                    if startsFrom || loneDot { literal = false }
                }
                let width = literal ? 1 : 3
                if column + width > maxLineLength {
                    out.append(contentsOf: [61, 13, 10])
                    column = 0
                }
                if literal {
                    out.append(b)
                } else {
                    out.append(contentsOf: [61, hex[Int(b >> 4)], hex[Int(b & 15)]])
                }
                column += width
            }
            out.append(contentsOf: [13, 10])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
