/// The database needs migrating (this version is newer than the one that wrote it) while another process holds
/// the process lock: most likely the daemon of the previous version. Nothing was changed.
public struct StoreUpgradeError: Error, CustomStringConvertible, Sendable {
    /// The database file.
    public var path: String
    /// Why the lock could not be taken.
    public var lock: ProcessLockError

    public var description: String {
        switch lock.kind {
        case .held:
            "the database \(path) needs an upgrade for this version of mailgateway, and another mailgateway process "
                + "is running on it (lock \(lock.path) is held): stop that process (the daemon of the previous "
                + "version), then run this command again"
        case .unavailable:
            "the database \(path) needs an upgrade for this version of mailgateway: \(lock.description)"
        }
    }
}
