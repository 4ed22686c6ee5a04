public import Foundation

/// A member's role in one list.
public enum MemberRole: String, Sendable, Codable, CaseIterable {
    case member, moderator, owner

    /// Moderators and owners decide on held messages and may always post to their list.
    public var canModerate: Bool { self != .member }
}

/// How a member receives a list's posts.
public enum DeliveryMode: String, Sendable, Codable, CaseIterable {
    /// One copy of each accepted post, at once.
    case immediate
    /// The daily digest only.
    case digest
    /// Nothing (the member may still post).
    case none
}

/// Where a membership row comes from.
public enum MembershipOrigin: String, Sendable, Codable {
    /// Derived from the partner register (college, funders, individuals); kept in step by each import.
    case register
    /// Added by a moderator or by the member (interfaces are opt-in); never removed by an import.
    case manual
}

/// A partner organisation of the Initiative.
public struct Organisation: Sendable, Equatable, Codable {
    /// Row id.
    public var id: Int64
    public var name: String
    public var country: String
    public var college: College
    /// Member of the transversal funders group, whatever its college.
    public var isFunder: Bool

    /// Creates a value (rows come from `MemberDirectory`).
    public init(id: Int64, name: String, country: String, college: College, isFunder: Bool) {
        self.id = id
        self.name = name
        self.country = country
        self.college = college
        self.isFunder = isFunder
    }
}

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

    /// Creates a value (rows come from `MemberDirectory`).
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

/// One person's membership of one list, with the address that receives its mail.
public struct Membership: Sendable, Equatable, Codable {
    public var listID: String
    public var personID: Int64
    public var personName: String
    /// The address list mail goes to: the person's first address.
    public var address: String
    public var role: MemberRole
    public var delivery: DeliveryMode
    /// Language override for this list; nil uses the person's preference.
    public var languageOverride: Language?
    /// The person's preferred language.
    public var personLanguage: Language
    public var origin: MembershipOrigin
    public var joinedAt: Date

    /// Creates a value (rows come from `MemberDirectory`).
    public init(listID: String, personID: Int64, personName: String, address: String, role: MemberRole,
                delivery: DeliveryMode, languageOverride: Language?, personLanguage: Language,
                origin: MembershipOrigin, joinedAt: Date) {
        self.listID = listID
        self.personID = personID
        self.personName = personName
        self.address = address
        self.role = role
        self.delivery = delivery
        self.languageOverride = languageOverride
        self.personLanguage = personLanguage
        self.origin = origin
        self.joinedAt = joinedAt
    }

    /// The language this member reads this list in.
    public var language: Language { languageOverride ?? personLanguage }
}

/// A partner with its people, for `partners show`.
public struct PartnerDetails: Sendable, Equatable, Codable {
    public var organisation: Organisation
    public var people: [Person]

    /// Creates a value.
    public init(organisation: Organisation, people: [Person]) {
        self.organisation = organisation
        self.people = people
    }
}

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

/// What went wrong in a directory operation; carries no address.
public struct MemberDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable {
        case unknownAddress = "no person has this address"
        case unknownList = "no list has this id"
        case unknownOrganisation = "no organisation has this name"
        case invalidAddress = "not a valid mail address"
        case addressTaken = "the address belongs to another person"
        case invalidValue = "invalid value"
    }
    public var kind: Kind
    /// Where: the operation and, when relevant, the list id or field (never an address).
    public var context: String

    /// Creates an error.
    public init(_ kind: Kind, context: String) {
        self.kind = kind
        self.context = context
    }

    public var description: String { "\(context): \(kind.rawValue)" }
}
