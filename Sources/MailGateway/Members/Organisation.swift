/// A partner organisation of the Initiative.
public struct Organisation: Sendable, Equatable, Codable {
    /// Row id.
    public var id: Int64
    public var name: String
    public var country: String
    public var college: College
    /// Member of the transversal funders group, whatever its college.
    public var isFunder: Bool

    /// Creates a value (rows come from the store, `OrganisationRecord`).
    public init(id: Int64, name: String, country: String, college: College, isFunder: Bool) {
        self.id = id
        self.name = name
        self.country = country
        self.college = college
        self.isFunder = isFunder
    }
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
