public import Foundation

/// Polls `condition` every `interval` until it holds or `seconds` pass; returns whether it held (a last look after
/// the deadline included). The bound is for a loaded machine, not a speed.
public func poll(seconds: Double, every interval: Duration = .milliseconds(100),
                 _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
