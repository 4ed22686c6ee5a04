public import Foundation

/// The MIME encodings a notice needs (RFC 2045 quoted-printable, RFC 2047 encoded words) and RFC 5322 dates.
public enum NoticeEncoding {
    /// Quoted-printable (RFC 2045 §6.7) of UTF-8 text, CRLF line breaks, lines of at most 76 characters.
    public static func quotedPrintable(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        let hex = Array("0123456789ABCDEF")
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for line in lines {
            var column = 0
            let bytes = Array(line.utf8)
            for (i, b) in bytes.enumerated() {
                let isLast = i == bytes.count - 1
                var piece: String
                if (b >= 33 && b <= 126 && b != 61) || ((b == 32 || b == 9) && !isLast) {
                    piece = String(UnicodeScalar(b))
                } else {
                    piece = "=" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 0xF)])
                }
                // Also encode a leading "From " and a lone "." to survive naive transports.
                if column == 0 && (b == 70 && bytes.starts(with: Array("From ".utf8)) || (b == 46 && bytes.count == 1)) {
                    piece = "=" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 0xF)])
                }
                if column + piece.count > 75 {
                    out += "=\r\n"
                    column = 0
                }
                out += piece
                column += piece.count
            }
            out += "\r\n"
        }
        return out
    }

    /// The header value as is when it is printable ASCII, else RFC 2047 `=?UTF-8?B?…?=` words of at most 75
    /// characters each (split on character boundaries), separated by CRLF + space (folding).
    public static func encodedWords(_ value: String) -> String {
        if value.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value < 127 }) { return value }
        var words: [String] = []
        var chunk: [UInt8] = []
        // Words of at most 36 bytes (48 base64 characters, 60 with the delimiters), so that the first one fits
        // on a line after a header name of up to 16 characters within 78 (RFC 5322 §2.1.1).
        for character in value {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 36 {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// A display name and address for a header: the name as a quoted string when ASCII, as encoded words
    /// otherwise; the address goes on a folded line of its own when the whole would pass 70 characters.
    public static func mailbox(_ address: MailAddress) -> String {
        guard let name = address.name, !name.isEmpty else { return address.address }
        let phrase: String
        if name.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value < 127 }) {
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            phrase = "\"\(escaped)\""
        } else {
            phrase = encodedWords(name)
        }
        let lastLine = phrase.components(separatedBy: "\r\n").last ?? phrase
        let separator = lastLine.utf8.count + address.address.utf8.count + 3 > 70 ? "\r\n " : " "
        return "\(phrase)\(separator)<\(address.address)>"
    }

    /// RFC 5322 §3.3 date-time in UTC, e.g. `Wed, 25 Nov 2026 14:03:09 +0000`.
    public static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[((c.weekday ?? 1) - 1) % 7]), \(c.day ?? 1) \(months[((c.month ?? 1) - 1) % 12]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }
}
