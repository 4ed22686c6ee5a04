public import Foundation
public import GRDB
public import Logging

/// The whole inbound path for one message, without servers, leaving the database as it was: the ingest pipeline
/// (parse, moderator reply, policy, archive, threading, hold, notices, distribution) runs in a transaction that is
/// rolled back. A message the chain did not accept then takes the path of a held message decided by a moderator
/// (approved: composed for every member; or rejected: a notice to its author), so composition sees every input,
/// as it does in production when a moderator approves whatever was held.
///
/// For the fuzzer (`Fuzz/`) and for tests that want the pipeline's verdict on raw bytes; nothing is sent.
public struct InboundProbe: Sendable {
    /// The gateway whose database, configuration and pipeline are used.
    public let gateway: Gateway

    /// What one run did.
    public struct Report: Sendable, Equatable {
        /// The pipeline's outcome.
        public var outcome: IngestOutcome
        /// The moderator decision applied afterwards to a message that was not accepted, if any.
        public var moderatorAction: ModeratorAction?
        /// Outbox rows the run queued (copies and notices) before the rollback.
        public var queued: Int
    }

    /// A probe over an assembled gateway.
    public init(gateway: Gateway) {
        self.gateway = gateway
    }

    /// Runs `raw` through the inbound path of `list` and rolls everything back.
    /// - Parameters:
    ///   - approve: for a message the chain did not accept: true approves it, false rejects it as a moderator.
    public func run(_ raw: [UInt8], list: ListConfig, approve: Bool, now: Date, logger: Logger) throws -> Report {
        let pipeline = gateway.pipeline
        return try gateway.database.pool.writeWithoutTransaction { db in
            var report: Report?
            try db.inTransaction {
                let before = try OutboxCopyRecord.fetchCount(db)
                let outcome = try pipeline.process(db, list: list, raw: raw, fallbackDate: now,
                                                   source: .imap(uidValidity: 1, uid: 1), now: now, logger: logger)
                var action: ModeratorAction?
                if case .archived(let row, _, let decision) = outcome, decision.action != .accept {
                    let hold = try ModerationQueue.record(messageRowID: row, listID: list.id, reason: decision.reason,
                                                          rule: decision.rule, now: now,
                                                          lifetimeDays: gateway.config.moderation.holdDays, in: db)
                    if hold.status == .pending {
                        let chosen: ModeratorAction = approve ? .approve : .reject
                        let decided = try ModerationQueue.decide(hold.id, action: chosen, reason: "probe", by: "probe",
                                                                 now: now, in: db)
                        try ModerationActions(pipeline: pipeline).carryOut(db, outcome: decided, now: now)
                        action = chosen
                    }
                }
                let after = try OutboxCopyRecord.fetchCount(db)
                report = Report(outcome: outcome, moderatorAction: action, queued: after - before)
                return .rollback
            }
            guard let report else { throw ArchiveError("the probe's transaction returned nothing") }
            return report
        }
    }
}
