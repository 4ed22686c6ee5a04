import Foundation
public import Logging
public import MailGateway
import ServiceLifecycle
import Synchronization

/// What `mailgateway run --once` did.
public struct OnceReport: Sendable, Codable {
    public struct MailboxResult: Sendable, Codable {
        public var list: String
        public var summary: MailboxPassSummary?
        /// Why the mailbox could not be processed (server unreachable, login refused, TLS...).
        public var error: String?
    }

    public var mailboxes: [MailboxResult]
    /// Copies still due after the drain (the SMTP server refused them for now; they will be retried).
    public var outboxPending: Int
    public var outboxSent: Int
    public var outboxFailed: Int
    /// Why the outbox could not be drained, if it could not.
    public var outboxError: String?

    /// True when every mailbox was processed.
    public var mailboxesOK: Bool { mailboxes.allSatisfy { $0.error == nil } }
}

/// Runs the gateway: as a daemon (a `ServiceGroup` of the services `services()` assembles, stopped gracefully
/// by SIGTERM/SIGINT), or once (one pass over every mailbox, then the due outbox copies are sent, and it returns).
public struct GatewayDaemon: Sendable {
    public let gateway: Gateway
    public let logger: Logger
    /// Fault points for the crash tests (the executable sets them from `MAILGATEWAY_FAULT`).
    public let faults: FaultInjection
    /// The process lock this run holds for its whole life (nil when the caller holds it, or in tests).
    let lock: ProcessLock?

    public init(gateway: Gateway, logger: Logger, faults: FaultInjection = .none) {
        self.init(gateway: gateway, logger: logger, faults: faults, lock: nil)
    }

    init(gateway: Gateway, logger: Logger, faults: FaultInjection, lock: ProcessLock?) {
        self.gateway = gateway
        self.logger = logger
        self.faults = faults
        self.lock = lock
    }

    /// What `run` and `run --once` start from: takes the exclusive lock of the database (`ProcessLock`, so a
    /// second run changes nothing), warns when the moderation key file is too open, then opens the gateway
    /// (database, templates, keys). The lock is held until the returned daemon is gone.
    /// - Throws: `ProcessLockError` when the lock cannot be taken; the gateway's errors when it cannot open.
    public static func open(config: GatewayConfig, logger: Logger, faults: FaultInjection = .none) throws -> GatewayDaemon {
        // A command migrating the database holds the lock for a moment: wait for it, not for another daemon.
        let lock = try ProcessLock.acquire(databasePath: config.database, waiting: 5)
        if let warning = Secrets.looseModeWarning(file: config.moderation.keyFile) {
            logger.warning("moderation key file too open", metadata: ["problem": "\(warning)"])
        }
        return GatewayDaemon(gateway: try Gateway(config: config, holdingProcessLock: true), logger: logger, faults: faults, lock: lock)
    }

    /// The outbox sender configured from `smtp` and `delivery` (see `OutboxSenderConfiguration.pauseOnRefusedLogin`).
    public func outboxSender(pauseOnRefusedLogin: Bool = true, pollInterval: Duration = .seconds(1)) throws -> OutboxSender {
        let config = gateway.config
        let settings = try SMTPSettings.resolving(server: config.smtp, ehloName: config.delivery.heloName,
                                                  environment: gateway.secrets.environment)
        let retry = RetryPolicy(base: TimeInterval(config.delivery.backoffSeconds),
                                cap: TimeInterval(config.delivery.maxBackoffSeconds),
                                period: TimeInterval(config.delivery.retryHours) * 3600)
        return OutboxSender(database: gateway.database.pool,
                            configuration: OutboxSenderConfiguration(smtp: settings, workers: config.delivery.connections,
                                                                     pollInterval: pollInterval, retry: retry,
                                                                     claimer: gateway.runID,
                                                                     pauseOnRefusedLogin: pauseOnRefusedLogin,
                                                                     pace: SendPace(perMinute: config.delivery.maxMessagesPerMinute)),
                            logger: logger)
    }

    /// Runs until SIGTERM or SIGINT, then stops gracefully (the current batch of each mailbox is committed and
    /// flagged, the copies being sent are finished and recorded).
    public func run() async throws {
        let services = try services().map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        logger.info("gateway started", metadata: ["lists": "\(gateway.config.lists.count)"])
        try await group.run()
        try? await clearProgressMarkers()
        logger.info("gateway stopped")
    }

