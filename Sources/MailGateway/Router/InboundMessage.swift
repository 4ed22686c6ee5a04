public import Foundation
public import GRDB
public import Logging

/// One inbound message of a list's mailbox, parsed and routed, as every handler receives it (inside the ingest
/// transaction).
public struct InboundMessage: Sendable {
    public var list: ListConfig
    public var raw: [UInt8]
    public var parsed: ParsedMessage
    /// What the router made of it.
    public var route: InboundRoute
    /// The sender as the directory knows them, and the posting policy's view of the message.
    public var context: PostContext
    public var fallbackDate: Date?
    public var source: ArchiveSource
    public var now: Date
    public var logger: Logger

    /// The sender's identity (the first From address), if the directory knows it.
    public var sender: SenderIdentity? { context.sender }

    /// The first From address.
    public var from: MailAddress? { parsed.from.first }

    /// Keeps a message that is not a post in the archive (nothing is lost), out of the list's public views, with
    /// `rule` as its decision rule. `isNew` is false when the list already holds this Message-ID (a re-fetch
    /// after a crash): the caller then does nothing again and returns ``IngestOutcome/duplicate(existingRowID:)``.
    public func keep(_ db: Database, status: ArchiveStatus = .discarded, rule: String) throws -> (row: Int64, isNew: Bool) {
        let stored = try ArchiveWriter.archive(db, list: list.id, raw: raw, parsed: parsed, fallbackDate: fallbackDate,
                                               status: status, decisionRule: rule, source: source, receivedAt: now)
        switch stored {
        case .duplicate(let existing): return (existing, false)
        case .inserted(let row, _): return (row, true)
        }
    }

    /// Log metadata naming the list and the route.
    public var metadata: Logger.Metadata {
        ["list.id": "\(list.id)", "route": "\(route.name)"]
    }
}

/// A handler of one kind of inbound message (``InboundRoute``), called inside the ingest transaction.
public protocol InboundHandler: Sendable {
    func handle(_ message: InboundMessage, in db: Database) throws -> IngestOutcome
}

/// The sender checks every handler but the posting policy (which has them in its chain) and the bounce handler
/// (bounces are automatic by nature) runs first: a loop, an auto-reply or a sender that fails authentication
/// (a trusted `dmarc=fail`, or no aligned pass where the domain requires it) is kept and answered by nothing.
public enum SenderChecks {
    public static let chain = PolicyChain(rules: [LoopRule(), AutoReplyRule(), SpoofingRule()])

    /// The refusal, when a check hits. For commands, confirmations and mail to the owners, a missing aligned pass
    /// is not a refusal (only a trusted `dmarc=fail` is): a command changes nothing until the address confirms,
    /// so an unauthenticated From only sends the confirmation to that address's real owner (CM-3), and owner mail
    /// is read by people. A moderator's reply, which acts at once, needs the aligned pass.
    public static func refusal(_ message: InboundMessage) -> PolicyDecision? {
        guard let hit = chain.firstHit(message.context) else { return nil }
        if hit.reason == .notAuthenticated, message.route.confirmsBeforeActing { return nil }
        return hit
    }

    /// The refusal of a message that acts at once (a moderator's reply): any hit, a missing aligned pass included.
    public static func strictRefusal(_ message: InboundMessage) -> PolicyDecision? {
        chain.firstHit(message.context)
    }

    /// Runs the checks; when one hits, keeps the message with rule `<route>-refused-<rule>` and returns the outcome
    /// to give back (nil: the checks passed and the handler goes on).
    public static func refuse(_ message: InboundMessage, in db: Database) throws -> IngestOutcome? {
        guard let refusal = refusal(message) else { return nil }
        let kept = try message.keep(db, rule: "\(message.route.name)-refused-\(refusal.rule)")
        guard kept.isNew else { return .duplicate(existingRowID: kept.row) }
        message.logger.notice("inbound message refused", metadata: message.metadata.merging(
            ["rule": "\(refusal.rule)", "reason": "\(refusal.reason.rawValue)"]) { $1 })
        return .routed(messageRowID: kept.row, route: message.route.name,
                       detail: "refused: \(refusal.rule): \(refusal.reason.rawValue)")
    }
}
