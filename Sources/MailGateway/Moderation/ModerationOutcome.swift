/// What a moderator's decision gives back to the caller (the lead's pipeline).
public struct ModerationOutcome: Sendable, Equatable {
    public var hold: Hold
    /// The action taken.
    public var action: ModeratorAction
    /// For `approve`: continue this message exactly as if accepted — the archive's message row id and list.
    public var messageRowID: Int64
    public var listID: String
    /// For `reject`: the reason to send the author (may be nil).
    public var reason: String?
}