    /// One pass over every mailbox (concurrently; a failing mailbox does not stop the others), hold expiry, the
    /// digests due now, then the outbox is drained: every due copy is attempted once (retries wait for the daemon).
    /// The outbox sender runs from the start, as in the daemon: the copies of an accepted post go out while the
    /// next posts are read (issue 12: the pipeline's two halves overlap on the machine's cores).
    public func runOnce(drainTimeout: Duration = .seconds(300)) async -> OnceReport {
        let limits = MailboxSyncPlan.Limits(maxMessageBytes: gateway.config.maxMessageBytes)
        let gateway = self.gateway
        let logger = self.logger
        let faults = self.faults
        let before = try? await gateway.database.pool.read { db in try Outbox.counts(db) }
        let outcome = SenderOutcome()
        // Nil when the SMTP settings cannot be resolved: the drain below then reports why, if anything is due.
        let sending: Task<Void, Never>? = (try? outboxSender(pauseOnRefusedLogin: false, pollInterval: .milliseconds(100)))
            .map { sender in Task { do { try await sender.run() } catch { outcome.set(error) } } }
        let results = await withTaskGroup(of: OnceReport.MailboxResult.self) { group in
            for list in gateway.config.lists {
                group.addTask {
                    var listLogger = logger
                    listLogger[metadataKey: "list.id"] = "\(list.id)"
                    do {
                        let (client, _) = try await gateway.connectedClient(for: list, logger: listLogger)
                        let sync = MailboxSync(pipeline: gateway.pipeline, database: gateway.database, list: list,
                                               limits: limits, runID: gateway.runID, faults: faults)
                        let summary: MailboxPassSummary
                        do {
                            summary = try await sync.pass(client: client, logger: listLogger)
                        } catch {
                            await client.logout()
                            throw error
                        }
                        await client.logout()
                        gateway.mailboxPasses.record(list: list.id)
                        return .init(list: list.id, summary: summary, error: nil)
                    } catch {
                        listLogger.error("mailbox failed", metadata: ["error": "\(error)"])
                        return .init(list: list.id, summary: nil, error: "\(error)")
                    }
                }
            }
            var all: [OnceReport.MailboxResult] = []
            for await r in group { all.append(r) }
            return all.sorted { $0.list < $1.list }
        }
        try? await clearProgressMarkers()
        var report = OnceReport(mailboxes: results, outboxPending: 0, outboxSent: 0, outboxFailed: 0)
        do {
            try await gateway.expireHolds()
            try await gateway.runBounceActions()
            runDueDigests()
            if let sending {
                try await waitDrained(sending, outcome: outcome, timeout: drainTimeout)
            } else {
                try await drainOutbox(timeout: drainTimeout)
            }
            let after = try await gateway.database.pool.read { db in try Outbox.counts(db) }
            report.outboxSent = (after[.sent] ?? 0) - (before?[.sent] ?? 0)
            report.outboxFailed = (after[.failed] ?? 0) - (before?[.failed] ?? 0)
            report.outboxPending = (after[.pending] ?? 0) + (after[.sending] ?? 0)
        } catch {
            sending?.cancel()
            _ = await sending?.value
            report.outboxError = "\(error)"
            logger.error("outbox drain failed", metadata: ["error": "\(error)"])
        }
        return report
    }

    /// A clean exit leaves no progress marker of this run (only a process that died does).
    private func clearProgressMarkers() async throws {
        let runID = gateway.runID
        try await gateway.database.pool.write { db in try IngestProgress.clear(db, run: runID) }
    }

    /// Runs the outbox sender until no copy is due now (or `timeout` passes), then stops it gracefully.
    func drainOutbox(timeout: Duration) async throws {
        guard try await dueOrSendingCount() > 0 else { return }
        let sender = try outboxSender(pauseOnRefusedLogin: false)
        let outcome = SenderOutcome()
        let task = Task {
            do { try await sender.run() } catch { outcome.set(error) }
        }
        try await waitDrained(task, outcome: outcome, timeout: timeout)
    }

    /// Waits until no copy is due now or being sent (or `timeout` passes), then stops the running sender `task`
    /// gracefully. Throws the error that stopped the sender by itself (SMTP login refused).
    private func waitDrained(_ task: Task<Void, Never>, outcome: SenderOutcome, timeout: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            // The sender stopped by itself (SMTP login refused): no copy can go out, say why.
            if let error = outcome.error { throw error }
            if try await dueOrSendingCount() == 0 { break }
        }
        task.cancel()
        _ = await task.value
    }

    /// Copies pending and due now, or being sent.
    private func dueOrSendingCount() async throws -> Int {
        try await gateway.database.pool.read { db in try Outbox.dueOrSendingCount(db, now: Date()) }
    }
}

/// The error that ended the drain's sender, if it ended by itself.
private final class SenderOutcome: Sendable {
    private let value = Mutex<(any Error)?>(nil)

    var error: (any Error)? { value.withLock { $0 } }

    func set(_ error: any Error) { value.withLock { $0 = error } }
}
