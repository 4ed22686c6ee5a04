import Foundation
import Logging
import GRDB

/// The progress marker of a unit of a pass (``MailboxSyncPlan/Unit``): its UIDs, and the crashes it starts from
/// (a message a dead run was processing alone starts from that run's count; a message replayed alone after its
/// group crashed starts from zero: the group's crash is not any one message's).
struct IngestMarker: Sendable, Equatable {
    var uids: ClosedRange<UInt32>
    var carried: Int

    /// The marker of `unit`; nil for a UID to fetch again alone (it commits its own marker once fetched).
    /// `replay`: the UIDs of a group a dead run was processing, and the crashes counted for them.
    init?(of unit: MailboxSyncPlan.Unit, replay: (uids: ClosedRange<UInt32>, crashes: Int)?) {
        switch unit {
        case .group(let uids):
            guard let first = uids.first, let last = uids.last else { return nil }
            self.init(uids: first...last, carried: 0)
        case .alone(.process(let uid)):
            self.init(alone: uid, replay: replay)
        case .alone(.retryAlone):
            return nil
        }
    }

    /// The marker of one message processed alone. Only a marker that named this message alone carries its count:
    /// a group's crash is charged to none of its messages (the daemon's lists run side by side, so a crash in
    /// another list would otherwise bring every message of this group one crash nearer the quarantine; the price
    /// is one more restart before a poison message is quarantined: the group's crash, then three alone).
    init(alone uid: UInt32, replay: (uids: ClosedRange<UInt32>, crashes: Int)?) {
        self.init(uids: uid...uid, carried: replay.map { $0.uids == uid...uid ? $0.crashes : 0 } ?? 0)
    }

    init(uids: ClosedRange<UInt32>, carried: Int) {
        self.uids = uids
        self.carried = carried
    }
}

/// A message parsed (and its DMARC policy looked up) before its transaction opens.
struct PreparedMessage: Sendable {
    let message: IMAPFetchedMessage
    let parsed: Result<ParsedMessage, MessageParseError>
}

extension MailboxSync {
    /// Processes the messages of a group: the group's marker (its UID range) is committed unless it rode in the
    /// previous commit (`begun`), every message is parsed and its DMARC policy looked up outside any
    /// transaction, then all are processed in ONE transaction, each in its own savepoint
    /// (``process(_:_:uidValidity:logger:)``), with the cursor at the group's last UID and the marker of the unit
    /// after it (`next`). A crash before that commit loses the whole group and leaves its marker: the next run
    /// replays these UIDs one message per transaction (``ingest(_:uidValidity:retried:marker:begun:next:logger:)``).
    ///
    /// A graceful stop requested while the messages are prepared (each may wait on DNS for its DMARC policy)
    /// commits the messages prepared so far, a prefix of the group, and no marker for the next unit: the caller
    /// sees fewer outcomes than messages and stops.
    func ingestGroup(_ messages: [IMAPFetchedMessage], uidValidity: UInt32, retried: Set<UInt32>, begun: Bool,
                     next: IngestMarker?, logger: Logger, shouldStop: () -> Bool) async throws -> [IngestOutcome] {
        guard let first = messages.first, let last = messages.last else { return [] }
        let (listID, runID) = (list.id, self.runID)
        if !begun {
            // A marker a dead run left for these UIDs was read when the pass started: they are replayed alone.
            _ = try await database.pool.write { db in
                try IngestProgress.begin(db, list: listID, uidValidity: uidValidity, uids: first.uid...last.uid, run: runID)
            }
        }
        var prepared: [PreparedMessage] = []
        prepared.reserveCapacity(messages.count)
        for message in messages {
            if !prepared.isEmpty && shouldStop() { break }
            prepared.append(await prepare(message, logger: logger))
        }
        let done = prepared
        let complete = done.count == messages.count
        let lastDone = done[done.count - 1].message.uid
        return try await database.pool.write { db in
            var outcomes: [IngestOutcome] = []
            outcomes.reserveCapacity(done.count)
            for item in done {
                outcomes.append(try self.process(item, db, uidValidity: uidValidity, logger: logger))
            }
            try self.finishUnit(db, lastUID: lastDone, uidValidity: uidValidity,
                                resolved: done.map(\.message.uid).filter(retried.contains), next: complete ? next : nil)
            return outcomes
        }
    }

