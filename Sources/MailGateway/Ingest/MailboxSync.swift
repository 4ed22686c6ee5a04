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
    /// Messages the server failed to return in this pass, to be retried (the cursor stays below the first).
    public var deferred = 0

    public init(listID: String) {
        self.listID = listID
    }
}

/// One pass over one list's mailbox: new messages by UID (UIDVALIDITY tracked), fetched in bounded batches. The
/// messages of a batch are committed in groups (``MailboxSyncPlan/units(_:sizes:alone:limits:)``: up to
/// `limits.groupCount` messages or `limits.groupBytes`): every message of a group is parsed outside any database
/// transaction (while the group before it is written), then the group is processed by the `IngestPipeline` in ONE
/// transaction together with the mailbox cursor (``commitGroup(_:uidValidity:retried:next:on:logger:)``: without a
/// savepoint per message, unless one fails); only after the group is committed are its messages flagged `\Seen` (or
/// moved to the processed folder). A pass runs on a thread of its own (``QueueTaskExecutor``), on which the group
/// commits block on the database writer instead of hopping to its queue and back.
///
/// A crash between the commit and the flag leaves committed, unflagged messages at or below the cursor: the
/// next pass flags them without processing them again. A UIDVALIDITY change rescans the folder; the archive's
/// `UNIQUE(list, Message-ID)` makes already-archived messages no-ops, so nothing is duplicated.
///
/// Poison messages: before a group is parsed, its UID range is recorded durably (``IngestProgress``, in the
/// previous group's commit when there is one), together with the next group's (parsed while this one is written:
/// ``IngestMarker/init(at:of:replay:)``; for a batch's last group, the next batch's first group, once fetched). A marker of a dead run found when a pass starts means a crash
/// inside that range: those UIDs are replayed one message per transaction, each with its own marker (the group's
/// crash is charged to none of them), and without fetching the next batch meanwhile, so the crash is pinned on one message
/// (and a crash of the fetch running beside a group is never blamed on a message); the others just commit. A
/// message that was in progress during ``IngestProgress/maxCrashes`` abnormal exits is quarantined raw with the
/// reason `crashed-the-gateway` and the mailbox moves on. Fetch failures: the cursor only moves over UIDs
/// processed (or given up on after ``FetchFailures/maxFailures`` failed fetches, see ``MailboxSyncPlan``).
public struct MailboxSync: Sendable {
    public let pipeline: IngestPipeline
    public let database: GatewayStore
    public let list: ListConfig
    public let limits: MailboxSyncPlan.Limits
    /// This run of the gateway (``Gateway/runID``): a progress marker of another run was left by a process that died.
    public let runID: String
    /// Fault points for the crash tests (``FaultInjection``). Never set in production.
    public let faults: FaultInjection

    public init(pipeline: IngestPipeline, database: GatewayStore, list: ListConfig, limits: MailboxSyncPlan.Limits,
                runID: String, faults: FaultInjection = .none) {
        self.pipeline = pipeline
        self.database = database
        self.list = list
        self.limits = limits
        self.runID = runID
        self.faults = faults
    }

    /// Runs one pass with a connected client. `shouldStop` is checked between groups and while a group is
    /// prepared (graceful shutdown commits what is prepared, flags what is committed, and returns).
    public func pass(client: IMAPClient, logger: Logger, shouldStop: @escaping @Sendable () -> Bool = { false })
        async throws -> MailboxPassSummary {
        // The next group of a batch is parsed while this one is written; that work never outlives the pass.
        var ahead = Lookahead<[PreparedMessage]>()
        // The pass runs on a thread of its own: its group commits block on the database writer (``commitGroup``).
        let executor = QueueTaskExecutor(label: "mailgateway.ingest.\(list.id)")
        do {
            return try await withTaskExecutorPreference(executor) {
                try await run(client: client, logger: logger, shouldStop: shouldStop, ahead: &ahead, executor: executor)
            }
        } catch {
            await ahead.settle()
            // Not a crash: this run's marker must not count as one at the next start.
            let (listID, runID) = (list.id, self.runID)
            try? await database.pool.write { db in
                try IngestProgress.clear(db, list: listID, run: runID)
            }
            throw error
        }
    }

