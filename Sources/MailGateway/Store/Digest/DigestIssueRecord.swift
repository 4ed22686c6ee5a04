public import Foundation
public import GRDB

/// A row of `digest_issues` (migration `digest-v1`): one issue of one member's digest of one list. UNIQUE
/// (list, person, period_end): an issue is recorded once, in the transaction that enqueues its copies
/// (`digest:<id>` outbox rows), so a second run or a second process finds it and does nothing.
public struct DigestIssueRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "digest_issues"

    public var id: Int64
    public var listID: String
    public var personID: Int64
    /// 1, 2, ... in the member's series for this list.
    public var number: Int
    /// `DeliveryMode` raw value of the digest format.
    public var format: String
    public var recipient: String
    public var periodStart: Date?
    public var periodEnd: Date
    /// The items' message row ids, a JSON array.
    public var items: String
    /// How many messages the issue was rendered into (outbox copies).
    public var parts: Int
    public var createdAt: Date

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, number, format, recipient, items, parts
        case listID = "list_id", personID = "person_id", periodStart = "period_start", periodEnd = "period_end"
        case createdAt = "created_at"
    }

    /// The items' message row ids.
    public var itemRowIDs: [Int64] {
        (try? JSONDecoder().decode([Int64].self, from: Data(items.utf8))) ?? []
    }

    /// The number and end of a member's latest issue of a list: what the next issue continues (two columns read
    /// by position, not the whole record: the digest run asks once per member).
    public static func latestMark(_ db: Database, list: String, person: Int64) throws -> DigestIssueMark? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT number, period_end FROM digest_issues WHERE list_id = ? AND person_id = ?
            ORDER BY period_end DESC LIMIT 1
            """), arguments: [list, person]) else { return nil }
        return DigestIssueMark(number: row[0], periodEnd: row[1])
    }

    /// The end of each member's latest issue of a list, by person id (one query for a whole run).
    public static func latestEnds(_ db: Database, list: String) throws -> [Int64: Date] {
        var ends: [Int64: Date] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT person_id, max(period_end) AS period_end FROM digest_issues WHERE list_id = ? GROUP BY person_id
            """, arguments: [list])
        while let row = try rows.next() {
            if let end: Date = row["period_end"] { ends[row["person_id"]] = end }
        }
        return ends
    }

    /// Every issue of a list (all lists when nil), oldest first.
    public static func issues(_ db: Database, list: String? = nil) throws -> [DigestIssueRecord] {
        try fetchAll(db, sql: """
            SELECT * FROM digest_issues WHERE ? IS NULL OR list_id = ? ORDER BY period_end, id
            """, arguments: [list, list])
    }

    /// Records an issue; nil when the member already has one ending at `periodEnd` (another run made it).
    public static func insert(_ db: Database, list: String, person: Int64, number: Int, format: String,
                              recipient: String, periodStart: Date?, periodEnd: Date, items: [Int64],
                              parts: Int? = nil, now: Date) throws -> Int64? {
        try db.cachedStatement(sql: """
            INSERT INTO digest_issues (list_id, person_id, number, format, recipient, period_start, period_end,
                                       items, parts, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (list_id, person_id, period_end) DO NOTHING
            """).execute(arguments: [list, person, number, format, recipient, StoreDate.value(periodStart),
                                     StoreDate.value(periodEnd), JSONArray.text(items), parts ?? 0, StoreDate.value(now)])
        return db.changesCount > 0 ? db.lastInsertedRowID : nil
    }

    /// The outbox copies of an issue, by status.
    public static func copyStatuses(_ db: Database, id: Int64) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT status FROM outbox WHERE purpose = ? OR purpose LIKE ? ORDER BY id
            """, arguments: ["digest:\(id)", "digest:\(id).%"])
    }
}

/// The number and end of a member's latest issue of a list (``DigestIssueRecord/latestMark(_:list:person:)``).
public struct DigestIssueMark: Sendable, Equatable {
    public var number: Int
    public var periodEnd: Date

    public init(number: Int, periodEnd: Date) {
        self.number = number
        self.periodEnd = periodEnd
    }
}
