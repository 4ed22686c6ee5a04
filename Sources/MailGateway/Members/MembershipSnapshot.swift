/// A person's membership of one list as it was before a change (or its absence): what an undo token carries, so
/// that the undo puts back the mode, the language, the role and the origin.
public struct MembershipSnapshot: Sendable, Equatable {
    public var listID: String
    public var personID: Int64
    /// False when the person was not in the list.
    public var present: Bool
    public var role: MemberRole
    public var delivery: DeliveryMode
    public var language: Language?
    public var origin: MembershipOrigin

    /// The snapshot as confirmation parameters (strings).
    public var parameters: [String: String] {
        var p = ["list": listID, "person": String(personID), "present": present ? "1" : "0", "role": role.rawValue,
                 "delivery": delivery.rawValue, "origin": origin.rawValue]
        if let language { p["language"] = language.rawValue }
        return p
    }

    /// A snapshot read back from confirmation parameters; nil when they are not one.
    public init?(parameters p: [String: String]) {
        guard let list = p["list"], let person = p["person"].flatMap({ Int64($0) }),
              let role = p["role"].flatMap(MemberRole.init(rawValue:)),
              let delivery = p["delivery"].flatMap(DeliveryMode.init(rawValue:)),
              let origin = p["origin"].flatMap(MembershipOrigin.init(rawValue:)) else { return nil }
        self.init(listID: list, personID: person, present: p["present"] == "1", role: role, delivery: delivery,
                  language: p["language"].flatMap(Language.init(rawValue:)), origin: origin)
    }

    /// Creates a value.
    public init(listID: String, personID: Int64, present: Bool, role: MemberRole, delivery: DeliveryMode,
                language: Language?, origin: MembershipOrigin) {
        self.listID = listID
        self.personID = personID
        self.present = present
        self.role = role
        self.delivery = delivery
        self.language = language
        self.origin = origin
    }
}
