/// Daily digest settings.
public struct DigestSettings: Sendable, Codable, Equatable {
    /// Hour of the day (0-23, UTC) at which digests are sent.
    public var hourUTC: Int

    public init(hourUTC: Int = 6) {
        self.hourUTC = hourUTC
    }
}
