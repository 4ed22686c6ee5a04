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

    /// The marker of the unit at `position` of a batch's `units` (nil past the end). A group followed by a group
    /// also covers that one: its messages are parsed while this group is written (``MailboxSync``), so the marker
    /// committed before this group's parse must already name them. A crash in either replays both alone. `units` may
    /// go on with the next batch's first units (once that batch is fetched): the batch's last group then covers the
    /// next batch's first group, parsed while it is written.
    init?(at position: Int, of units: [MailboxSyncPlan.Unit], replay: (uids: ClosedRange<UInt32>, crashes: Int)?) {
        guard units.indices.contains(position) else { return nil }
        guard case .group(let uids) = units[position], units.indices.contains(position + 1),
              case .group(let following) = units[position + 1], let first = uids.first, let last = following.last else {
            self.init(of: units[position], replay: replay)
            return
        }
        self.init(uids: first...last, carried: 0)
    }
}

/// A message parsed, routed (and its DMARC policy looked up) before its transaction opens.
struct PreparedMessage: Sendable {
    let message: IMAPFetchedMessage
    let parsed: Result<ParsedMessage, MessageParseError>
    /// ``IngestPipeline/route(_:list:)`` of the parsed message (nil when the parse failed): computed with the parse,
    /// off the database writer.
    let route: InboundRoute?
}

extension MailboxSync {
    /// The units of a fetched batch (``MailboxSyncPlan/units(_:sizes:alone:limits:)``): computed once when the batch
    /// before looks ahead at it, and again, the same, when it is processed.
    func units(of uids: [UInt32], returned: Set<UInt32>, sizes: [UInt32: Int],
               alone: (UInt32) -> Bool) -> [MailboxSyncPlan.Unit] {
        MailboxSyncPlan.units(MailboxSyncPlan.resolve(requested: uids, returned: returned), sizes: sizes,
                              alone: alone, limits: limits)
    }

    /// Commits the group marker `marker` in a transaction of its own (a group whose marker did not ride in the
    /// previous commit: the first of a batch). A marker a dead run left for these UIDs was read when the pass
    /// started: those are replayed alone, so this one counts no crash.
    func begin(_ marker: IngestMarker, uidValidity: UInt32) async throws {
        let (listID, runID) = (list.id, self.runID)
        _ = try await database.pool.write { db in
            try IngestProgress.begin(db, list: listID, uidValidity: uidValidity, uids: marker.uids, run: runID)
        }
    }

    /// Parses the messages of a group, then looks up the DMARC policies their copies may need, outside any
    /// transaction, in order. Each message is parsed to its header first; one read of the register then says which
    /// ones need the rest (``IngestPipeline/preparation(_:list:parsed:rawSize:route:)``: a post from a sender nobody
    /// in the register has, that the standard chain rejects or discards on its header, is archived from its header
    /// alone, and the writer checks that again) and which ones may be distributed; the others get the rest of the
    /// parse (``MessageParser/withBody(_:raw:)``). Their UIDs must be covered by a committed marker.
    /// A graceful stop requested meanwhile (each message may wait on DNS for its DMARC policy), or the cancellation of
    /// the work started ahead (``Lookahead``), ends it after the messages prepared so far, a prefix of the group (at
    /// least one).
    func prepareGroup(_ messages: [IMAPFetchedMessage], logger: Logger, shouldStop: () -> Bool) async -> [PreparedMessage] {
        var headers: [PreparedMessage] = []
        headers.reserveCapacity(messages.count)
        for message in messages {
            if !headers.isEmpty && (shouldStop() || Task.isCancelled) { break }
            headers.append(parse(message, headersOnly: true))
        }
        let plan = await preparation(headers)
        var prepared: [PreparedMessage] = []
        prepared.reserveCapacity(headers.count)
        for (index, item) in headers.enumerated() {
            if index > 0 && (shouldStop() || Task.isCancelled) { break }
            guard !plan.headersOnly.contains(item.message.uid) else {
                prepared.append(item)
                continue
            }
            // The rest of the parse: the header fields as decoded, the body added.
            let whole = item.parsed.flatMap { header in
                Result { () throws(MessageParseError) in
                    try MessageParser.withBody(header, raw: item.message.bytes).withAttachmentDigests()
                }
            }
            prepared.append(PreparedMessage(message: item.message, parsed: whole, route: item.route))
        }
        for (index, item) in prepared.enumerated() {
            if index > 0 && (shouldStop() || Task.isCancelled) { return Array(prepared.prefix(index)) }
            await lookUpDMARC(item, needed: plan.dmarc.contains(item.message.uid), logger: logger)
        }
        return prepared
    }

