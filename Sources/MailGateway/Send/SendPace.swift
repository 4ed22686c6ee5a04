import Foundation
import Synchronization

/// AN-8's sending discipline: at most `perMinute` copies a minute across every worker of the outbox sender, so a
/// large announcement or fan-out does not hit receivers (and the relay's own limits) at once. Copies are spaced
/// evenly, `60 / perMinute` seconds apart, with no burst allowance; the queue itself stays durable (a copy waits
/// claimed, and a crash gives it back as never handed, so pacing changes nothing in the exactly-once rules).
/// Shared by the workers (a mutex around the next free instant); the arithmetic is ``reserve(at:)``, pure over
/// the instant it is given.
public final class SendPace: Sendable {
    /// The spacing between two copies.
    public let interval: Duration
    private let next = Mutex<ContinuousClock.Instant?>(nil)

    /// Nil when `perMinute` is nil or not positive: no pacing.
    public init?(perMinute: Int?) {
        guard let perMinute, perMinute > 0 else { return nil }
        self.perMinute = perMinute
        interval = .nanoseconds(60_000_000_000 / Int64(perMinute))
    }

    /// Copies a minute across every worker.
    public let perMinute: Int

    /// A worker's claim under this pace: at most about a minute of its share of the sending (at least one copy),
    /// so that a copy due later (a moderation request, another list's post) is not queued behind an hour of copies
    /// already claimed.
    public func claimBatch(_ batch: Int, workers: Int) -> Int {
        min(batch, max(1, perMinute / max(1, workers)))
    }

    /// Reserves the next slot at or after `now`: how long the caller waits before sending (zero when the slot is
    /// free now).
    public func reserve(at now: ContinuousClock.Instant) -> Duration {
        next.withLock { next in
            let slot = max(now, next ?? now)
            next = slot + interval
            return slot - now
        }
    }
}
