import Synchronization

/// A one-way flag set when a graceful shutdown is requested, readable from any thread.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// Requests the stop.
    public func set() { flag.store(true, ordering: .sequentiallyConsistent) }

    /// True once the stop was requested.
    public var isSet: Bool { flag.load(ordering: .sequentiallyConsistent) }

    /// Sleeps up to `duration`, returning early (without throwing) once the stop is requested or the task is cancelled.
    public func sleep(for duration: Duration) async {
        let step = Duration.milliseconds(100)
        var left = duration
        while left > .zero, !isSet, !Task.isCancelled {
            let chunk = min(step, left)
            try? await Task.sleep(for: chunk)
            left -= chunk
        }
    }
}
