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
}
