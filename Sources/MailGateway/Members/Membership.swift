public import Foundation

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
    /// Whether the member receives their own posts (default true, Mailman 3's `receive_own_postings`). Absent
    /// from JSON written before it existed: read as true.
    public var ownPosts: Bool = true

    enum CodingKeys: String, CodingKey {
        case listID, personID, personName, address, role, delivery, languageOverride, personLanguage, origin, joinedAt,
             ownPosts
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(listID: try container.decode(String.self, forKey: .listID),
                  personID: try container.decode(Int64.self, forKey: .personID),
                  personName: try container.decode(String.self, forKey: .personName),
                  address: try container.decode(String.self, forKey: .address),
                  role: try container.decode(MemberRole.self, forKey: .role),
                  delivery: try container.decode(DeliveryMode.self, forKey: .delivery),
                  languageOverride: try container.decodeIfPresent(Language.self, forKey: .languageOverride),
                  personLanguage: try container.decode(Language.self, forKey: .personLanguage),
                  origin: try container.decode(MembershipOrigin.self, forKey: .origin),
                  joinedAt: try container.decode(Date.self, forKey: .joinedAt),
                  ownPosts: try container.decodeIfPresent(Bool.self, forKey: .ownPosts) ?? true)
    }

    /// Creates a value (rows come from the store, `MembershipRecord.members(listID:delivery:in:)`).
    public init(listID: String, personID: Int64, personName: String, address: String, role: MemberRole,
                delivery: DeliveryMode, languageOverride: Language?, personLanguage: Language,
                origin: MembershipOrigin, joinedAt: Date, ownPosts: Bool = true) {
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
        self.ownPosts = ownPosts
    }

    /// The language this member reads this list in.
    public var language: Language { languageOverride ?? personLanguage }
}