    private func run(client: IMAPClient, logger: Logger, shouldStop: @escaping @Sendable () -> Bool,
                     ahead: inout Lookahead<[PreparedMessage]>, executor: QueueTaskExecutor) async throws -> MailboxPassSummary {
        var summary = MailboxPassSummary(listID: list.id)
        let folder = list.mailbox.folder
        let status = try await client.select(folder)
        summary.uidValidity = status.uidValidity
        let listID = list.id
        let validity = status.uidValidity
        let runID = self.runID
        let (stored, failing, replay) = try await database.pool.read { db in
            (try ArchiveWriter.mailboxState(db, list: listID), try FetchFailures.pending(db, list: listID, uidValidity: validity),
             try IngestProgress.interrupted(db, list: listID, uidValidity: validity, run: runID))
        }
        let replayed: (UInt32) -> Bool = { replay?.uids.contains($0) == true }
        if let replay {
            logger.warning("the previous run stopped while processing these messages: each is processed alone", metadata: [
                "list.id": "\(listID)", "uids": "\(replay.uids.lowerBound):\(replay.uids.upperBound)",
                "crashes": "\(replay.crashes)"])
        }
        let changed = stored.map { $0.uidValidity != status.uidValidity } ?? false
        let entries = try await client.messages(after: changed ? 0 : (stored?.lastUID ?? 0))
        let sizes = Dictionary(entries.map { ($0.uid, $0.size) }, uniquingKeysWith: { a, _ in a })
        let dates = entries.internalDates
        let retried = Set(failing.keys)
        let plan = MailboxSyncPlan.plan(stored: stored, serverUIDValidity: status.uidValidity,
                                        entries: entries.map { MailboxEntry(uid: $0.uid, size: $0.size) }, limits: limits,
                                        failing: retried)
        summary.uidValidityChanged = plan.uidValidityChanged
        if plan.uidValidityChanged {
            logger.notice("UIDVALIDITY changed: rescanning the folder", metadata: [
                "list.id": "\(list.id)", "uidvalidity.old": "\(stored?.uidValidity ?? 0)", "uidvalidity.new": "\(status.uidValidity)"])
        }
        if let range = plan.committedRange {
            summary.repaired = try await repair(client: client, committed: range, uidValidity: validity, logger: logger)
        }
        var firstBatch = true
        // The next batch is fetched while this one is processed (the client works on its own queue): the pass
        // waits for the wire only when processing is faster than the fetch.
        var prefetch = Lookahead<[IMAPFetchedMessage]>()
        // A marker committed with the previous unit for the next one (see `finishUnit`), cleared if left unused.
        var begun: IngestMarker?
        defer {
            prefetch.cancel()
        }
        steps: for (index, step) in plan.steps.enumerated() {
            if shouldStop() {
                summary.interrupted = true
                break
            }
            switch step {
            case .fetch(let uids):
                let returned: [IMAPFetchedMessage]
                do {
                    if let ready = try await prefetch.take(uids) {
                        returned = ready
                    } else {
                        returned = try await fetch(client, uids, dates: dates)
                    }
                    // Not a UID that failed before (fetched alone): its failure would break the connection
                    // under this batch, before this batch is flagged and that failure recorded. Not while UIDs a
                    // dead run was processing are replayed: a crash then is pinned on the message processed.
                    if case .fetch(let next)? = plan.steps.dropFirst(index + 1).first,
                       !(next.count == 1 && retried.contains(next[0])),
                       !uids.contains(where: replayed) {
                        prefetch.start(next) { try await self.fetch(client, next, dates: dates) }
                    }
                } catch {
                    // A batch: the next pass fetches each of its UIDs alone, to find the one the server can't return.
                    // Alone: one more failed attempt for that UID.
                    if uids.count == 1 {
                        if try await fetchFailed(uids[0], size: sizes[uids[0]] ?? 0, validity: validity, error: "\(error)",
                                                 summary: &summary, logger: logger) {
                            continue steps
                        }
                    } else {
                        try await database.pool.write { db in
                            try FetchFailures.recordBatch(db, list: listID, uidValidity: validity, uids: uids)
                        }
                    }
                    throw error
                }
                var byUID = Dictionary(returned.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })
                var done: [UInt32] = []
                let units = units(of: uids, returned: Set(byUID.keys), sizes: sizes, alone: replayed)
                // This batch's units, then the next batch's first two once it is fetched (waited for before this
                // batch's second-to-last unit commits; fetching runs ahead of processing), its messages added to
                // `byUID`: its first group is then parsed while this batch's last one is written, instead of before
                // its own write can start. The marker of the next unit is committed with this one (no commit of its
                // own); a UID to retry alone gets its own, as the first unit of a batch does unless the batch before
                // committed it.
                var chain = units
                for (position, unit) in units.enumerated() {
                    if shouldStop() {
                        summary.interrupted = true
                        try await markProcessed(client: client, uids: done, logger: logger)
                        break steps
                    }
                    if position + 2 == units.count, replay == nil,
                       case .fetch(let coming)? = plan.steps.dropFirst(index + 1).first,
                       let ready = await prefetch.result(coming) {
                        byUID.merge(ready.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })
                        chain += self.units(of: coming, returned: Set(ready.map(\.uid)), sizes: sizes, alone: replayed).prefix(2)
                    }
                    let next = IngestMarker(at: position + 1, of: chain, replay: replay)
                    let committed: [(uid: UInt32, outcome: IngestOutcome)]
                    var stopped = false
                    switch unit {
                    case .group(let group):
                        let prepared: [PreparedMessage]
                        if let ready = try await ahead.take(group) {
                            prepared = ready
                        } else {
                            if let marker = IngestMarker(at: position, of: units, replay: replay), begun != marker {
                                try await begin(marker, uidValidity: validity)
                            }
                            prepared = await prepareGroup(group.map { byUID[$0]! }, logger: logger, shouldStop: shouldStop)
                        }
                        // Stopped while the group was prepared: its prefix is committed, no next marker written.
                        stopped = prepared.count < group.count
                        // The next group is covered by this group's marker (``IngestMarker/init(at:of:replay:)``): it
                        // is parsed while this one is written.
                        if !stopped, case .group(let following)? = chain.dropFirst(position + 1).first {
                            let messages = following.map { byUID[$0]! }
                            ahead.start(following) {
                                await self.prepareGroup(messages, logger: logger, shouldStop: shouldStop)
                            }
                        }
                        let outcomes = try commitGroup(prepared, uidValidity: validity, retried: retried,
                                                       next: stopped ? nil : next, on: executor, logger: logger)
                        committed = Array(zip(group, outcomes))
                    case .alone(let item):
                        let message: IMAPFetchedMessage
                        switch item {
                        case .process(let uid):
                            message = byUID[uid]!
                        case .retryAlone(let uid):
                            var alone: IMAPFetchedMessage?
                            var failure = "the server answered OK without the message"
                            do {
                                alone = try await fetch(client, [uid], dates: dates).first { $0.uid == uid }
                            } catch {
                                failure = "\(error)"
                            }
                            guard let alone else {
                                if try await fetchFailed(uid, size: sizes[uid] ?? 0, validity: validity, error: failure,
                                                         summary: &summary, logger: logger) {
                                    continue
                                }
                                // The cursor stays below this UID: stop here, flag what was committed.
                                try await markProcessed(client: client, uids: done, logger: logger)
                                break steps
                            }
                            message = alone
                        }
                        let marker = IngestMarker(alone: message.uid, replay: replay)
                        let outcome = try await ingest(message, uidValidity: validity,
                                                       retried: retried.contains(message.uid) || item == .retryAlone(message.uid),
                                                       marker: marker, begun: begun == marker, next: next, logger: logger)
                        committed = [(message.uid, outcome)]
                    }
                    begun = stopped ? nil : next
                    for (uid, outcome) in committed {
                        summary.processed += 1
                        summary.outcomes[outcome.label, default: 0] += 1
                        GatewayMetrics.ingested(list: listID, outcome: outcome)
                        done.append(uid)
                    }
                    if stopped {
                        summary.interrupted = true
                        try await markProcessed(client: client, uids: done, logger: logger)
                        break steps
                    }
                }
                if faults.exitAfterCommit && firstBatch {
                    logger.critical("fault injection: exiting after the commit, before the flag")
                    faults.trigger(.afterCommit)
                }
                firstBatch = false
                try await markProcessed(client: client, uids: done, logger: logger)
            case .quarantineOversize(let uid, let size):
                let header = try await client.fetchHeaders(uids: [uid]).first
                let bytes = header?.bytes ?? []
                let limit = limits.maxMessageBytes
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
                try await markProcessed(client: client, uids: [uid], logger: logger)
            }
        }
        // A group parsed ahead of a stop is dropped (nothing of it committed or flagged), and stops before its
        // marker is cleared.
        await ahead.settle()
        if begun != nil {
            // Stopped before the unit whose marker was committed: this run never started it.
            try await database.pool.write { db in try IngestProgress.clear(db, list: listID, run: runID) }
        }
        if plan.steps.isEmpty && (stored == nil || plan.uidValidityChanged) {
            let state = plan.start
            try await database.pool.write { db in try ArchiveWriter.setMailboxState(db, list: listID, state) }
        }
        return summary
    }

    /// FETCH through the client, minus the UIDs a fault injection drops.
    /// The bodies of `uids`; `dates`: the INTERNALDATEs the pass listed (not asked again when they cover the batch).
    private func fetch(_ client: IMAPClient, _ uids: [UInt32], dates: [UInt32: Date]) async throws -> [IMAPFetchedMessage] {
        let messages = try await client.fetchMessages(uids: uids, knownDates: dates)
        guard !faults.dropFromFetch.isEmpty else { return messages }
        return messages.filter { !faults.dropFromFetch.contains($0.uid) }
    }

    /// Counts a failed fetch of `uid` fetched alone; at the limit, gives up on it (quarantine row, cursor past it).
    /// - Returns: true when the UID was given up on (the pass goes on), false when it is to be retried later.
    private func fetchFailed(_ uid: UInt32, size: Int, validity: UInt32, error: String, summary: inout MailboxPassSummary,
                             logger: Logger) async throws -> Bool {
        let listID = list.id
        let result: (failures: Int, quarantineID: Int64?) = try await database.pool.write { db in
            let failures = try FetchFailures.record(db, list: listID, uidValidity: validity, uid: uid, error: error)
            guard MailboxSyncPlan.afterFailure(failures: failures, maxFailures: FetchFailures.maxFailures) == .giveUp else {
                return (failures, nil)
            }
            let id = try FetchFailures.giveUp(db, list: listID, uidValidity: validity, uid: uid, size: size, failures: failures)
            try ArchiveWriter.setMailboxState(db, list: listID, MailboxState(uidValidity: validity, lastUID: uid))
            return (failures, id)
        }
        guard let id = result.quarantineID else {
            logger.warning("message could not be fetched; will retry", metadata: [
                "list.id": "\(listID)", "uid": "\(uid)", "failures": "\(result.failures)"])
            summary.deferred += 1
            return false
        }
        logger.error("message unfetchable: given up and recorded in the quarantine", metadata: [
            "list.id": "\(listID)", "uid": "\(uid)", "failures": "\(result.failures)", "quarantine.id": "\(id)"])
        summary.processed += 1
        summary.outcomes["unfetchable", default: 0] += 1
        return true
    }

    /// Flags (or moves) messages whose processing is committed. When the server refuses to move or copy into the
    /// processed folder and CREATE then creates it, the move is tried once more: a configured folder that nobody
    /// created would otherwise fail every pass after its commit, and leave every post in the watched folder.
    private func markProcessed(client: IMAPClient, uids: [UInt32], logger: Logger) async throws {
        guard !uids.isEmpty else { return }
        guard let processed = list.mailbox.processedFolder else {
            try await client.markSeen(uids: uids)
            return
        }
        let refused: IMAPError
        do {
            try await client.move(uids: uids, to: processed)
            return
        } catch {
            refused = error
        }
        // Only a refused UID MOVE or UID COPY moved nothing (RFC 6851 §4.4, RFC 3501 §6.4.7); a NO to the
        // fallback's STORE or EXPUNGE comes after a successful COPY, which a second try would copy again.
        guard refused.kind == .command, refused.command == "UID MOVE" || refused.command == "UID COPY" else {
            throw refused
        }
        // A folder that existed was not the reason: the refusal stands.
        guard (try? await client.createFolder(processed)) == true else { throw refused }
        logger.notice("processed folder created", metadata: ["list.id": "\(list.id)", "imap.mailbox": "\(processed)"])
        try await client.move(uids: uids, to: processed)
    }

    /// Flags committed messages that are still unflagged (or still in the folder, in move mode).
    /// UIDs given up on as unfetchable are left as they are (they were never processed).
    private func repair(client: IMAPClient, committed: ClosedRange<UInt32>, uidValidity: UInt32, logger: Logger)
        async throws -> Int {
        var pending: [UInt32]
        if list.mailbox.processedFolder != nil {
            // Not \Deleted: without MOVE and UIDPLUS a move leaves the originals flagged \Deleted in the folder
            // (IMAPConnection.move), and copying them again at every pass filled the processed folder with copies.
            pending = try await client.undeletedUIDs(in: committed)
        } else {
            pending = try await client.unseenUIDs(in: committed)
        }
        if !pending.isEmpty {
            let listID = list.id
            let skipped = try await database.pool.read { db in
                try FetchFailures.unfetchable(db, list: listID, uidValidity: uidValidity)
            }
            pending.removeAll { skipped.contains($0) }
        }
        if !pending.isEmpty {
            logger.notice("flagging messages committed before an interruption", metadata: [
                "list.id": "\(list.id)", "count": "\(pending.count)"])
            try await markProcessed(client: client, uids: pending, logger: logger)
        }
        return pending.count
    }
}
