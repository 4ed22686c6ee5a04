/// Fault points for the crash tests, chosen by the executable from `MAILGATEWAY_FAULT` (the one place that reads
/// it) and never set in production. The library only reports that a point was reached; the executable's
/// `trigger` ends the process there (so no `exit` or `abort` lives in library code).
///
/// - `exit-after-commit`: right after the first batch of a mailbox is committed, before it is flagged.
/// - `crash-on-message-id:<id>`: while processing (before parsing) a message whose header names Message-ID `<id>`.
/// - `fail-on-message-id:<id>`: while processing a message whose header names Message-ID `<id>` in its database
///   transaction, an error is thrown (as a fault in a policy rule would throw): the message is quarantined, the
///   others of its group commit. The process goes on.
/// - `drop-fetch-uid:<uid>`: the FETCH answers of every mailbox leave that UID out, as a server that answers OK
///   with messages missing.
public struct FaultInjection: Sendable {
    /// A point where the process is made to stop.
    public enum Point: Sendable, Equatable {
        case afterCommit
        case processing(messageID: String)
    }

    public var exitAfterCommit = false
    public var crashOnMessageID: String?
    public var failOnMessageID: String?
    public var dropFromFetch: Set<UInt32> = []
    /// Called when a point is reached; the executable ends the process.
    public var trigger: @Sendable (Point) -> Void = { _ in }

    /// No fault.
    public static let none = FaultInjection()

    public init() {}

    /// Parses the value of `MAILGATEWAY_FAULT` (nil or an unknown value: no fault).
    public init(_ value: String?, trigger: @escaping @Sendable (Point) -> Void) {
        self.trigger = trigger
        guard let value else { return }
        if value == "exit-after-commit" {
            exitAfterCommit = true
        } else if value.hasPrefix("crash-on-message-id:") {
            crashOnMessageID = String(value.dropFirst("crash-on-message-id:".count))
        } else if value.hasPrefix("fail-on-message-id:") {
            failOnMessageID = String(value.dropFirst("fail-on-message-id:".count))
        } else if value.hasPrefix("drop-fetch-uid:"), let uid = UInt32(value.dropFirst("drop-fetch-uid:".count)) {
            dropFromFetch = [uid]
        }
    }

    /// Reached before a message is parsed: triggers when its header section names the chosen Message-ID.
    func processing(_ raw: [UInt8]) {
        guard let id = crashOnMessageID, Self.names(raw, id) else { return }
        trigger(.processing(messageID: id))
    }

    /// Reached in a message's transaction, before it is processed: throws when its header section names the
    /// Message-ID chosen by `fail-on-message-id`.
    func failing(_ raw: [UInt8]) throws {
        guard let id = failOnMessageID, Self.names(raw, id) else { return }
        throw InjectedFailure(messageID: id)
    }

    /// The error `fail-on-message-id` throws.
    public struct InjectedFailure: Error, CustomStringConvertible {
        public let messageID: String
        public var description: String { "fault injected for <\(messageID)>" }
    }

    /// Whether the first 64 KB of `raw` (its header section) hold `<id>`.
    private static func names(_ raw: [UInt8], _ id: String) -> Bool {
        guard !id.isEmpty else { return false }
        let needle = Array("<\(id)>".utf8)
        let header = raw.prefix(64 * 1024)
        guard header.count >= needle.count else { return false }
        var i = header.startIndex
        while i <= header.endIndex - needle.count {
            if header[i] == needle[0] && header[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
