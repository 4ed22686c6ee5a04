import Foundation
public import Logging
import GRDB

/// What a pass over a mailbox did.
public struct MailboxPassSummary: Sendable, Equatable, Codable {
    public var listID: String
    public var uidValidity: UInt32 = 0
    public var uidValidityChanged = false
    /// Messages fetched and processed in this pass.
    public var processed = 0
    /// By outcome label (`accept`, `hold`, `reject`, `discard`, `bounce`, `duplicate`, `quarantined`, ...).
    public var outcomes: [String: Int] = [:]
    /// Messages at or below the cursor that were found unflagged (a crash between commit and flag) and flagged now.
    public var repaired = 0
    /// True when the pass stopped early for a graceful shutdown.
    public var interrupted = false

    public init(listID: String) {
        self.listID = listID
    }
}

/// One pass over one list's mailbox: new messages by UID (UIDVALIDITY tracked), fetched in bounded batches,
/// each batch processed by the `IngestPipeline` and committed in ONE transaction together with the mailbox
/// cursor; only after the commit are the messages flagged `\Seen` (or moved to the processed folder).
///
/// A crash between the commit and the flag leaves committed, unflagged messages at or below the cursor: the
/// next pass flags them without processing them again. A UIDVALIDITY change rescans the folder; the archive's
/// `UNIQUE(list, Message-ID)` makes already-archived messages no-ops, so nothing is duplicated.
public struct MailboxSync: Sendable {
    public let pipeline: IngestPipeline
    public let database: ArchiveDatabase
    public let list: ListConfig
    public let limits: MailboxSyncPlan.Limits
    /// Fault injection for the crash tests (`MAILGATEWAY_FAULT=exit-after-commit`): the process exits right after
    /// the first batch commit, before the flag. Never set in production.
    public let exitAfterCommit: Bool

    public init(pipeline: IngestPipeline, database: ArchiveDatabase, list: ListConfig, limits: MailboxSyncPlan.Limits,
                exitAfterCommit: Bool = false) {
        self.pipeline = pipeline
        self.database = database
        self.list = list
        self.limits = limits
        self.exitAfterCommit = exitAfterCommit
    }

    /// Runs one pass with a connected client. `shouldStop` is checked between batches (graceful shutdown
    /// finishes the current batch, commits it, flags it, and returns).
    public func pass(client: IMAPClient, logger: Logger, shouldStop: @Sendable () -> Bool = { false })
        async throws -> MailboxPassSummary {
        var summary = MailboxPassSummary(listID: list.id)
        let folder = list.mailbox.folder
        let status = try await client.select(folder)
        summary.uidValidity = status.uidValidity
        let listID = list.id
        let stored = try await database.pool.read { db in try ArchiveWriter.mailboxState(db, list: listID) }
        let changed = stored.map { $0.uidValidity != status.uidValidity } ?? false
        let entries = try await client.messages(after: changed ? 0 : (stored?.lastUID ?? 0))
        let plan = MailboxSyncPlan.plan(stored: stored, serverUIDValidity: status.uidValidity,
                                        entries: entries.map { MailboxEntry(uid: $0.uid, size: $0.size) }, limits: limits)
        summary.uidValidityChanged = plan.uidValidityChanged
        if plan.uidValidityChanged {
            logger.notice("UIDVALIDITY changed: rescanning the folder", metadata: [
                "list.id": "\(list.id)", "uidvalidity.old": "\(stored?.uidValidity ?? 0)", "uidvalidity.new": "\(status.uidValidity)"])
        }
        if let range = plan.committedRange {
            summary.repaired = try await repair(client: client, committed: range, logger: logger)
        }
        for step in plan.steps {
            if shouldStop() {
                summary.interrupted = true
                break
            }
            switch step {
            case .fetch(let uids):
                let fetched = try await client.fetchMessages(uids: uids).sorted { $0.uid < $1.uid }
                let outcomes = try await commit(fetched, lastUID: uids.max() ?? 0, uidValidity: status.uidValidity,
                                                logger: logger)
                summary.processed += fetched.count
                for o in outcomes { summary.outcomes[o.label, default: 0] += 1 }
                if exitAfterCommit {
                    logger.critical("fault injection: exiting after the commit, before the flag")
                    exit(75)
                }
                try await markProcessed(client: client, uids: fetched.map(\.uid))
            case .quarantineOversize(let uid, let size):
                let header = try await client.fetchHeaders(uids: [uid]).first
                let bytes = header?.bytes ?? []
                let limit = limits.maxMessageBytes
                let validity = status.uidValidity
                let state = MailboxState(uidValidity: validity, lastUID: uid)
                try await database.pool.write { db in
                    try ArchiveWriter.quarantine(db, list: listID, raw: bytes,
                                                 error: "message of \(size) bytes exceeds max_message_bytes (\(limit)); only its header section was kept",
                                                 source: .imap(uidValidity: validity, uid: uid), oversize: true, originalSize: size)
                    try ArchiveWriter.setMailboxState(db, list: listID, state)
                }
                logger.warning("oversize message quarantined", metadata: ["list.id": "\(list.id)", "uid": "\(uid)", "size": "\(size)"])
                summary.processed += 1
                summary.outcomes["quarantined", default: 0] += 1
                try await markProcessed(client: client, uids: [uid])
            }
        }
        if plan.steps.isEmpty && (stored == nil || plan.uidValidityChanged) {
            let state = plan.start
            try await database.pool.write { db in try ArchiveWriter.setMailboxState(db, list: listID, state) }
        }
        return summary
    }

