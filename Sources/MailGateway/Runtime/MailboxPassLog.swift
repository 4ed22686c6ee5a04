public import Foundation
import Synchronization

/// When each list's mailbox last completed a pass in this process (`MailboxWatcher`, `run --once`): what
/// `/healthz` reports. In memory only: after a restart a list has no pass until its watcher completes one.
public final class MailboxPassLog: Sendable {
    private let passes = Mutex<[String: Date]>([:])

    public init() {}

    /// Records a completed pass over `list`'s mailbox.
    public func record(list: String, at date: Date = Date()) {
        passes.withLock { $0[list] = date }
        GatewayMetrics.mailboxPass(list: list, at: date)
    }

    /// The last completed pass of each list that had one.
    public var last: [String: Date] { passes.withLock { $0 } }
}
