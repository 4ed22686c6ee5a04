/// Who a sender is, as the directory knows them: a plain value handed to the policy rules so that they stay pure.
public struct SenderIdentity: Sendable, Equatable {
    /// The person's row id.
    public var personID: Int64
    public var name: String
    public var language: Language
    /// The partner organisation; nil for individual members.
    public var organisation: Organisation?
    public var isSecretariat: Bool
    /// The person's role in each list they belong to, by list id.
    public var roles: [String: MemberRole]

    /// Creates a value.
    public init(personID: Int64, name: String, language: Language, organisation: Organisation?,
                isSecretariat: Bool = false, roles: [String: MemberRole] = [:]) {
        self.personID = personID
        self.name = name
        self.language = language
        self.organisation = organisation
        self.isSecretariat = isSecretariat
        self.roles = roles
    }

    /// True for individual members (no organisation).
    public var isIndividual: Bool { organisation == nil }
}
