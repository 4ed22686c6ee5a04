public import Foundation
public import GRDB

/// What `outbox list`, `/healthz` and the outbox gauges show of the copies a running sender claimed in memory
/// (``OutboxClaims``): their rows stay `pending` until their outcome is committed, so the copies handed to SMTP
/// since the last commit, which the workers' journals (``OutboxJournal``) name, are shown as `sending`, as when
/// every claim wrote `sending` into its rows. Copies claimed but not handed yet are shown `pending`: nothing was
/// attempted.
extension Outbox {
    /// The copies the journals beside the database at `databasePath` record as handed to SMTP since their worker's
    /// last commit (a running sender's, or a killed one's until the next start applies them). Those whose row is
    /// still `pending` are in flight; the others' outcome is already committed.
    public static func inFlight(databasePath: String) -> Set<Int64> {
        var ids = Set<Int64>()
        for journal in OutboxJournal.leftBehind(databasePath: databasePath) { ids.formUnion(journal.handed) }
        return ids
    }

    /// ``list(_:status:listID:messageID:limit:inFlight:)`` of every status, `pending` or `sending` with copies in
    /// flight.
    static func listInFlight(_ db: Database, status: OutboxStatus?, listID: String?, messageID: Int64?, limit: Int,
                             inFlight: Set<Int64>) throws -> [OutboxEntry] {
        let handed = try OutboxCopyRecord.pending(db, ids: inFlight, listID: listID, messageID: messageID)
        let handedIDs = Set(handed.map(\.id))
        var rows: [OutboxCopyRecord]
        switch status {
        case .sending?:
            rows = try OutboxCopyRecord.list(db, status: .sending, listID: listID, messageID: messageID, limit: limit)
            rows = Array((rows + handed).sorted { $0.id < $1.id }.prefix(limit))
        case .pending?:
            rows = try OutboxCopyRecord.list(db, status: .pending, listID: listID, messageID: messageID,
                                             limit: limit + handedIDs.count)
            rows = Array(rows.filter { !handedIDs.contains($0.id) }.prefix(limit))
        default:
            rows = try OutboxCopyRecord.list(db, status: status, listID: listID, messageID: messageID, limit: limit)
        }
        return rows.map { row in
            var entry = OutboxEntry(row)
            if handedIDs.contains(row.id) {
                // As a row claimed in the rows showed it: `sending`, the attempt under way counted.
                entry.status = .sending
                entry.attempts += 1
            }
            return entry
        }
    }
}
