/// A person: a partner's representative, or an individual member when `organisationID` is nil.
public struct Person: Sendable, Equatable, Codable {
    /// Row id.
    public var id: Int64
    public var name: String
    /// Preferred language for notices and digests.
    public var language: Language
    /// The partner organisation; nil for individual members.
    public var organisationID: Int64?
    /// Members of the secretariat may post to announcement lists.
    public var isSecretariat: Bool
    /// The person's addresses as given, oldest first (the first one receives list mail).
    public var addresses: [String]

    /// Creates a value (rows come from the store, `PersonRecord`).
    public init(id: Int64, name: String, language: Language, organisationID: Int64?, isSecretariat: Bool,
                addresses: [String]) {
        self.id = id
        self.name = name
        self.language = language
        self.organisationID = organisationID
        self.isSecretariat = isSecretariat
        self.addresses = addresses
    }

    /// True for individual members (no organisation).
    public var isIndividual: Bool { organisationID == nil }
}
