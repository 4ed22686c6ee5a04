public import Foundation
public import GRDB

/// A member of a list who reads it as a digest (any digest format), with what their schedule needs: their own
/// settings, NULL where the list's or the configuration's apply (`memberships.digest_time`,
/// `memberships.digest_weekday`, `people.time_zone`, migration `digest-v1`).
public struct DigestMemberRow: Sendable, Equatable, FetchableRecord {
    public var listID: String
    public var personID: Int64
    public var name: String
    /// The address their mail goes to (their first).
    public var address: String
    public var delivery: DeliveryMode
    /// The membership's language, else the person's.
    public var language: Language
    public var timeZone: String?
    /// `HH:MM`, local.
    public var digestTime: String?
    /// 1 = Monday ... 7 = Sunday; nil = daily.
    public var digestWeekday: Int?

    /// Reads the columns by position (the digest run reads one member per issue; a lookup by name lower-cases
    /// it): list_id, person_id, name, person_language, language, delivery, time_zone, digest_time,
    /// digest_weekday, address — the order of ``selection``.
    public init(row: Row) throws {
        listID = row[0]
        personID = row[1]
        name = row[2]
        language = Language(rawValue: (row[4] as String?) ?? row[3]) ?? .en
        delivery = DeliveryMode(rawValue: row[5]) ?? .none
        timeZone = row[6]
        digestTime = row[7]
        digestWeekday = row[8]
        address = row[9] ?? ""
    }

    /// The columns ``init(row:)`` reads, in its order.
    static let selection = """
        m.list_id, m.person_id, p.name, p.language AS person_language, m.language, m.delivery,
        p.time_zone, m.digest_time, m.digest_weekday,
        (SELECT address FROM addresses a WHERE a.person_id = p.id ORDER BY a.id LIMIT 1) AS address
        """

    /// The digest members of `list` (every list when nil) with an address, by person id; with `person`, only them
    /// (whatever their mode, for a member leaving the digest).
    public static func members(_ db: Database, list: String? = nil, person: Int64? = nil) throws -> [DigestMemberRow] {
        try fetchAll(db, sql: """
            SELECT \(selection)
            FROM memberships m JOIN people p ON p.id = m.person_id
            WHERE (? IS NULL OR m.list_id = ?)
              AND (? IS NOT NULL OR m.delivery IN ('digest', 'digest-plain', 'digest-mime', 'summary'))
              AND (? IS NULL OR m.person_id = ?)
              AND EXISTS (SELECT 1 FROM addresses a WHERE a.person_id = p.id)
            ORDER BY m.list_id, m.person_id
            """, arguments: [list, list, person, person, person])
    }

    /// One member of `list`, whatever their mode (nil when not a member or without an address): one probe of the
    /// UNIQUE (list_id, person_id) index, for the digest run's per-member check inside its write transaction.
    public static func member(_ db: Database, list: String, person: Int64) throws -> DigestMemberRow? {
        try fetchOne(db.cachedStatement(sql: """
            SELECT \(selection)
            FROM memberships m JOIN people p ON p.id = m.person_id
            WHERE m.list_id = ? AND m.person_id = ?
              AND EXISTS (SELECT 1 FROM addresses a WHERE a.person_id = p.id)
            """), arguments: [list, person])
    }

    /// How many members of `list` have each delivery mode.
    public static func deliveryCounts(_ db: Database, list: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT delivery, count(*) AS n FROM memberships WHERE list_id = ? GROUP BY delivery
            """, arguments: [list]) {
            counts[row["delivery"]] = row["n"]
        }
        return counts
    }

    /// Sets a member's digest time (`HH:MM`) and weekday (nil = daily); `.some(nil)` clears, nil keeps.
    public static func setSchedule(_ db: Database, list: String, person: Int64, time: String??, weekday: Int??) throws {
        if let time {
            try db.execute(sql: "UPDATE memberships SET digest_time = ? WHERE list_id = ? AND person_id = ?",
                           arguments: [time, list, person])
        }
        if let weekday {
            try db.execute(sql: "UPDATE memberships SET digest_weekday = ? WHERE list_id = ? AND person_id = ?",
                           arguments: [weekday, list, person])
        }
    }

    /// Sets a person's time zone (nil: the list's).
    public static func setTimeZone(_ db: Database, person: Int64, timeZone: String?) throws {
        try db.execute(sql: "UPDATE people SET time_zone = ? WHERE id = ?", arguments: [timeZone, person])
    }
}

/// One accepted post of a list due in a digest issue: the message's fields as archived, its thread, its files.
public struct DigestItemRow: Sendable, Equatable, FetchableRecord {
    public var messageRowID: Int64
    public var messageID: String
    public var references: [String]
    public var subject: String
    public var fromName: String?
    public var fromAddress: String
    public var date: Date
    public var text: String
    public var raw: [UInt8]
    public var threadID: Int64
    public var threadSubject: String
    public var acceptedAt: Date
    public var attachments: [AttachmentInfo] = []

    public init(row: Row) throws {
        messageRowID = row["id"]
        messageID = row["message_id"]
        references = ThreadingEngine.split(row["refs"] ?? "")
        subject = row["subject"]
        fromName = row["from_name"]
        fromAddress = row["from_address"] ?? ""
        date = row["date"]
        text = row["text"] ?? ""
        raw = [UInt8]((row["raw"] as Data?) ?? Data())
        threadID = row["thread_id"]
        threadSubject = row["thread_subject"]
        acceptedAt = row["created_at"]
    }

    /// The accepted posts of `list` whose digest entry was written (the post accepted) in `(after, upTo]`, by
    /// date, with their attachments.
    public static func items(_ db: Database, list: String, after: Date?, upTo: Date) throws -> [DigestItemRow] {
        var rows = try fetchAll(db, sql: """
            SELECT m.id, m.message_id, m.refs, m.subject, m.from_name, m.from_address, m.date, m.text, m.raw,
                   m.thread_id, t.subject AS thread_subject, d.created_at
            FROM digest_entries d
            JOIN messages m ON m.id = d.message_row_id
            JOIN threads t ON t.id = m.thread_id
            WHERE d.list_id = ? AND (? IS NULL OR d.created_at > ?) AND d.created_at <= ? AND m.status = 'accepted'
            ORDER BY m.date, m.id
            """, arguments: [list, after, after, upTo])
        for i in rows.indices {
            rows[i].attachments = try AttachmentRecord.infos(db, messageRow: rows[i].messageRowID)
        }
        return rows
    }

    /// How many accepted posts of `list` were accepted after `after` (all when nil).
    public static func count(_ db: Database, list: String, after: Date?) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(*) FROM digest_entries d JOIN messages m ON m.id = d.message_row_id
            WHERE d.list_id = ? AND (? IS NULL OR d.created_at > ?) AND m.status = 'accepted'
            """, arguments: [list, after, after]) ?? 0
    }
}
