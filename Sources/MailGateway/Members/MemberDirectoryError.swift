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
