import Foundation
public import Logging
public import MailGateway
public import ServiceLifecycle

/// Periodic housekeeping while the daemon runs: expires overdue holds (their authors are told) every ten
/// minutes, carries out the bounce actions (probes, warnings, removals, policy alerts), prunes the notice rate-limit log, and purges confirmation tokens 30 days after their expiry (and the
/// per-address counts of command replies after two days).
public final class MaintenanceService: Service, Sendable {
    public let gateway: Gateway
    private let logger: Logger
    private let period: Duration

    public init(gateway: Gateway, logger: Logger, period: Duration = .seconds(600)) {
        self.gateway = gateway
        self.logger = logger
        self.period = period
    }

    public func run() async throws {
        let stop = StopSignal()
        await withGracefulShutdownHandler {
            while !stop.isSet && !Task.isCancelled {
                do {
                    let expired = try await gateway.expireHolds()
                    if !expired.isEmpty { logger.info("holds expired", metadata: ["count": "\(expired.count)"]) }
                    let bounces = try await gateway.runBounceActions()
                    if bounces != BounceActions.Report() { logger.info("bounce actions", metadata: ["report": "\(bounces)"]) }
                    try await gateway.database.pool.write { db in
                        try NoticeLog.prune(olderThan: 30, now: Date(), in: db)
                        try Confirmations.purge(db, now: Date())
                    }
                } catch {
                    logger.error("maintenance failed", metadata: ["error": "\(error)"])
                }
                await stop.sleep(for: period)
            }
        } onGracefulShutdown: {
            stop.set()
        }
    }
}
