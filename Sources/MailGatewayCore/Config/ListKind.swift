/// What kind of group a list is; it decides who belongs and who may post (docs/DESIGN.md).
public enum ListKind: String, Sendable, Codable, CaseIterable {
    /// One of the five colleges: representatives of partners of that college.
    case college
    /// The transversal funders group: representatives of partners flagged as funders.
    case funders
    /// Individual members (farmers, foresters) without an organisation.
    case individuals
    /// A thematic interface, open to every partner (joining is opt-in).
    case interface
    /// An announcement address: moderators and the secretariat only.
    case announce
}

/// The five colleges of the Initiative.
public enum College: String, Sendable, Codable, CaseIterable {
    case states, research, producers
    case civilSociety = "civil-society"
    case `private`
}