    /// Processes the prepared messages of a group (``prepareGroup(_:logger:shouldStop:)``) in ONE transaction, with
    /// the cursor at the last one and the marker of the unit after it (`next`; nil when the group was stopped: only a
    /// prefix was prepared, and nothing follows it in this run). A crash before that commit loses the whole group and
    /// leaves the marker that covers it: the next run replays those UIDs one message per transaction
    /// (``ingest(_:uidValidity:retried:marker:begun:next:logger:)``).
    ///
    /// The messages are first processed one after the other without a savepoint each: a savepoint makes SQLite
    /// journal every page the message changes a second time (a statement journal) and makes FTS5 write its pending
    /// terms as a new index segment (its `xSavepoint`), so the full-text index would be written, and merged, once per
    /// message instead of once per group (docs/benchmarks.md, stop 20). When one message fails (``GroupFailure``), the
    /// whole transaction is rolled back and the group processed again with a savepoint per message
    /// (``process(_:_:uidValidity:logger:)``), in which that message is quarantined and the others commit.
    ///
    /// Blocking: it runs on the pass's own thread (`executor`, see ``pass(client:logger:shouldStop:)``), where GRDB's
    /// synchronous `write` runs the transaction on that thread when the writer is free. GRDB's `async` write hopped to
    /// the writer's queue and back for each group: two thread wake-ups on the critical path of the ingest, 7 % of its
    /// wall time on the 20k corpus (docs/benchmarks.md, stop 24). Cancelling the pass no longer interrupts the
    /// transaction (GRDB's `async` write did, and rolled the group back): the group commits, then the group parsed
    /// ahead is cancelled when the pass waits for it, the prefix it prepared commits, and the pass ends. The flags
    /// still come after the commits.
    func commitGroup(_ prepared: [PreparedMessage], uidValidity: UInt32, retried: Set<UInt32>, next: IngestMarker?,
                     on executor: QueueTaskExecutor, logger: Logger) throws -> [IngestOutcome] {
        executor.preconditionOnQueue()
        guard let last = prepared.last else { return [] }
        let resolved = prepared.map(\.message.uid).filter(retried.contains)
        do {
            return try database.pool.write { db in
                let outcomes = try prepared.map { try self.processInGroup($0, db, uidValidity: uidValidity, logger: logger) }
                try self.finishUnit(db, lastUID: last.message.uid, uidValidity: uidValidity, resolved: resolved, next: next)
                return outcomes
            }
        } catch let failure as GroupFailure {
            logger.notice("a message of the group failed: the group is processed again, each message in a savepoint",
                          metadata: ["list.id": "\(list.id)", "uid": "\(failure.uid)", "error": "\(failure.error)"])
        }
        return try database.pool.write { db in
            let outcomes = try prepared.map { try self.process($0, db, uidValidity: uidValidity, logger: logger) }
            try self.finishUnit(db, lastUID: last.message.uid, uidValidity: uidValidity, resolved: resolved, next: next)
            return outcomes
        }
    }

