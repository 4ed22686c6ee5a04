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
}
