import Foundation

/// Encoders for what the distribute stage writes into outgoing copies: RFC 2047 encoded-words for
/// non-ASCII header text, RFC 5322 quoted phrases, and quoted-printable (RFC 2045 §6.7) for footers.
enum MIMEEncoding {
    /// True when every character is printable US-ASCII or a space/tab.
    static func isPlainASCII(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { ($0.value >= 32 && $0.value < 127) || $0 == "\t" }
    }

    /// Header text (unstructured, e.g. Subject): kept as is when ASCII, otherwise UTF-8 `B` encoded-words
    /// of at most 75 characters, folded with CRLF + space (RFC 2047 §2, §5(1)).
    static func unstructured(_ text: String) -> String {
        isPlainASCII(text) ? text : encodedWords(text)
    }

    /// A display name as an RFC 5322 phrase: a quoted-string when ASCII, encoded-words otherwise
    /// (RFC 2047 §5(3)).
    static func phrase(_ text: String) -> String {
        if isPlainASCII(text) {
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        return encodedWords(text)
    }

    /// `=?UTF-8?B?...?=` words, never splitting a character, each at most 75 characters long.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// Quoted-printable encoding of UTF-8 text, CRLF line breaks, soft breaks keeping lines under 76 characters.
    static func quotedPrintable(_ text: String) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            var encodedLine: [UInt8] = []
            let bytes = Array(line.utf8)
            var lineLength = 0
            for (i, byte) in bytes.enumerated() {
                let isLast = i == bytes.count - 1
                var piece: [UInt8]
                if (byte >= 33 && byte <= 126 && byte != 61) || ((byte == 32 || byte == 9) && !isLast) {
                    piece = [byte]
                } else {
                    piece = [61, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
                }
                if lineLength + piece.count > 75 {
                    encodedLine.append(contentsOf: [61, 13, 10])
                    lineLength = 0
                }
                encodedLine.append(contentsOf: piece)
                lineLength += piece.count
            }
            out.append(contentsOf: encodedLine)
            if index < lines.count - 1 { out.append(contentsOf: [13, 10]) }
        }
        return out
    }
}
