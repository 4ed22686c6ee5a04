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
    /// Copies one worker claims per transaction at most (default 1000, room for ten full transactions of
    /// byte-identical copies; less when the due copies shared between the workers are fewer). Claimed copies not
    /// yet attempted at a graceful stop are given back; after a crash they are recovered as never handed to SMTP
    /// (so never duplicated): the size moves no guarantee, only how many copies one claim reads (and, for a sender
    /// without a journal, how many rows it marks `sending`; issue 12: 1000 rather than 200 halved that claim's
    /// database time per copy).
    public var claimBatch: Int
    /// A worker commits the `sent` marks of the copies the server accepted once this many are waiting (default
    /// 1000, ten full transactions of byte-identical copies), or ``commitInterval`` after the oldest of them, and
    /// always before it claims, gives back or records a failure. Until then each mark is a line of the worker's
    /// ``OutboxJournal``, so a crash re-sends no more than with a commit per copy: the transaction in flight.
    public var commitEvery: Int
    /// See ``commitEvery`` (default 250 ms): how stale `outbox list` may be while a fan-out runs.
    public var commitInterval: Duration
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
    /// At most so many copies a minute across the workers (AN-8, `delivery.max_messages_per_minute`); nil: as
    /// fast as the server takes them.
    public var pace: SendPace?
    /// Tests only: the workers send through ``SMTPConnection`` (libcurl) even to a plaintext relay without AUTH,
    /// which ``PipelinedSMTPConnection`` serves otherwise (``OutboxSMTPClient``), so that path stays tested end to end.
    var forcesLibcurl = false

    public init(smtp: SMTPSettings, workers: Int = 4, claimBatch: Int = 1000,
                commitEvery: Int = 1000,
                commitInterval: Duration = .milliseconds(250), pollInterval: Duration = .seconds(1),
                retry: RetryPolicy = RetryPolicy(), claimer: String? = nil,
                pauseOnRefusedLogin: Bool = true, pace: SendPace? = nil) {
        self.pace = pace
        self.smtp = smtp
        self.claimer = claimer ?? UUID().uuidString
        self.workers = max(1, workers)
        self.claimBatch = max(1, claimBatch)
        self.commitEvery = max(1, commitEvery)
        self.commitInterval = commitInterval
        self.pollInterval = pollInterval
        self.retry = retry
        self.pauseOnRefusedLogin = pauseOnRefusedLogin
    }
}

/// The service that empties the outbox: `workers` SMTP connections, each owned by a worker actor
/// (``OutboxWorker``) that runs on its own serial dispatch queue, so the SMTP session's blocking calls and the SQLite
/// writes that record the results never run on Swift's cooperative pool, and a connection's copies stay on one
/// thread.
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

    /// What a sender does before its workers start: applies the journals that stopped workers left beside the
    /// database (``OutboxJournal``: what their copies became since their last commit) and deletes them, then
    /// makes due again the rows left `sending` by other claimers (``Outbox/recover(_:now:current:)``). The caller
    /// holds the process lock and runs no worker on this database.
    /// Another process holding the write lock beyond the busy timeout is waited for (logged to `logger`).
    public static func recover(_ database: any DatabaseWriter, current claimer: String,
                               logger: Logger? = nil) async throws -> Outbox.Recovery {
        let journals = OutboxJournal.leftBehind(databasePath: database.path)
        // Every journal's lines at once, so that an acceptance in one is applied before the handed lines of all:
        // a line left in another journal (copies given back, then the kill before its truncation) can name the
        // same copy. Of two attempt numbers for one copy the higher is the later line.
        let handed = journals.flatMap(\.handed)
        let sent = journals.flatMap(\.sent)
        let attempts = journals.reduce(into: [Int64: Int]()) { all, journal in
            all.merge(journal.attempts, uniquingKeysWith: max)
        }
        var retry = OutboxBusyRetry()
        let recovered: Outbox.Recovery
        while true {
            do {
                recovered = try await database.write { db in
                    let handedUnanswered = try Outbox.applyJournal(db, handed: handed, sent: sent, attempts: attempts)
                    var recovery = try Outbox.recover(db, current: claimer)
                    recovery.maybeSent += handedUnanswered
                    return recovery
                }
                break
            } catch let error as DatabaseError
                        where OutboxBusyRetry.isBusy(error) && !Task.isCancelled && !Task.isShuttingDownGracefully {
                // Another process holds the write lock: nothing was written, try again (this runs before the
                // workers' shutdown scope: a stop ends the waiting here, with the error).
                try? await Task.sleep(for: .seconds(retry.failed(error, logger: logger)))
            }
        }
        for journal in journals { unlink(journal.path) }
        return recovered
    }

    /// Runs until graceful shutdown or cancellation. Throws database errors (the service group then stops).
    public func run() async throws {
        let recovered = try await Self.recover(database, current: configuration.claimer, logger: logger)
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
                    // The copies this run's workers have claimed (``OutboxClaims``): shared, and gone with the run.
                    let claims = OutboxClaims()
                    for index in 0..<configuration.workers {
                        group.addTask {
                            var workerLogger = logger
                            workerLogger[metadataKey: "outbox.worker"] = "\(index)"
                            let worker = try OutboxWorker(index: index, database: database, configuration: configuration,
                                                          claims: claims, logger: workerLogger)
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
