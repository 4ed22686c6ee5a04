public import Foundation
public import GRDB

extension BounceClass: DatabaseValueConvertible {}
extension BounceState.Phase: DatabaseValueConvertible {}

/// A row of `bounce_addresses` (migration `bounces-v1`): the bounce score and state of one address across all
/// lists (BN-5, BN-6). The rules live in ``BounceState``; this type only reads and writes the row.
public struct BounceAddressRecord: Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "bounce_addresses"

    public var addressKey: String
    public var state: BounceState
    public var updatedAt: Date

    enum Field: String, ColumnExpression {
        case addressKey = "address_key", address, listID = "list_id", score, state, countedDay = "counted_day"
        case countedWeight = "counted_weight", lastEventAt = "last_event_at", probeCopyID = "probe_copy_id"
        case probeSentAt = "probe_sent_at", disabledAt = "disabled_at", disabledNotified = "disabled_notified"
        case warningsSent = "warnings_sent", lastWarningAt = "last_warning_at", updatedAt = "updated_at"
    }

    public init(row: Row) throws {
        addressKey = row[Field.addressKey]
        updatedAt = row[Field.updatedAt]
        state = BounceState(
            address: row[Field.address], listID: row[Field.listID], score: row[Field.score],
            phase: row[Field.state], countedDay: row[Field.countedDay], countedWeight: row[Field.countedWeight],
            lastEventAt: row[Field.lastEventAt], probeCopyID: row[Field.probeCopyID],
            probeSentAt: row[Field.probeSentAt], disabledAt: row[Field.disabledAt],
            disabledNotified: row[Field.disabledNotified], warningsSent: row[Field.warningsSent],
            lastWarningAt: row[Field.lastWarningAt])
    }

    public init(addressKey: String, state: BounceState, updatedAt: Date) {
        self.addressKey = addressKey
        self.state = state
        self.updatedAt = updatedAt
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container[Field.addressKey] = addressKey
        container[Field.address] = state.address
        container[Field.listID] = state.listID
        container[Field.score] = state.score
        container[Field.state] = state.phase
        container[Field.countedDay] = state.countedDay
        container[Field.countedWeight] = state.countedWeight
        container[Field.lastEventAt] = state.lastEventAt
        container[Field.probeCopyID] = state.probeCopyID
        container[Field.probeSentAt] = state.probeSentAt
        container[Field.disabledAt] = state.disabledAt
        container[Field.disabledNotified] = state.disabledNotified
        container[Field.warningsSent] = state.warningsSent
        container[Field.lastWarningAt] = state.lastWarningAt
        container[Field.updatedAt] = updatedAt
    }

    static func find(_ db: Database, addressKey: String) throws -> BounceAddressRecord? {
        try BounceAddressRecord.fetchOne(db, sql: "SELECT * FROM bounce_addresses WHERE address_key = ?",
                                         arguments: [addressKey])
    }

    /// Every address with a score, a probe or a disabled delivery (what the maintenance pass looks at).
    static func needingAttention(_ db: Database) throws -> [BounceAddressRecord] {
        try BounceAddressRecord.fetchAll(db, sql: """
            SELECT * FROM bounce_addresses WHERE score > 0 OR state != 'active' ORDER BY address_key
            """)
    }

    /// Every row, optionally one address's, by address.
    static func all(_ db: Database, addressKey: String? = nil) throws -> [BounceAddressRecord] {
        if let addressKey { return try find(db, addressKey: addressKey).map { [$0] } ?? [] }
        return try BounceAddressRecord.fetchAll(db, sql: "SELECT * FROM bounce_addresses ORDER BY address_key")
    }

    /// The canonical keys of the addresses whose delivery is disabled by bounces.
    public static func disabledKeys(_ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db.cachedStatement(sql: "SELECT address_key FROM bounce_addresses WHERE state = 'disabled'")))
    }

    static func delete(_ db: Database, addressKey: String) throws {
        try db.execute(sql: "DELETE FROM bounce_addresses WHERE address_key = ?", arguments: [addressKey])
    }

    /// Copies to `address` accepted by the server after `after` and at or before `until` (the successes that reset
    /// a score, BN-5).
    static func successfulDeliveries(_ db: Database, address: String, after: Date, until: Date) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(*) FROM outbox WHERE lower(recipient) = lower(?) AND status = 'sent'
              AND sent_at > ? AND sent_at <= ?
            """, arguments: [address, after, until]) ?? 0
    }
}
