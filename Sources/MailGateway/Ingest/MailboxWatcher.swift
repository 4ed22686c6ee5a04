public import Logging
public import ServiceLifecycle
import Synchronization

/// Watches one list's mailbox for as long as the daemon runs (a `Service`): a pass over the folder, then IDLE
/// until the server reports activity (or the poll interval passes, to re-arm), or a poll every interval when the
/// server has no IDLE. A failing mailbox (server down) is retried with exponential backoff (1 s doubling to
/// 5 min) and never stops the other mailboxes; a refused login (`IMAPError.isRefusedLogin`) is logged once and
/// not retried until restart. Graceful shutdown (SIGTERM/SIGINT) lets the
/// current batch commit and be flagged, interrupts IDLE, logs out and returns.
public final class MailboxWatcher: Service, Sendable {
    public let gateway: Gateway
    public let list: ListConfig
    private let logger: Logger
    private let limits: MailboxSyncPlan.Limits
    private let faults: FaultInjection

    public init(gateway: Gateway, list: ListConfig, logger: Logger, faults: FaultInjection = .none) {
        self.gateway = gateway
        self.faults = faults
        self.list = list
        var logger = logger
        logger[metadataKey: "list.id"] = "\(list.id)"
        self.logger = logger
        self.limits = MailboxSyncPlan.Limits(maxMessageBytes: gateway.config.maxMessageBytes)
    }

    public func run() async throws {
        let stop = StopSignal()
        let current = CurrentClient()
        await withGracefulShutdownHandler {
            await watch(stop: stop, current: current)
        } onGracefulShutdown: {
            stop.set()
            current.interruptIdle()
        }
        logger.info("mailbox watcher stopped")
    }

    private func watch(stop: StopSignal, current: CurrentClient) async {
        let sync = MailboxSync(pipeline: gateway.pipeline, database: gateway.database, list: list, limits: limits,
                               runID: gateway.runID, faults: faults)
        let poll = Duration.seconds(gateway.config.pollIntervalSeconds)
        var backoff = Duration.seconds(1)
        while !stop.isSet && !Task.isCancelled {
            var connected: IMAPClient?
            do {
                let (client, capabilities) = try await gateway.connectedClient(for: list, logger: logger)
                connected = client
                current.set(client)
                logger.info("mailbox connected", metadata: ["idle": "\(capabilities.idle)"])
                backoff = .seconds(1)
                while !stop.isSet && !Task.isCancelled {
                    // Pass until a pass finds nothing new, so that mail arriving during a pass is not left
                    // waiting for the next IDLE timeout.
                    var summary: MailboxPassSummary
                    repeat {
                        summary = try await sync.pass(client: client, logger: logger, shouldStop: { stop.isSet })
                        if summary.processed > 0 {
                            logger.info("mailbox pass", metadata: ["processed": "\(summary.processed)",
                                                                   "outcomes": "\(summary.outcomes)"])
                        }
                    } while summary.processed > 0 && !stop.isSet
                    if !summary.interrupted { gateway.mailboxPasses.record(list: list.id) }
                    if stop.isSet { break }
                    if capabilities.idle {
                        logger.debug("mailbox idle")
                        _ = try await client.idle(timeout: min(poll, .seconds(29 * 60)), unless: { stop.isSet })
                    } else {
                        await stop.sleep(for: poll)
                    }
                }
                current.set(nil)
                await client.logout()
            } catch let error as IMAPError where error.isRefusedLogin {
                // Retrying the same credentials cannot help and would fill the log: say it once, clearly, and
                // leave this mailbox alone (the others go on) until the configuration is fixed and the gateway
                // restarted.
                logger.critical("mailbox login refused: not retried until the configuration is fixed and the gateway restarted",
                                metadata: ["error": "\(error)"])
                current.set(nil)
                await connected?.logout()
                while !stop.isSet && !Task.isCancelled { await stop.sleep(for: .seconds(3600)) }
            } catch {
                logger.error("mailbox failed; retrying", metadata: ["error": "\(error)", "retry.in": "\(backoff)"])
                current.set(nil)
                await connected?.logout()
                await stop.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(300))
            }
        }
    }
}

/// The watcher's connected client, if any, so that the graceful-shutdown handler (another thread) can interrupt
/// its IDLE.
private final class CurrentClient: Sendable {
    private let client = Mutex<IMAPClient?>(nil)

    func set(_ value: IMAPClient?) { client.withLock { $0 = value } }

    func interruptIdle() { client.withLock { $0?.interruptIdle() } }
}
