import Foundation
/// Localized names: French is required, English and Spanish strongly expected.
public struct LocalizedName: Sendable, Codable, Equatable {
    public var fr: String
    public var en: String
    public var es: String?

    public init(fr: String, en: String, es: String? = nil) {
        self.fr = fr
        self.en = en
        self.es = es
    }

    public func value(for language: Language) -> String {
        switch language {
        case .fr: fr
        case .en: en
        case .es: es ?? en
        }
    }
}

/// The languages the platform speaks. Notices, digests and help exist in each (`templates/<lang>/`).
public enum Language: String, Sendable, Codable, CaseIterable, Comparable {
    case fr, en, es
    public static func < (a: Language, b: Language) -> Bool { a.rawValue < b.rawValue }

    /// The language a mail's `Content-Language` field (RFC 3282) names first (`fr-CA, en` → fr), when it is one
    /// of ours.
    public init?(contentLanguage header: String?) {
        guard let header else { return nil }
        let first = header.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        self.init(rawValue: String(first.prefix { $0.isLetter }))
    }

    /// The language an `Accept-Language` field (RFC 3282 §3, as some mail clients send it) prefers among ours:
    /// the highest `q` (1 when absent or not a number from 0 to 1), the first written on a tie; `q=0` refuses;
    /// comments in parentheses are ignored. `de, es;q=0.8, fr;q=0.5` → es.
    public init?(acceptLanguage header: String?) {
        guard let header else { return nil }
        var best: (language: Language, q: Double)?
        let uncommented = Self.uncommented(String(header.prefix(1_000)))
        for entry in uncommented.split(separator: ",").prefix(32) {
            let parts = entry.split(separator: ";")
            let tag = parts.first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard let language = Language(rawValue: String(tag.prefix { $0.isLetter })) else { continue }
            var q = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, pair[0].lowercased() == "q", pair[1].count <= 5,
                   pair[1].allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                   let value = Double(pair[1]), (0...1).contains(value) {
                    q = value
                }
            }
            if q > 0, q > (best?.q ?? 0) { best = (language, q) }
        }
        guard let best else { return nil }
        self = best.language
    }

    /// `text` without its comments: each `(` with the first `)` after it and what is between, removed; a `(`
    /// without a `)` after it stays, with the rest. What the regular expression `\([^)]*\)` replaced with nothing,
    /// by bytes (both marks are ASCII, never inside a multi-byte character), without compiling it per call.
    package static func uncommented(_ text: String) -> String {
        var bytes = Array(text.utf8)
        var kept = 0, index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "(") {
                // No `)` after this `(`: none after any later one either, the rest stays as it is.
                guard let close = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: ")")) else {
                    bytes.replaceSubrange(kept..<index, with: [])
                    return String(decoding: bytes, as: UTF8.self)
                }
                index = close + 1
                continue
            }
            bytes[kept] = bytes[index]
            kept += 1
            index += 1
        }
        return String(decoding: bytes.prefix(kept), as: UTF8.self)
    }

    /// The language a mail asks for by its header (CM-9, steps 3 and 4): its `Content-Language`, else its
    /// `Accept-Language`. `field` reads a header field's value by name.
    public static func requested(by field: (String) -> String?) -> Language? {
        Language(contentLanguage: field("Content-Language")) ?? Language(acceptLanguage: field("Accept-Language"))
    }
}
