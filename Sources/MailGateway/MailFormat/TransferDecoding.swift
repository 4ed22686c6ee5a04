import Foundation

/// Undoes a Content-Transfer-Encoding (RFC 2045 §6) on a part's raw bytes, for the footer's in-place rewrite.
/// The parser decodes parts with libetpan; this is the small pure version for bytes the composer holds.
enum TransferDecoding {
    /// The decoded bytes; nil for an encoding this does not know (`x-uuencode`…).
    static func decode(_ body: [UInt8], encoding: String) -> [UInt8]? {
        switch encoding.lowercased().trimmingCharacters(in: .whitespaces) {
        case "", "7bit", "8bit", "binary": return body
        case "base64": return Data(base64Encoded: Data(body), options: .ignoreUnknownCharacters).map { Array($0) }
        case "quoted-printable": return quotedPrintable(body)
        default: return nil
        }
    }

    /// RFC 2045 §6.7: `=XX` is a byte, `=` at the end of a line a soft break; trailing white space on a line is
    /// dropped (rule 3); a malformed `=` is kept as it is (the robust reading §6.7 suggests).
    static func quotedPrintable(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var lines = body.split(separator: 10, omittingEmptySubsequences: false)
        let endsWithBreak = lines.last?.isEmpty == true
        if endsWithBreak { lines.removeLast() }
        for (number, rawLine) in lines.enumerated() {
            var line = Array(rawLine)
            while let last = line.last, last == 32 || last == 9 || last == 13 { line.removeLast() }
            var soft = false
            var i = 0
            while i < line.count {
                let byte = line[i]
                if byte == 61 {
                    if i == line.count - 1 { soft = true; break }
                    if i + 2 < line.count, let high = hex(line[i + 1]), let low = hex(line[i + 2]) {
                        out.append(high << 4 | low)
                        i += 3
                        continue
                    }
                }
                out.append(byte)
                i += 1
            }
            if !soft && (number < lines.count - 1 || endsWithBreak) { out.append(10) }
        }
        return out
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }
}
