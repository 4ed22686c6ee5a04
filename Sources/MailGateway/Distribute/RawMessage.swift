import Foundation

/// A raw message split into its header fields (kept byte-exact, folding included) and its body.
/// Line endings are normalised to CRLF (RFC 5322 §2.1; SMTP requires them), nothing else is changed.
struct RawMessage: Sendable {
    /// One header field as written: `name` and the raw remainder after the colon, continuation lines
    /// included (CRLF-separated, without the final CRLF).
    struct Field: Sendable {
        var name: String
        var rawValue: String

        /// The value unfolded (continuation line breaks removed), leading blanks trimmed.
        var unfolded: String {
            rawValue.replacingOccurrences(of: "\r\n", with: "")
                .trimmingCharacters(in: .whitespaces)
        }

        /// The field as it is written in a header block, with its final CRLF.
        var serialized: String { "\(name):\(rawValue)\r\n" }
    }

    var fields: [Field]
    var body: [UInt8]

    /// Splits `bytes` with the parser's own splitter (`HeaderSection.scan`), so that members receive exactly the
    /// fields the policy chain and the archive saw: a field ends only at LF, the header section ends at the first
    /// empty line or at the first line that is not a field (what follows is body, as the parser reads it), and
    /// lines before the first field (a byte order mark, an mbox From_ line, junk) are dropped. A bare CR inside a
    /// field is removed (the parser's unfolded value ignores it too), so it can never start a new line; a second
    /// From, Sender or Reply-To is dropped (the policy judged the first). Header bytes are read as ISO-8859-1, a
    /// one-byte-per-character mapping, so that raw 8-bit or UTF-8 (RFC 6532) header bytes are written back
    /// unchanged.
    init(_ bytes: [UInt8]) {
        var fields: [Field] = []
        var seenSingletons: Set<String> = []
        let bodyOffset = bytes.withUnsafeBufferPointer { buf -> Int in
            let section = HeaderSection.scan(buf)
            for raw in section.fields {
                let name = raw.name
                let lowered = name.lowercased()
                if Self.singletonFields.contains(lowered) {
                    guard seenSingletons.insert(lowered).inserted else { continue }
                }
                fields.append(Field(name: name, rawValue: Self.fieldValue(buf[raw.valueStart..<raw.valueEnd])))
            }
            return section.bodyOffset
        }
        self.fields = fields
        self.body = LineEndings.crlf(bytes[min(bodyOffset, bytes.count)...])
    }

    /// Fields a copy carries at most once: the first one is the one the policy chain judged.
    static let singletonFields: Set<String> = ["from", "sender", "reply-to"]

    /// A field's raw value with its continuation breaks as CRLF and every bare CR removed: each line after the
    /// first starts with the blank that made it a continuation, so no byte of a value can become a field.
    static func fieldValue(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        latin1String(LineEndings.crlf(bytes, bareCR: .drop))
    }

    /// The first field named `name` (case-insensitive).
    func field(_ name: String) -> Field? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// Removes every field whose name is in `names` (case-insensitive).
    mutating func remove(_ names: Set<String>) {
        let lowered = Set(names.map { $0.lowercased() })
        fields.removeAll { lowered.contains($0.name.lowercased()) }
    }

    /// The whole message: header fields, empty line, body.
    func serialized() -> [UInt8] {
        var out = serializedHeader(reservingExtra: body.count + 2)
        out.append(contentsOf: [13, 10])
        out.append(contentsOf: body)
        return out
    }

    /// The header fields only, each with its CRLF (no blank line after them).
    func serializedHeader(reservingExtra extra: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(extra + fields.count * 80)
        for field in fields { out.append(contentsOf: RawMessage.latin1Bytes(field.serialized)) }
        return out
    }

    /// Bytes as ISO-8859-1 characters (never fails, never loses a byte).
    static func latin1String(_ bytes: some Sequence<UInt8>) -> String {
        var s = ""
        for b in bytes { s.unicodeScalars.append(Unicode.Scalar(b)) }
        return s
    }

    /// The inverse of `latin1String`; characters above U+00FF (never produced by this module, which encodes
    /// what it adds with RFC 2047) are written as UTF-8.
    static func latin1Bytes(_ string: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(string.unicodeScalars.count)
        for scalar in string.unicodeScalars {
            if scalar.value < 256 { out.append(UInt8(scalar.value)) } else { out.append(contentsOf: Array(String(scalar).utf8)) }
        }
        return out
    }
}

/// A parsed `Content-Type` value (RFC 2045 §5.1): lower-cased `type/subtype` and its parameters
/// (names lower-cased, values unquoted).
struct ContentType: Sendable, Equatable {
    var mimeType: String
    var parameters: [String: String]

    init(mimeType: String, parameters: [String: String] = [:]) {
        self.mimeType = mimeType
        self.parameters = parameters
    }

    /// Parses a header value; an absent or unreadable value is `text/plain; charset=us-ascii` (RFC 2045 §5.2).
    init(headerValue: String?) {
        guard let value = headerValue, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            self.init(mimeType: "text/plain", parameters: ["charset": "us-ascii"])
            return
        }
        var pieces: [String] = []
        var current = ""
        var inQuotes = false
        var escaped = false
        for ch in value {
            if escaped {
                current.append(ch)
                escaped = false
            } else if ch == "\\" && inQuotes {
                current.append(ch)
                escaped = true
            } else if ch == "\"" {
                inQuotes.toggle()
                current.append(ch)
            } else if ch == ";" && !inQuotes {
                pieces.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        pieces.append(current)
        let type = pieces.first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        var parameters: [String: String] = [:]
        for piece in pieces.dropFirst() {
            guard let eq = piece.firstIndex(of: "=") else { continue }
            let name = piece[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var v = piece[piece.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 {
                v = String(v.dropFirst().dropLast())
                    .replacingOccurrences(of: "\\\"", with: "\"")
                    .replacingOccurrences(of: "\\\\", with: "\\")
            }
            parameters[name] = v
        }
        self.init(mimeType: type.contains("/") ? type : "text/plain", parameters: parameters)
    }

    var isMultipart: Bool { mimeType.hasPrefix("multipart/") }
}
