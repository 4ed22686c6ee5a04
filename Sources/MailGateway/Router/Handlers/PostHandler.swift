import Foundation
public import GRDB
import Logging

/// A message to the posting address: the posting policy (`PolicyChain`) decides, the message is archived with the
/// decision, and the decision is carried out in the same transaction: accepted posts are distributed, held ones
/// queued for the moderators, rejected ones answered with a notice.
public struct PostHandler: InboundHandler {
    let pipeline: IngestPipeline

    public func handle(_ message: InboundMessage, in db: Database) throws -> IngestOutcome {
        var message = message
        var decision = pipeline.chain.decide(message.context)
        // A post parsed to its header (``IngestPipeline/bodyMatters(_:route:)``) that the chain holds or accepts now
        // (the register changed since the reader's view): parsed whole, so that a hold shows its body and an
        // accepted post is distributed and indexed whole, and decided again.
        if !message.parsed.bodyParsed, decision.action == .accept || decision.action == .hold {
            message = try IngestPipeline.withBody(message)
            decision = pipeline.chain.decide(message.context)
        }
        let (list, raw, parsed, now) = (message.list, message.raw, message.parsed, message.now)
        let identity = message.sender
        let inserted = try ArchiveWriter.archive(db, list: list.id, raw: raw, parsed: parsed,
                                                 fallbackDate: message.fallbackDate,
                                                 status: ArchiveStatus(decision.action), decisionRule: decision.rule,
                                                 source: message.source, receivedAt: now)
        let (row, thread): (Int64, Int64)
        switch inserted {
        case .duplicate(let existing): return .duplicate(existingRowID: existing)
        case .inserted(let r, let t): (row, thread) = (r, t)
        }
        let metadata: Logger.Metadata = ["list.id": "\(list.id)", "message.row": "\(row)", "rule": "\(decision.rule)",
                                         "action": "\(decision.action.rawValue)"]
        switch decision.action {
        case .accept:
            let queued = try pipeline.distributor.distribute(db, list: list, messageRowID: row, raw: raw, parsed: parsed,
                                                             now: now)
            message.logger.info("post accepted", metadata: metadata.merging(["copies": "\(queued)"]) { $1 })
        case .hold:
            try pipeline.hold(db, list: list, messageRowID: row, raw: raw, parsed: parsed, identity: identity,
                              decision: decision, now: now, logger: message.logger)
            message.logger.info("post held for moderation", metadata: metadata)
        case .reject:
            if PolicyChain.noticeAllowed(for: decision), let kind = decision.notice, let author = parsed.from.first {
                try pipeline.notify(db, kind: kind, to: author, identity: identity, list: list, parsed: parsed,
                                    messageRowID: row, reason: decision.reason,
                                    values: pipeline.noticeValues(parsed, identity: identity, reason: decision.reason,
                                                                  rawSize: raw.count, list: list), now: now)
            }
            message.logger.info("post rejected", metadata: metadata)
        case .discard, .bounce:
            message.logger.info("message not posted", metadata: metadata)
        }
        return .archived(messageRowID: row, threadID: thread, decision: decision)
    }
}
