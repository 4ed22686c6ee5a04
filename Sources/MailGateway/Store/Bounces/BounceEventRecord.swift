public import Foundation
public import GRDB

/// A row of `bounce_events` (migration `bounces-v1`, BN-9): one failed delivery the gateway learnt of.
public struct BounceEventRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "bounce_events"

    public var id: Int64?
    public var addressKey: String
    public var address: String
    public var listID: String?
    public var copyID: Int64?
    /// The outbox copy's purpose (`post`, `digest:<n>`, `bounce-probe:<…>`), empty when no copy is known.
    public var purpose: String
    public var bounceClass: BounceClass
    /// The enhanced status code (`5.1.1`), if any.
    public var status: String?
    /// The basic SMTP reply code, if any.
    public var code: Int?
    public var diagnostic: String
    /// `smtp` (a refusal of the gateway's own RCPT/DATA), `dsn`, `nondsn`.
    public var source: String
    /// The recipient's domain, lower case (the policy alerts' grouping).
    public var receivingDomain: String
    /// Whether the event counted in the address's score (at most one per address and UTC day).
    public var counted: Bool
    /// The archived bounce message, for a DSN or a non-DSN bounce.
    public var bounceRow: Int64?
    public var at: Date

    enum CodingKeys: String, CodingKey {
        case id, address, purpose, status, code, diagnostic, source, counted, at
        case addressKey = "address_key", listID = "list_id", copyID = "copy_id", bounceClass = "class"
        case receivingDomain = "receiving_domain", bounceRow = "bounce_row"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Inserts the event unless the same copy already has an event from the same source (a DSN read twice, a
    /// refusal recorded twice). Returns whether it was added.
    static func insertUnlessKnown(_ db: Database, _ event: inout BounceEventRecord) throws -> Bool {
        if let copy = event.copyID,
           try Bool.fetchOne(db, sql: "SELECT 1 FROM bounce_events WHERE copy_id = ? AND source = ?",
                             arguments: [copy, event.source]) == true {
            return false
        }
        try event.insert(db)
        return true
    }

    static func setCounted(_ db: Database, id: Int64, counted: Bool) throws {
        try db.execute(sql: "UPDATE bounce_events SET counted = ? WHERE id = ?", arguments: [counted, id])
    }

    /// The events of an address, newest first.
    static func events(_ db: Database, addressKey: String, limit: Int) throws -> [BounceEventRecord] {
        try BounceEventRecord.fetchAll(db, sql: """
            SELECT * FROM bounce_events WHERE address_key = ? ORDER BY at DESC, id DESC LIMIT ?
            """, arguments: [addressKey, limit])
    }

    /// Policy events since `since`, grouped by list and receiving domain: count, codes, one sample text.
    static func policyGroups(_ db: Database, since: Date) throws -> [PolicyGroup] {
        try Row.fetchAll(db, sql: """
            SELECT list_id, receiving_domain, count(*) AS n, group_concat(DISTINCT coalesce(status, code)) AS codes,
                   max(diagnostic) AS sample
            FROM bounce_events WHERE class = 'policy' AND at >= ? AND list_id IS NOT NULL
            GROUP BY list_id, receiving_domain ORDER BY list_id, receiving_domain
            """, arguments: [since]).map {
            PolicyGroup(listID: $0["list_id"], receivingDomain: $0["receiving_domain"], count: $0["n"],
                        codes: ($0["codes"] as String?) ?? "", sample: ($0["sample"] as String?) ?? "")
        }
    }

    /// The authors' domains of the posts refused for policy reasons to `domain` on list `listID` since `since`.
    static func policyAuthorDomains(_ db: Database, listID: String, domain: String, since: Date) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT DISTINCT lower(substr(m.from_address, instr(m.from_address, '@') + 1))
            FROM bounce_events e JOIN outbox o ON o.id = e.copy_id JOIN messages m ON m.id = o.message_id
            WHERE e.class = 'policy' AND e.list_id = ? AND e.receiving_domain = ? AND e.at >= ?
              AND m.from_address LIKE '%@%'
            ORDER BY 1
            """, arguments: [listID, domain, since])
    }
}

/// Policy refusals of one list from one receiving domain.
public struct PolicyGroup: Sendable, Equatable {
    public var listID: String
    public var receivingDomain: String
    public var count: Int
    public var codes: String
    public var sample: String
}

/// A row of `bounce_policy_alerts`: the one alert of a day about a (list, receiving domain).
enum BouncePolicyAlertRecord {
    /// Claims the alert for (list, domain): false when one was sent in the 24 hours before `now` (a rolling day,
    /// so a storm across midnight UTC makes one alert, not two minutes apart) or already on `day`.
    static func claim(_ db: Database, listID: String, domain: String, day: String, events: Int, now: Date) throws -> Bool {
        try db.execute(sql: """
            INSERT INTO bounce_policy_alerts (list_id, receiving_domain, day, events, sent_at)
            SELECT ?, ?, ?, ?, ?
            WHERE NOT EXISTS (SELECT 1 FROM bounce_policy_alerts WHERE list_id = ? AND receiving_domain = ? AND sent_at > ?)
            ON CONFLICT DO NOTHING
            """, arguments: [listID, domain, day, events, now, listID, domain, now.addingTimeInterval(-86_400)])
        return db.changesCount > 0
    }

    static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM bounce_policy_alerts") ?? 0
    }
}
