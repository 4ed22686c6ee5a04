import Dispatch
import Foundation
import GRDB
import Logging

/// One SMTP connection and the loop that feeds it, isolated to a serial dispatch queue (see
/// `SerialQueueExecutor`): claim a batch, send each copy, record each result.
///
/// Recording: a refusal is committed at once (with the `sent` marks waiting before it). An acceptance is a line
/// of the worker's ``OutboxJournal`` and its `sent` mark waits for the next commit (``OutboxSenderConfiguration/
/// commitEvery``, ``OutboxSenderConfiguration/commitInterval``, or the next claim): one transaction for many
/// copies instead of one per copy. Before each copy is handed to SMTP, a journal line says so. After a crash the
/// journal tells which claimed copies the server accepted (marked sent) and which one was in flight (sent again):
/// at most one copy per worker is delivered twice, as with a commit per copy. A database that is not a file (no
/// place for a journal) gets a commit per copy and its handed mark committed before the send.
actor OutboxWorker {
    private let executor: SerialQueueExecutor
    private let database: any DatabaseWriter
    private let configuration: OutboxSenderConfiguration
    private let logger: Logger
    private let journal: OutboxJournal?
    private var connection: SMTPConnection?
    /// Copies accepted by the server, journaled, whose `sent` mark is not committed yet (oldest first).
    private var unrecorded: [Int64] = []
    private var oldestUnrecorded = ContinuousClock.now

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(index: Int, database: any DatabaseWriter, configuration: OutboxSenderConfiguration, logger: Logger) throws {
        self.executor = SerialQueueExecutor(queue: DispatchQueue(label: "mailgateway.outbox.worker.\(index)"))
        self.database = database
        self.configuration = configuration
        self.logger = logger
        let path = database.path
        journal = path.isEmpty || path == ":memory:" || path.hasPrefix("file:") ? nil
            : try OutboxJournal(databasePath: path, claimer: configuration.claimer, worker: index)
    }

    /// Sends until cancelled; at the end (an error included) commits what the journal holds and removes it.
    func run() async throws {
        do {
            try await loop()
        } catch {
            if (try? commit()) != nil { journal?.remove() }
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
            for (position, job) in jobs.enumerated() {
                if let pace = configuration.pace {
                    let wait = pace.reserve(at: .now)
                    if wait > .zero { try? await Task.sleep(for: wait) }
                }
                do {
                    try deliver(job)
                } catch let error as SMTPError {
                    // Authentication refused: this copy and the rest of the batch go back untouched.
                    try release(jobs[position...].map(\.id))
                    throw error
                }
                if Task.isCancelled {
                    try release(jobs[(position + 1)...].map(\.id))
                    return
                }
            }
        }
    }

    // Synchronous on purpose: GRDB's blocking write runs on this actor's queue, not on the cooperative pool.
    /// Commits the waiting `sent` marks and claims a batch (this worker's share of the due copies, at most
    /// `claimBatch`), in one transaction.
    private func claim() throws -> [OutboxJob] {
        let (batch, workers, claimer) = (configuration.claimBatch, configuration.workers, configuration.claimer)
        return try committing { db in
            let limit = try Outbox.claimLimit(db, batch: batch, workers: workers)
            return try Outbox.claim(db, limit: limit, claimer: claimer)
        }
    }

    private func release(_ ids: [Int64]) throws {
        try committing { db in try Outbox.release(db, ids: ids) }
    }

    /// Commits the waiting `sent` marks.
    private func commit() throws {
        guard !unrecorded.isEmpty else { return }
        try committing { _ in }
    }

    /// One transaction: the waiting `sent` marks, then `work`; once committed, the journal is cleared.
    private func committing<T>(_ work: (Database) throws -> T) throws -> T {
        let sent = unrecorded
        let result = try database.write { db in
            if !sent.isEmpty { try Outbox.markSent(db, ids: sent) }
            return try work(db)
        }
        unrecorded.removeAll(keepingCapacity: true)
        try journal?.clear()
        return result
    }

    /// Sends one claimed copy (blocking, on this actor's queue), then records the result.
    private func deliver(_ job: OutboxJob) throws {
        if let journal {
            try journal.handed(job.id)
        } else {
            try database.write { db in try Outbox.markHanded(db, id: job.id) }
        }
        let result: Result<Void, SMTPError>
        do throws(SMTPError) {
            let connection: SMTPConnection
            if let existing = self.connection {
                connection = existing
            } else {
                connection = try SMTPConnection(settings: configuration.smtp)
                self.connection = connection
            }
            try connection.send(envelopeFrom: job.envelopeFrom, recipients: [job.recipient], message: job.message)
            result = .success(())
        } catch {
            result = .failure(error)
        }
        if case .failure(let error) = result, error.isAuthenticationRefused { throw error }
        try record(job, result)
    }

    /// The one place where a copy's SMTP result is known, right after the server's answer (or the connection's
    /// failure): an acceptance is journaled and its mark waits for the next commit; a refusal is committed now.
    private func record(_ job: OutboxJob, _ result: Result<Void, SMTPError>) throws {
        switch result {
        case .success:
            if let journal {
                try journal.sent(job.id)
                if unrecorded.isEmpty { oldestUnrecorded = .now }
                unrecorded.append(job.id)
                if unrecorded.count >= configuration.commitEvery
                    || ContinuousClock.now - oldestUnrecorded >= configuration.commitInterval {
                    try commit()
                }
            } else {
                try committing { db in try Outbox.markSent(db, id: job.id) }
            }
            GatewayMetrics.outboxSent(list: job.listID)
            logger.debug("outbox copy sent", metadata: ["outbox.id": "\(job.id)", "list.id": "\(job.listID)"])
        case .failure(let error):
            let policy = configuration.retry
            let status = try committing { db in
                let status = try Outbox.markFailed(db, id: job.id, error: error, policy: policy)
                // A copy refused for good (or out of retries) is a bounce of its recipient (BN-2).
                if status == .failed {
                    try BounceLedger.recordRefusal(db, copyID: job.id, listID: job.listID, recipient: job.recipient,
                                                   error: error, now: Date())
                }
                return status
            }
            GatewayMetrics.outboxFailed(list: job.listID, final: status == .failed)
            logger.info("outbox copy not delivered", metadata: [
                "outbox.id": "\(job.id)", "list.id": "\(job.listID)", "smtp.code": "\(error.code)",
                "smtp.command": "\(error.command)", "smtp.kind": "\(error.kind.rawValue)",
                "outbox.status": "\(status.rawValue)", "outbox.attempts": "\(job.attempts)",
            ])
        }
    }
}