    /// Processes one parsed message of a group in the caller's transaction, without a savepoint: a failure that
    /// ``process(_:_:uidValidity:logger:)`` would quarantine is thrown as a ``GroupFailure`` (the caller rolls the
    /// group back and processes it again, each message in a savepoint); the database's own failures are rethrown.
    private func processInGroup(_ prepared: PreparedMessage, _ db: Database, uidValidity: UInt32,
                            logger: Logger) throws -> IngestOutcome {
        do {
            try faults.failing(prepared.message.bytes)
            return try pipeline.process(db, list: list, raw: prepared.message.bytes, parsed: prepared.parsed,
                                        route: prepared.route, fallbackDate: prepared.message.internalDate,
                                        source: .imap(uidValidity: uidValidity, uid: prepared.message.uid), logger: logger)
        } catch let error as DatabaseError where Self.abortsTransaction(error) {
            throw error
        } catch {
            throw GroupFailure(uid: prepared.message.uid, error: error)
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

    /// Parses a message outside any transaction and looks up the DMARC policy its copies may need (a message
    /// processed alone): the parse of a hostile message may be slow or crash, and must never hold the writer.
    func prepare(_ message: IMAPFetchedMessage, logger: Logger) async -> PreparedMessage {
        let item = parse(message)
        await lookUpDMARC(item, needed: await preparation([item]).dmarc.contains(message.uid), logger: logger)
        return item
    }

    /// Parses (whole, or to its header: ``MessageParser/parseHeaders(_:)``) and routes a message, after the crash
    /// tests' fault point.
    private func parse(_ message: IMAPFetchedMessage, headersOnly: Bool = false) -> PreparedMessage {
        faults.processing(message.bytes)
        let parsed = headersOnly
            ? Result { () throws(MessageParseError) in try MessageParser.parseHeaders(message.bytes) }
            : IngestPipeline.parse(message.bytes).map { $0.withAttachmentDigests() }
        let route = (try? parsed.get()).map { IngestPipeline.route($0, list: list) }
        return PreparedMessage(message: message, parsed: parsed, route: route)
    }

    /// What to prepare for `items`, decided in ONE read of the register for all of them
    /// (``IngestPipeline/preparation(_:list:parsed:rawSize:route:)``): `headersOnly`, the UIDs of the posts parsed to
    /// their header that need no more; `dmarc`, the UIDs whose author's DMARC policy is to be looked up in DNS (posts
    /// that may be distributed, whose domain has no fresh cached answer). A failed read parses every message whole and
    /// names every post for DMARC, as before these checks existed.
    private func preparation(_ items: [PreparedMessage]) async -> (headersOnly: Set<UInt32>, dmarc: Set<UInt32>) {
        let resolver = list.fromRewrite == .whenDMARC ? pipeline.distributor.dmarcResolver : nil
        let posts = items.compactMap { item -> (uid: UInt32, post: ParsedMessage, size: Int, route: InboundRoute)? in
            guard case .success(let post) = item.parsed, let route = item.route else { return nil }
            return (item.message.uid, post, item.message.bytes.count, route)
        }
        // A post may need its DMARC policy when its domain has no fresh answer.
        let lookable = Set(posts.filter { post in
            resolver != nil && post.post.from.first?.domainKey.map { resolver?.fresh($0) == nil } == true
        }.map(\.uid))
        guard !posts.isEmpty else { return ([], []) }
        let (pipeline, list) = (self.pipeline, self.list)
        let plan = try? await database.pool.read { db in
            var headersOnly = Set<UInt32>(), dmarc = Set<UInt32>()
            for post in posts {
                let needs = try pipeline.preparation(db, list: list, parsed: post.post, rawSize: post.size, route: post.route)
                if !needs.body && !post.post.bodyParsed { headersOnly.insert(post.uid) }
                if needs.dmarc && lookable.contains(post.uid) { dmarc.insert(post.uid) }
            }
            return (headersOnly, dmarc)
        }
        return plan ?? ([], lookable)
    }

    /// Looks up (or finds cached) the DMARC policy of a parsed post's author when `needed` or cached.
    private func lookUpDMARC(_ item: PreparedMessage, needed: Bool, logger: Logger) async {
        guard case .success(let post) = item.parsed,
              let dmarc = await pipeline.distributor.prepareDMARC(for: post, list: list, needed: { needed }),
              dmarc.source == .fallbackList else { return }
        logger.info("DMARC lookup failed: the strict-domain list decides", metadata: ["list.id": "\(list.id)"])
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
                try faults.failing(message.bytes)
                processed = try pipeline.process(db, list: list, raw: message.bytes, parsed: prepared.parsed,
                                                 route: prepared.route, fallbackDate: message.internalDate,
                                                 source: source, logger: logger)
                return .commit
            }
            guard let processed else { throw DatabaseError(resultCode: .SQLITE_ERROR, message: "no outcome") }
            return processed
        } catch let error as DatabaseError where Self.abortsTransaction(error) {
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

    /// The database's own failures (full, I/O, read-only, interrupted): they abort the whole transaction, never
    /// quarantine a message.
    static func abortsTransaction(_ error: DatabaseError) -> Bool {
        [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_INTERRUPT].contains(error.resultCode)
    }
}

/// A message of a group processed without a savepoint failed (``MailboxSync/commitGroup(_:uidValidity:retried:next:on:logger:)``):
/// the group's transaction is rolled back, and the group processed again with a savepoint per message.
struct GroupFailure: Error {
    let uid: UInt32
    let error: any Error
}
