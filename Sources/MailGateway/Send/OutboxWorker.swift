import Dispatch
import Foundation
import GRDB
import Logging

/// One SMTP connection and the loop that feeds it, isolated to a serial dispatch queue (see
/// `SerialQueueExecutor`): claim a batch, group it into SMTP transactions (``OutboxTransaction``: byte-identical
/// copies together, up to ``OutboxTransaction/maxRecipients`` RCPTs; a personalized copy alone), send
/// each transaction, record each copy's result (a refused RCPT is that copy's failure only).
///
/// Recording: a refusal is committed at once (with the `sent` marks waiting before it). An acceptance is a line
/// of the worker's ``OutboxJournal`` and its `sent` mark waits for the next commit (``OutboxSenderConfiguration/
/// commitEvery``, ``OutboxSenderConfiguration/commitInterval``, or the next claim): one transaction for many
/// copies instead of one per copy. Before a transaction's copies are handed to SMTP, one journal write says so,
/// carrying the acceptances of the transaction before it (one `write(2)` per transaction, not two).
/// After a crash the journal tells which claimed copies the server accepted (marked sent) and which transaction
/// was in flight (sent again): at most one transaction per worker is delivered twice (one copy when personalized). A database that is not a file (no
/// place for a journal) gets a commit per copy and its handed mark committed before the send.
actor OutboxWorker {
    private let executor: SerialQueueExecutor
    private let database: any DatabaseWriter
    private let configuration: OutboxSenderConfiguration
    private let logger: Logger
    private let journal: OutboxJournal?
    /// The copies claimed by this run's workers, when the claims are kept in memory (a worker with a journal:
    /// ``OutboxClaims``); nil: claims are `sending` rows, committed before the send.
    private let claims: OutboxClaims?
    private var connection: (any OutboxSMTPSession)?
    /// Copies accepted by the server, journaled, whose `sent` mark is not committed yet (oldest first).
    private var unrecorded: [Int64] = []
    private var oldestUnrecorded = ContinuousClock.now

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(index: Int, database: any DatabaseWriter, configuration: OutboxSenderConfiguration, claims: OutboxClaims,
         logger: Logger) throws {
        self.executor = SerialQueueExecutor(queue: DispatchQueue(label: "mailgateway.outbox.worker.\(index)"))
        self.database = database
        self.configuration = configuration
        self.logger = logger
        let path = database.path
        journal = path.isEmpty || path == ":memory:" || path.hasPrefix("file:") ? nil
            : try OutboxJournal(databasePath: path, claimer: configuration.claimer, worker: index)
        self.claims = journal == nil ? nil : claims
    }

    /// Sends until cancelled; at the end (an error included) commits what the journal holds, and at a clean end
    /// removes it (after an error the next start applies and removes it).
    func run() async throws {
        do {
            try await loop()
        } catch {
            // `commit` writes the journal's waiting lines first (`committing`). The journal stays: the next start
            // applies what it still holds (nothing once a commit cleared it; the copies of a transaction whose
            // refusals could not be committed, handed and without an outcome, otherwise) and deletes it.
            try? commit()
            throw error
        }
        try commit()
        journal?.remove()
    }

    private func loop() async throws {
        while !Task.isCancelled {
            let jobs = try claim()
            if jobs.isEmpty {
                try? await Task.sleep(for: configuration.pollInterval)
                continue
            }
            let transactions = OutboxTransaction.group(jobs)
            for (position, transaction) in transactions.enumerated() {
                if let pace = configuration.pace {
                    var wait = Duration.zero
                    for _ in transaction.jobs { wait = pace.reserve(at: .now) }
                    if wait > .zero {
                        try journal?.flush()
                        try? await Task.sleep(for: wait)
                    }
                    // Stopped during the wait: nothing of this transaction was handed to SMTP yet.
                    if Task.isCancelled {
                        try release(transactions[position...].flatMap { $0.jobs.map(\.id) })
                        return
                    }
                }
                do {
                    try deliver(transaction)
                } catch let error as SMTPError {
                    // Authentication refused: this transaction's copies and the rest of the batch go back untouched.
                    try release(transactions[position...].flatMap { $0.jobs.map(\.id) })
                    throw error
                }
                if Task.isCancelled {
                    try release(transactions[(position + 1)...].flatMap { $0.jobs.map(\.id) })
                    return
                }
            }
        }
    }

    // Synchronous on purpose: GRDB's blocking write runs on this actor's queue, not on the cooperative pool.
    /// Commits the waiting `sent` marks and claims a batch (this worker's share of the due copies, at most
    /// `claimBatch`), in one transaction: in memory (``OutboxClaims``, the rows stay `pending`) when a journal
    /// records what is handed to SMTP, else in the rows.
    private func claim() throws -> [OutboxJob] {
        let (workers, claimer, claims) = (configuration.workers, configuration.claimer, self.claims)
        let batch = configuration.pace?.claimBatch(configuration.claimBatch, workers: workers) ?? configuration.claimBatch
        return try committing { db in
            let limit = try Outbox.claimLimit(db, batch: batch, workers: workers, claimed: claims?.count ?? 0)
            if let claims { return try Outbox.claim(db, limit: limit, claims: claims) }
            return try Outbox.claim(db, limit: limit, claimer: claimer)
        }
    }

    /// Gives back claimed copies not attempted: pending, attempt not counted (a claim in memory: nothing to write).
    private func release(_ ids: [Int64]) throws {
        try committing(settling: ids) { db in try Outbox.release(db, ids: ids) }
    }

    /// Commits the waiting `sent` marks.
    private func commit() throws {
        guard !unrecorded.isEmpty else { return }
        try committing { _ in }
    }

    /// One transaction: the waiting `sent` marks, then `work`; once committed, the journal is cleared and the
    /// copies sent and `settling` (whose outcome `work` records, or which it gives back) leave the claims.
    /// The journal's waiting `S` lines are written first: the write may wait on the writer lock (an ingest
    /// transaction), and a kill during that wait must not re-send copies the server accepted.
    private func committing<T>(settling: [Int64] = [], _ work: (Database) throws -> T) throws -> T {
        try journal?.flush()
        let sent = unrecorded
        let result = try write { db in
            if !sent.isEmpty { try Outbox.markSent(db, ids: sent) }
            return try work(db)
        }
        unrecorded.removeAll(keepingCapacity: true)
        // Committed: given back before the journal's truncation, which can fail (the worker then stops).
        claims?.release(sent)
        claims?.release(settling)
        try journal?.clear()
        return result
    }

    /// `database.write`, tried again while another process holds the database's write lock (``OutboxBusyRetry``);
    /// the `sent` marks wait in the journal meanwhile. Before, the worker threw and the daemon stopped. Once the run
    /// is cancelled (a stop), the error is thrown: the journal keeps what was not committed.
    private func write<T>(_ work: (Database) throws -> T) throws -> T {
        var retry = OutboxBusyRetry()
        while true {
            do {
                return try database.write(work)
            } catch let error as DatabaseError where OutboxBusyRetry.isBusy(error) && !Task.isCancelled {
                let wait = retry.failed(error, logger: logger)
                // This worker's own queue, not the cooperative pool; in slices, so that a stop is not held up.
                let until = Date().addingTimeInterval(wait)
                while Date() < until, !Task.isCancelled { Thread.sleep(forTimeInterval: 0.05) }
            }
        }
    }

    /// Sends the copies of one transaction (blocking, on this actor's queue), then records each one's result.
    private func deliver(_ transaction: OutboxTransaction) throws {
        let ids = transaction.jobs.map(\.id)
        if let journal {
            try journal.handed(transaction.jobs)
        } else {
            try write { db in try Outbox.markHanded(db, ids: ids) }
        }
        var results: [SMTPError?]
        do throws(SMTPError) {
            let connection: any OutboxSMTPSession
            if let existing = self.connection {
                connection = existing
            } else {
                connection = try OutboxSMTPClient.session(for: configuration.smtp,
                                                          forcingLibcurl: configuration.forcesLibcurl)
                self.connection = connection
            }
            if transaction.jobs.count == 1 {
                do throws(SMTPError) {
                    try connection.send(envelopeFrom: transaction.envelopeFrom, recipients: transaction.recipients,
                                        message: transaction.message)
                    results = [nil]
                } catch {
                    results = [error]
                }
            } else {
                results = try connection.send(envelopeFrom: transaction.envelopeFrom, each: transaction.recipients,
                                              message: transaction.message)
            }
        } catch {
            results = Array(repeating: error, count: ids.count)
        }
        if let refused = results.lazy.compactMap({ $0 }).first(where: \.isAuthenticationRefused) { throw refused }
        try record(Array(zip(transaction.jobs, results)))
    }

    /// The one place where a copy's SMTP result is known, right after the server's answer (or the connection's
    /// failure): acceptances are journaled and their marks wait for the next commit; refusals are committed now.
    private func record(_ outcomes: [(job: OutboxJob, error: SMTPError?)]) throws {
        let accepted = outcomes.filter { $0.error == nil }.map(\.job)
        if !accepted.isEmpty {
            let ids = accepted.map(\.id)
            if let journal {
                try journal.sent(ids)
                if unrecorded.isEmpty { oldestUnrecorded = .now }
                unrecorded.append(contentsOf: ids)
            } else {
                try committing { db in try Outbox.markSent(db, ids: ids) }
            }
            // One counter increment per run of copies of one list (a transaction's copies are grouped by envelope
            // sender and bytes, in practice one list's; the runs keep the count right whatever they hold).
            var start = accepted.startIndex
            for end in accepted.indices where end + 1 == accepted.endIndex || accepted[end + 1].listID != accepted[end].listID {
                GatewayMetrics.outboxSent(list: accepted[end].listID, count: end + 1 - start)
                start = end + 1
            }
            for job in accepted {
                logger.debug("outbox copy sent", metadata: ["outbox.id": "\(job.id)", "list.id": "\(job.listID)"])
            }
        }
        let refused = outcomes.compactMap { outcome in outcome.error.map { (job: outcome.job, error: $0) } }
        if refused.isEmpty {
            if journal != nil, unrecorded.count >= configuration.commitEvery
                || ContinuousClock.now - oldestUnrecorded >= configuration.commitInterval {
                try commit()
            }
            return
        }
        let policy = configuration.retry
        let statuses = try committing(settling: refused.map(\.job.id)) { db in
            try refused.map { job, error in
                let status = try Outbox.markFailed(db, id: job.id, error: error, policy: policy)
                // A copy refused for good (or out of retries) is a bounce of its recipient (BN-2).
                if status == .failed {
                    try BounceLedger.recordRefusal(db, copyID: job.id, listID: job.listID, recipient: job.recipient,
                                                   error: error, now: Date())
                }
                return status
            }
        }
        for ((job, error), status) in zip(refused, statuses) {
            GatewayMetrics.outboxFailed(list: job.listID, final: status == .failed)
            logger.info("outbox copy not delivered", metadata: [
                "outbox.id": "\(job.id)", "list.id": "\(job.listID)", "smtp.code": "\(error.code)",
                "smtp.command": "\(error.command)", "smtp.kind": "\(error.kind.rawValue)",
                "outbox.status": "\(status.rawValue)", "outbox.attempts": "\(job.attempts)",
            ])
        }
    }
}