    /// Processes one message alone (a UID fetched again alone, or replayed after its group crashed): its marker
    /// is committed (unless it rode in the previous commit: `begun`), the message parsed outside any transaction,
    /// then processed and committed in one transaction with the cursor (the marker cleared in it, the marker of
    /// `next` written). A message that was in progress during `IngestProgress.maxCrashes` abnormal exits is
    /// quarantined raw instead.
    func ingest(_ message: IMAPFetchedMessage, uidValidity: UInt32, retried: Bool, marker: IngestMarker, begun: Bool,
                next: IngestMarker?, logger: Logger) async throws -> IngestOutcome {
        let (listID, runID) = (list.id, self.runID)
        // A marker that rode in the previous commit was written just after that commit cleared the list's marker:
        // it holds the count it was given.
        let crashes = begun ? marker.carried : try await database.pool.write { db in
            try IngestProgress.begin(db, list: listID, uidValidity: uidValidity, uids: marker.uids, run: runID,
                                     carried: marker.carried)
        }
        if crashes >= IngestProgress.maxCrashes {
            let reason = IngestProgress.quarantineError(crashes: crashes)
            let source = ArchiveSource.imap(uidValidity: uidValidity, uid: message.uid)
            let id = try await database.pool.write { db in
                let id = try ArchiveWriter.quarantine(db, list: listID, raw: message.bytes, error: reason, source: source)
                try self.finishUnit(db, lastUID: message.uid, uidValidity: uidValidity, resolved: [], next: next)
                return id
            }
            logger.error("message quarantined: it crashed the gateway repeatedly", metadata: [
                "list.id": "\(listID)", "uid": "\(message.uid)", "crashes": "\(crashes)", "quarantine.id": "\(id)"])
            return .quarantined(quarantineID: id, reason: reason)
        }
        let prepared = await prepare(message, logger: logger)
        return try await database.pool.write { db in
            let outcome = try self.process(prepared, db, uidValidity: uidValidity, logger: logger)
            try self.finishUnit(db, lastUID: message.uid, uidValidity: uidValidity, resolved: retried ? [message.uid] : [],
                                next: next)
            return outcome
        }
    }

    /// Parses a message outside any transaction (after the crash tests' fault point) and looks up its DMARC
    /// policy (async DNS): the parse of a hostile message may be slow or crash, and must never hold the writer.
    func prepare(_ message: IMAPFetchedMessage, logger: Logger) async -> PreparedMessage {
        faults.processing(message.bytes)
        let parsed = IngestPipeline.parse(message.bytes)
        if case .success(let post) = parsed, let dmarc = await pipeline.distributor.prepareDMARC(for: post, list: list),
           dmarc.source == .fallbackList {
            logger.info("DMARC lookup failed: the strict-domain list decides", metadata: ["list.id": "\(list.id)"])
        }
        return PreparedMessage(message: message, parsed: parsed)
    }

    /// Processes one parsed message in the caller's transaction, in a savepoint. A failure other than the
    /// database's own (full, I/O, read-only, interrupted: those abort the whole transaction) rolls the message
    /// back to its savepoint and keeps it raw in the quarantine with the error: one bad message never blocks the
    /// mailbox nor the other messages of its group.
    func process(_ prepared: PreparedMessage, _ db: Database, uidValidity: UInt32, logger: Logger) throws -> IngestOutcome {
        let message = prepared.message
        let source = ArchiveSource.imap(uidValidity: uidValidity, uid: message.uid)
        do {
            var processed: IngestOutcome?
            try db.inSavepoint {
                processed = try pipeline.process(db, list: list, raw: message.bytes, parsed: prepared.parsed,
                                                 fallbackDate: message.internalDate, source: source, logger: logger)
                return .commit
            }
            guard let processed else { throw DatabaseError(resultCode: .SQLITE_ERROR, message: "no outcome") }
            return processed
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR
            || error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_INTERRUPT {
            throw error
        } catch {
            let reason = "internal error while processing: \(error)"
            let id = try ArchiveWriter.quarantine(db, list: list.id, raw: message.bytes, error: reason, source: source)
            logger.error("message quarantined after an internal error", metadata: [
                "list.id": "\(list.id)", "uid": "\(message.uid)", "quarantine.id": "\(id)"])
            return .quarantined(quarantineID: id, reason: reason)
        }
    }

    /// The end of a unit's transaction: the cursor at its last UID, the list's marker cleared, the fetch failures
    /// of `resolved` forgotten, and the marker of the unit processed next written (durable before that unit is
    /// parsed, without a commit of its own).
    func finishUnit(_ db: Database, lastUID: UInt32, uidValidity: UInt32, resolved: [UInt32], next: IngestMarker?) throws {
        try ArchiveWriter.setMailboxState(db, list: list.id, MailboxState(uidValidity: uidValidity, lastUID: lastUID))
        for uid in resolved {
            try FetchFailures.resolved(db, list: list.id, uidValidity: uidValidity, uid: uid)
        }
        if let next {
            // Replaces this unit's marker: the next unit's starts from its carried count.
            try IngestProgress.handOver(db, list: list.id, uidValidity: uidValidity, uids: next.uids, run: runID,
                                        crashes: next.carried)
        } else {
            try IngestProgress.finish(db, list: list.id)
        }
    }
}