    /// Processes a batch in one transaction. A message whose processing fails for a reason other than the
    /// database itself is rolled back alone (savepoint) and kept raw in the quarantine with the error: one bad
    /// message never blocks the mailbox.
    private func commit(_ fetched: [IMAPFetchedMessage], lastUID: UInt32, uidValidity: UInt32, logger: Logger)
        async throws -> [IngestOutcome] {
        let pipeline = self.pipeline
        let list = self.list
        return try await database.pool.write { db in
            var outcomes: [IngestOutcome] = []
            for message in fetched {
                let source = ArchiveSource.imap(uidValidity: uidValidity, uid: message.uid)
                do {
                    var outcome: IngestOutcome?
                    try db.inSavepoint {
                        outcome = try pipeline.process(db, list: list, raw: message.bytes, fallbackDate: message.internalDate,
                                                       source: source, logger: logger)
                        return .commit
                    }
                    if let outcome { outcomes.append(outcome) }
                } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR
                    || error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_INTERRUPT {
                    throw error
                } catch {
                    let reason = "internal error while processing: \(error)"
                    let id = try ArchiveWriter.quarantine(db, list: list.id, raw: message.bytes, error: reason, source: source)
                    logger.error("message quarantined after an internal error", metadata: [
                        "list.id": "\(list.id)", "uid": "\(message.uid)", "quarantine.id": "\(id)"])
                    outcomes.append(.quarantined(quarantineID: id, reason: reason))
                }
            }
            try ArchiveWriter.setMailboxState(db, list: list.id, MailboxState(uidValidity: uidValidity, lastUID: lastUID))
            return outcomes
        }
    }

    /// Flags (or moves) messages whose processing is committed.
    private func markProcessed(client: IMAPClient, uids: [UInt32]) async throws {
        guard !uids.isEmpty else { return }
        if let processed = list.mailbox.processedFolder {
            try await client.move(uids: uids, to: processed)
        } else {
            try await client.markSeen(uids: uids)
        }
    }

    /// Flags committed messages that are still unflagged (or still in the folder, in move mode).
    private func repair(client: IMAPClient, committed: ClosedRange<UInt32>, logger: Logger) async throws -> Int {
        let pending: [UInt32]
        if list.mailbox.processedFolder != nil {
            pending = try await client.messages(after: 0).map(\.uid).filter { committed.contains($0) }
        } else {
            pending = try await client.unseenUIDs(in: committed)
        }
        if !pending.isEmpty {
            logger.notice("flagging messages committed before an interruption", metadata: [
                "list.id": "\(list.id)", "count": "\(pending.count)"])
            try await markProcessed(client: client, uids: pending)
        }
        return pending.count
    }
}
