/// Outgoing delivery settings.
public struct DeliverySettings: Sendable, Codable, Equatable {
    /// SMTP connections used in parallel by the outbox sender.
    public var connections: Int
    /// How long transient failures (4xx, connection errors) are retried before a copy is given up, in hours.
    public var retryHours: Int
    /// First retry delay in seconds; doubles at each attempt up to `maxBackoffSeconds`.
    public var backoffSeconds: Int
    public var maxBackoffSeconds: Int
    /// The name announced in EHLO.
    public var heloName: String
    /// At most so many copies a minute, all lists and workers together (AN-8); nil: no limit.
    public var maxMessagesPerMinute: Int?

    public init(connections: Int = 4, retryHours: Int = 120, backoffSeconds: Int = 60, maxBackoffSeconds: Int = 3600,
                heloName: String = "mailgateway.localdomain", maxMessagesPerMinute: Int? = nil) {
        self.maxMessagesPerMinute = maxMessagesPerMinute
        self.connections = connections
        self.retryHours = retryHours
        self.backoffSeconds = backoffSeconds
        self.maxBackoffSeconds = maxBackoffSeconds
        self.heloName = heloName
    }
}
