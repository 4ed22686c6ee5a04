public import Digest
public import Foundation
public import Logging
public import MailGateway
public import ServiceLifecycle

/// Sends the digests while the daemon runs: every `period` (a minute), the issues due now (``DigestRun``); the
/// outbox sender delivers their copies. A run that fails is logged and tried again at the next wake-up: an issue
/// is recorded with its copies in one transaction, so nothing is half done.
public final class DigestService: Service, Sendable {
    private let gateway: Gateway
    private let run: DigestRun
    private let logger: Logger
    private let period: Duration
    /// The instant of each wake-up (the system clock; tests set one a few seconds before a schedule).
    private let clock: @Sendable () -> Date

    public init(gateway: Gateway, logger: Logger, period: Duration = .seconds(60),
                clock: @escaping @Sendable () -> Date = { Date() }) throws {
        self.gateway = gateway
        self.run = try GatewayDaemon.digestRun(gateway)
        self.logger = logger
        self.period = period
        self.clock = clock
    }

    public func run() async throws {
        let stop = StopSignal()
        await withGracefulShutdownHandler {
            while !stop.isSet && !Task.isCancelled {
                do {
                    let now = clock()
                    let done = try run.run(gateway.database.pool, at: now, now: now)
                    if done.issues > 0 {
                        logger.info("digests enqueued", metadata: ["issues": "\(done.issues)", "copies": "\(done.copies)"])
                    }
                } catch {
                    logger.error("digest run failed", metadata: ["error": "\(error)"])
                }
                await stop.sleep(for: period)
            }
        } onGracefulShutdown: {
            stop.set()
        }
    }
}

extension GatewayDaemon {
    /// The digest run of this gateway: the renderer of ``makeDigestRenderer(templatesDirectory:)``, the posts'
    /// VERP key and one-click links.
    static func digestRun(_ gateway: Gateway) throws -> DigestRun {
        DigestRun(config: gateway.config,
                  renderer: try makeDigestRenderer(templatesDirectory: gateway.config.templatesDirectory),
                  bounceTagKey: gateway.pipeline.distributor.bounceKey,
                  oneClick: gateway.pipeline.distributor.oneClick)
    }

    /// `digest run`: enqueues every issue due at `at`, then sends what is due in the outbox (as `run --once`).
    public func runDigests(at: Date, drainTimeout: Duration = .seconds(300)) async throws -> DigestRun.Report {
        let report = try Self.digestRun(gateway).run(gateway.database.pool, at: at)
        try await drainOutbox(timeout: drainTimeout)
        return report
    }

    /// `run --once`: the issues due now (before the outbox is drained).
    func runDueDigests() {
        do {
            let report = try Self.digestRun(gateway).run(gateway.database.pool, at: Date())
            if report.issues > 0 {
                logger.info("digests enqueued", metadata: ["issues": "\(report.issues)", "copies": "\(report.copies)"])
            }
        } catch {
            logger.error("digest run failed", metadata: ["error": "\(error)"])
        }
    }
}
