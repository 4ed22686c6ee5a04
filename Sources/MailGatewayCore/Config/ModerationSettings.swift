/// Moderation queue settings.
public struct ModerationSettings: Sendable, Codable, Equatable {
    /// Held messages expire after this many days (the author is told).
    public var holdDays: Int
    /// Name of the environment variable holding the HMAC key that signs moderation tokens.
    public var keyEnv: String
    /// Alternative: a file holding the key.
    public var keyFile: String?
    /// At most this many holds of one list get an emailed moderation request in any hour (the others are only
    /// listed by `moderation list`), so that a flood of held posts cannot flood the moderators' mailboxes.
    public var requestsPerHour: Int

    /// The default of `moderation.requests_per_hour` (MailGateway's `ModerationQueue.defaultRequestsPerListPerHour`).
    public static let defaultRequestsPerHour = 10

    public init(holdDays: Int = 14, keyEnv: String = "MAILGATEWAY_MODERATION_KEY", keyFile: String? = nil,
                requestsPerHour: Int = Self.defaultRequestsPerHour) {
        self.holdDays = holdDays
        self.keyEnv = keyEnv
        self.keyFile = keyFile
        self.requestsPerHour = requestsPerHour
    }
}
