public import GRDB
public import Logging
public import ServiceLifecycle
import Dispatch
import Foundation

/// How the outbox sender works: SMTP server and parallelism, batching, retries.
public struct OutboxSenderConfiguration: Sendable {
    /// The SMTP server and credentials every worker connects to.
    public var smtp: SMTPSettings
    /// Parallel SMTP connections (one worker thread each). Default 4.
    public var workers: Int
    /// Copies one worker claims per transaction. Claimed copies not yet attempted at a graceful stop are
    /// given back; after a crash they are recovered as never handed to SMTP (so never duplicated).
    public var claimBatch: Int
    /// How long an idle worker waits before looking for due copies again.
    public var pollInterval: Duration
    public var retry: RetryPolicy
    /// This run (``Gateway/runID``), recorded on the rows it claims; at start, rows of other claimers are
    /// recovered (the process lock guarantees they are gone). Nil: a new identifier per configuration.
    public var claimer: String
    /// What the sender does when the server refuses its login (`SMTPError.isAuthenticationRefused`): true (the
    /// daemon) logs it once and waits, sending nothing, until the graceful shutdown; false (`run --once`) throws
    /// the error from `run()`. Either way the copies stay pending, their attempts not counted.
    public var pauseOnRefusedLogin: Bool

    public init(smtp: SMTPSettings, workers: Int = 4, claimBatch: Int = 8, pollInterval: Duration = .seconds(1),
                retry: RetryPolicy = RetryPolicy(), claimer: String? = nil,
                pauseOnRefusedLogin: Bool = true) {
        self.smtp = smtp
        self.claimer = claimer ?? UUID().uuidString
        self.workers = max(1, workers)
        self.claimBatch = max(1, claimBatch)
        self.pollInterval = pollInterval
        self.retry = retry
        self.pauseOnRefusedLogin = pauseOnRefusedLogin
    }
}

/// The service that empties the outbox: `workers` SMTP connections, each owned by a worker actor that runs
/// on its own serial dispatch queue, so libcurl's blocking calls and the SQLite writes that record each
/// result never run on Swift's cooperative pool.
///
/// On start, copies left `sending` by a process that is gone are made due again (`Outbox.recover`). On graceful
/// shutdown (SIGTERM through the `ServiceGroup`) or cancellation, each worker finishes the copy it is sending,
/// records the server's answer, gives back the copies it claimed but did not start, and stops.
public final class OutboxSender: Service {
    private let database: any DatabaseWriter
    private let configuration: OutboxSenderConfiguration
    private let logger: Logger

    /// - Parameters:
    ///   - database: the database holding the "outbox-v1" tables (a `DatabasePool` in production).
    ///   - logger: the caller's logger; the sender adds `outbox.worker` metadata.
    public init(database: any DatabaseWriter, configuration: OutboxSenderConfiguration, logger: Logger) {
        self.database = database
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until graceful shutdown or cancellation. Throws database errors (the service group then stops).
    public func run() async throws {
        let claimer = configuration.claimer
        let recovered = try await database.write { try Outbox.recover($0, current: claimer) }
        if recovered.total > 0 {
            logger.info("outbox copies interrupted by a previous stop are due again", metadata: [
                "outbox.recovered": "\(recovered.total)", "outbox.maybe_sent": "\(recovered.maybeSent)"])
        }
        let database = self.database
        let configuration = self.configuration
        let logger = self.logger
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<configuration.workers {
                        group.addTask {
                            var workerLogger = logger
                            workerLogger[metadataKey: "outbox.worker"] = "\(index)"
                            let worker = OutboxWorker(index: index, database: database, configuration: configuration,
                                                      logger: workerLogger)
                            try await worker.run()
                        }
                    }
                    try await group.waitForAll()
                }
            }
        } catch let error as SMTPError where error.isAuthenticationRefused {
            // A worker gave its copies back; the group cancelled the others, which gave theirs back too.
            // Retrying with the same credentials cannot help: say it once, clearly, and send nothing more.
            logger.critical("SMTP authentication refused: the outbox is paused until the configuration is fixed and the gateway restarted",
                            metadata: ["error": "\(error)", "smtp.server": "\(configuration.smtp.server.host):\(configuration.smtp.server.port)"])
            guard configuration.pauseOnRefusedLogin else { throw error }
            try? await gracefulShutdown()
        }
    }
}

/// One SMTP connection and the loop that feeds it, isolated to a serial dispatch queue (see
/// `SerialQueueExecutor`): claim a batch, send each copy, record each result in its own transaction.
actor OutboxWorker {
    private let executor: SerialQueueExecutor
    private let database: any DatabaseWriter
    private let configuration: OutboxSenderConfiguration
    private let logger: Logger
    private var connection: SMTPConnection?

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(index: Int, database: any DatabaseWriter, configuration: OutboxSenderConfiguration, logger: Logger) {
        self.executor = SerialQueueExecutor(queue: DispatchQueue(label: "mailgateway.outbox.worker.\(index)"))
        self.database = database
        self.configuration = configuration
        self.logger = logger
    }

    func run() async throws {
        while !Task.isCancelled {
            let jobs = try claim()
            if jobs.isEmpty {
                try? await Task.sleep(for: configuration.pollInterval)
                continue
            }
            for (position, job) in jobs.enumerated() {
                do {
                    try deliver(job, handingNext: position + 1 < jobs.count ? jobs[position + 1].id : nil)
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
    /// Claims a batch and marks its first copy handed, in one transaction.
    private func claim() throws -> [OutboxJob] {
        let batch = configuration.claimBatch
        let claimer = configuration.claimer
        return try database.write { db in
            let jobs = try Outbox.claim(db, limit: batch, claimer: claimer)
            if let first = jobs.first { try Outbox.markHanded(db, id: first.id) }
            return jobs
        }
    }

    private func release(_ ids: [Int64]) throws {
        try database.write { try Outbox.release($0, ids: ids) }
    }

    /// Sends one claimed copy (blocking, on this actor's queue) and commits the outcome, marking the next copy of
    /// the batch handed in the same transaction: at any time at most one copy per worker is handed and unrecorded.
    private func deliver(_ job: OutboxJob, handingNext next: Int64?) throws {
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
        switch result {
        case .failure(let error) where error.isAuthenticationRefused:
            throw error
        case .success:
            try database.write { db in
                try Outbox.markSent(db, id: job.id)
                if let next { try Outbox.markHanded(db, id: next) }
            }
            GatewayMetrics.outboxSent(list: job.listID)
            logger.debug("outbox copy sent", metadata: ["outbox.id": "\(job.id)", "list.id": "\(job.listID)"])
        case .failure(let error):
            let policy = configuration.retry
            let status = try database.write { db in
                let status = try Outbox.markFailed(db, id: job.id, error: error, policy: policy)
                // A copy refused for good (or out of retries) is a bounce of its recipient (BN-2).
                if status == .failed {
                    try BounceLedger.recordRefusal(db, copyID: job.id, listID: job.listID, recipient: job.recipient,
                                                   error: error, now: Date())
                }
                if let next { try Outbox.markHanded(db, id: next) }
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
