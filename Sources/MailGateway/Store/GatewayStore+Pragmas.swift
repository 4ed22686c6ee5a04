public import GRDB

extension GatewayStore {
    /// `PRAGMA synchronous = NORMAL` (as ``GatewayStore`` sets it): in WAL mode, commits survive a process crash,
    /// not a power loss, without an fsync per commit. For pools opened outside the store (the fan-out benchmark).
    public static func setSynchronousNormal(_ db: Database) throws {
        try db.execute(sql: "PRAGMA synchronous = NORMAL")
    }
}
