internal import Foundation

/// The one encoder of header text the gateway writes (list copies and notices): RFC 5322 quoted phrases and
/// RFC 2047 encoded-words.
///
/// Rules:
/// - text that is printable US-ASCII (spaces and tabs included) is written as is (unstructured text, unless
///   it holds `=?`, which readers would decode) or as a quoted-string (a phrase, RFC 5322 §3.2.4, inside which
///   nothing is decoded: RFC 2047 §5(3));
/// - anything else (non-ASCII, control characters, line breaks: which can therefore never start a new field)
///   becomes UTF-8 `B` encoded-words, the whole text encoded, as RFC 2047 §5(1) allows for unstructured text
///   and §5(3) for a phrase;
/// - each encoded-word holds at most `maxWordBytes` bytes of whole characters: 60 characters with its
///   delimiters, within the 75 of RFC 2047 §2, so that the line of the first word stays within the 76 that
///   §2 allows a line holding encoded-words after a field name of up to 14 characters (`Subject: `,
///   `Reply-To: `, `List-Id: `); the words are separated by CRLF + space (folding).
public enum HeaderEncoding {
    /// Bytes of text in one encoded-word (48 base64 characters).
    static let maxWordBytes = 36

    /// True when every character is printable US-ASCII, a space or a tab.
    static func isPlainASCII(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { ($0.value >= 32 && $0.value < 127) || $0 == "\t" }
    }

    /// Unstructured header text (Subject): as is when plain ASCII, otherwise encoded-words. Plain text holding
    /// `=?` is encoded too: a reader would take `=?…?=` in it for an encoded-word and show something else.
    public static func unstructured(_ text: String) -> String {
        isPlainASCII(text) && !text.contains("=?") ? text : encodedWords(text)
    }

    /// A display name as an RFC 5322 phrase: a quoted-string when plain ASCII, encoded-words otherwise.
    public static func phrase(_ text: String) -> String {
        isPlainASCII(text) ? quotedString(text) : encodedWords(text)
    }

    /// `text` as a quoted-string (RFC 5322 §3.2.4): between double quotes, each `\` and `"` escaped by a `\`. Byte
    /// by byte (those two bytes never occur inside a multi-byte UTF-8 sequence): Foundation's `replacingOccurrences`
    /// costs a CFString search per call, and every rejected post's sender goes through here.
    static func quotedString(_ text: String) -> String {
        var escaped: [UInt8] = []
        escaped.reserveCapacity(text.utf8.count + 2)
        escaped.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { escaped.append(UInt8(ascii: "\\")) }
            escaped.append(byte)
        }
        escaped.append(UInt8(ascii: "\""))
        return String(decoding: escaped, as: UTF8.self)
    }

    /// A mailbox for a From or To field: the bare address without a name, else the name as a phrase and the
    /// address in angle brackets, on a folded line of its own when the whole would pass 70 characters.
    public static func mailbox(_ address: MailAddress) -> String {
        guard let name = address.name, !name.isEmpty else { return address.address }
        return phraseAndAngle(name, address.address)
    }

    /// `name` as a phrase followed by `<inside>` (a mailbox, or a List-Id), the angle part on a folded line of
    /// its own when the phrase's last line and it would pass 70 characters (so that a line holding an
    /// encoded-word stays within the 76 of RFC 2047 §2, field name included).
    public static func phraseAndAngle(_ name: String, _ inside: String) -> String {
        let phrase = phrase(name)
        let separator = lastLineBytes(phrase) + inside.utf8.count + 3 > 70 ? "\r\n " : " "
        return "\(phrase)\(separator)<\(inside)>"
    }

    /// The UTF-8 length of the text after the last CRLF (all of it when there is none).
    static func lastLineBytes(_ text: String) -> Int {
        let bytes = text.utf8
        var count = 0
        var previous: UInt8 = 0
        for byte in bytes.reversed() {
            if byte == 0x0D && previous == 0x0A { return count - 1 }
            count += 1
            previous = byte
        }
        return count
    }

    /// `=?UTF-8?B?…?=` words of the whole text, never splitting a character's bytes (RFC 2047 §5: each word
    /// decodes on its own), so never longer than 75 characters, even for a cluster of many combining marks;
    /// empty for empty text.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > maxWordBytes, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }
}
