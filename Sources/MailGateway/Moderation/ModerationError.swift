/// Why a moderation request failed. Carries no address.
public enum ModerationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownHold(Int64)
    /// The hold was already decided, expired, or the token was already used.
    case notPending(Int64, Hold.Status)
    case token(ModerationToken.Failure)
    /// The token's hold belongs to another list than the one the reply arrived for.
    case wrongList(Int64)
    /// The reply's sender is not a moderator or owner of the hold's list.
    case notModerator(Int64)
    case command(ModeratorCommand.Failure)

    public var description: String {
        switch self {
        case .unknownHold(let id): "hold \(id): unknown"
        case .notPending(let id, let status): "hold \(id): already \(status.rawValue)"
        case .token(let f): "moderation token: \(f)"
        case .wrongList(let id): "hold \(id): token used for another list"
        case .notModerator(let id): "hold \(id): sender is not a moderator of the list"
        case .command(let f): "moderator reply: \(f)"
        }
    }
}
