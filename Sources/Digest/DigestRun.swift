public import Foundation
public import GRDB
public import MailGateway

/// The digest's durable stage: for every member who reads a list as a digest and whose issue is due at or before
/// an instant, in one write transaction per batch of members (``batchSize``), for each: the list's accepted posts since the member's previous issue,
/// nothing when there are none (a day without posts sends and records nothing), else the issue's
/// `digest_issues` row and its copies in the durable outbox (`OutboxSender` delivers them exactly as it does
/// posts). The row's UNIQUE (list, person, period_end) key makes a second run, or a second process, a no-op; a
/// crash before the commit leaves nothing, after it the outbox delivers.
///
/// Posts are selected by their `digest_entries` row, written in the transaction that accepts the post (ingest or
/// moderator approval): its `created_at` is when the post became deliverable. `messages.received_at` would miss a
/// held post approved after the issue that covers its arrival.
public struct DigestRun: Sendable {
    public let config: GatewayConfig
    public let renderer: any DigestRendering
    /// Keys the per-copy VERP token of the envelope sender (``BounceToken``), as for posts (nil: unkeyed).
    public let bounceTagKey: [UInt8]?
    /// The one-click unsubscribe links, when the HTTP listener serves them (`Gateway.oneClickLinks`); nil:
    /// List-Unsubscribe is mailto only.
    public let oneClick: OneClickLinks?

    public init(config: GatewayConfig, renderer: any DigestRendering, bounceTagKey: [UInt8]? = nil,
                oneClick: OneClickLinks? = nil) {
        self.config = config
        self.renderer = renderer
        self.bounceTagKey = bounceTagKey
        self.oneClick = oneClick
    }

    /// What one run did.
    public struct Report: Sendable, Codable, Equatable {
        /// Issues recorded (and enqueued).
        public var issues = 0
        /// Outbox copies enqueued (an issue may be several messages).
        public var copies = 0
        /// Members whose issue was due but had no post.
        public var empty = 0
        public init() {}
    }

    /// The schedule of a member of `list`: their own settings, else the list's, else the configuration's.
    public func schedule(for member: DigestMemberRow, list: ListConfig) -> DigestSchedule? {
        Self.schedule(for: member, list: list, config: config)
    }

    /// ``schedule(for:list:)`` without a run (no renderer needed): `digest status`.
    public static func schedule(for member: DigestMemberRow, list: ListConfig, config: GatewayConfig) -> DigestSchedule? {
        let zone = member.timeZone ?? list.digest?.timeZone ?? config.digest.timeZone
        let time = member.digestTime ?? list.digest?.time ?? config.digest.time
        return DigestSchedule(timeZone: zone, time: time, weekday: member.digestWeekday)
            ?? DigestSchedule(timeZone: config.digest.timeZone, time: config.digest.time, weekday: member.digestWeekday)
    }

    /// Members whose issues one write transaction records: a crash loses at most the batch in progress (nothing
    /// of it was committed: the next run does it again), and a large run does not pay one commit per member.
    public static let batchSize = 100

    /// Sends every issue due at or before `at`, after what members who left a digest mode are owed
    /// (``drainFlushes(_:at:now:)``).
    @discardableResult
    public func run(_ writer: any DatabaseWriter, at: Date, now: Date = Date()) throws -> Report {
        var report = try drainFlushes(writer, at: at, now: now)
        let cache = RunCache()
        // Addresses disabled by bounces: one read for every list.
        let disabled = try writer.read { db in try BounceAddressRecord.disabledKeys(db) }
        for list in config.lists {
            // One read for the list: its digest members and the end of each one's latest issue. Most wake-ups find
            // nothing due and need no write transaction.
            let (members, latest) = try writer.read { db in
                (try DigestMemberRow.members(db, list: list.id), try DigestIssueRecord.latestEnds(db, list: list.id))
            }
            // An address disabled by bounces (BN-6) gets no issue until it is enabled again.
            let due = members.filter { member in
                guard !disabled.contains(MailAddress.canonicalKey(member.address)) else { return false }
                guard let schedule = schedule(for: member, list: list) else { return false }
                return cache.latestDue(schedule, after: latest[member.personID], at: at) != nil
            }
            var start = due.startIndex
            while start < due.endIndex {
                let batch = due[start..<min(start + Self.batchSize, due.endIndex)]
                let results = try writer.write { db in
                    try batch.map { member in
                        try issueDue(db, list: list, person: member.personID, at: at, now: now, cache: cache)
                    }
                }
                for copies in results {
                    switch copies {
                    case nil: break
                    case 0?: report.empty += 1
                    case let n?:
                        report.issues += 1
                        report.copies += n
                        GatewayMetrics.digestSent(list: list.id)
                    }
                }
                start = batch.endIndex
            }
        }
        return report
    }

    /// What one run computes once and reuses for every member: a list's items over a period (the same rows for
    /// every member whose period it is), and the rendered bodies (the same bytes for every member who reads the
    /// same issue in the same format, language and time zone). Local to one run, on one thread.
    final class RunCache: @unchecked Sendable {
        var items: [String: [DigestItemRow]] = [:]
        /// The rendered messages of an issue body key, each with its outbox digest (hashed once per run).
        var bodies: [String: [(bytes: [UInt8], digest: String)]] = [:]
        /// By items key: which of the items each recipient already got on their own (`post` copies).
        var postRecipients: [String: [String: Set<Int64>]] = [:]
        /// `DigestSchedule.latestDue` by schedule and bounds: members share a handful of zones and times, and
        /// most of a list's members their previous issue's end (Calendar arithmetic cost more than the SQL).
        var due: [String: Date?] = [:]

        func latestDue(_ schedule: DigestSchedule, after: Date?, at: Date) -> Date? {
            let key = "\(schedule.timeZone.identifier)|\(schedule.hour)|\(schedule.minute)|\(schedule.weekday ?? 0)|"
                + "\(after?.timeIntervalSince1970 ?? -1)|\(at.timeIntervalSince1970)"
            if let known = due[key] { return known }
            let value = schedule.latestDue(after: after, at: at)
            due[key] = value
            return value
        }
    }

    /// The member's issue due at `at`, in the caller's transaction. nil when none is due (or the member no longer
    /// reads the list as a digest), 0 when it is due but has no post, else the copies enqueued.
    func issueDue(_ db: Database, list: ListConfig, person: Int64, at: Date, now: Date, cache: RunCache? = nil) throws -> Int? {
        guard let member = try DigestMemberRow.member(db, list: list.id, person: person),
              member.delivery.isDigest, let schedule = schedule(for: member, list: list) else { return nil }
        let previous = try DigestIssueRecord.latestMark(db, list: list.id, person: person)
        let due = cache.map { $0.latestDue(schedule, after: previous?.periodEnd, at: at) }
            ?? schedule.latestDue(after: previous?.periodEnd, at: at)
        guard let end = due else { return nil }
        return try issue(db, list: list, member: member, previous: previous,
                         start: previous?.periodEnd ?? schedule.previous(before: end), end: end, now: now, cache: cache)
    }

    /// Records and enqueues the member's issue of the posts accepted in `(start, end]`; 0 when there are none.
    /// Each message is the member's header (To, Subject with their number, Message-ID) before a body shared by
    /// every member who reads the issue the same way (the outbox stores it once).
    func issue(_ db: Database, list: ListConfig, member: DigestMemberRow, previous: DigestIssueMark?,
               start: Date?, end: Date, now: Date, cache: RunCache? = nil) throws -> Int {
        let itemsKey = "\(list.id)|\(start?.timeIntervalSince1970 ?? -1)|\(end.timeIntervalSince1970)"
        let items: [DigestItemRow]
        if let cached = cache?.items[itemsKey] {
            items = cached
        } else {
            items = try DigestItemRow.items(db, list: list.id, after: start, upTo: end)
            cache?.items[itemsKey] = items
        }
        guard let last = items.last, let format = DigestContent.Format(rawValue: member.delivery.rawValue) else { return 0 }
        let number = (previous?.number ?? 0) + 1
        // Posts this member got on their own (an announcement): listed "sent separately", so part of the body's key.
        let separately: Set<Int64>
        if let cache {
            if cache.postRecipients[itemsKey] == nil {
                cache.postRecipients[itemsKey] = try OutboxCopyRecord.postRecipients(db, messageRowIDs: items.map(\.messageRowID))
            }
            separately = cache.postRecipients[itemsKey]?[member.address] ?? []
        } else {
            separately = try OutboxCopyRecord.sentSeparately(db, recipient: member.address,
                                                             messageRowIDs: items.map(\.messageRowID))
        }
        let content = content(list: list, member: member, format: format, number: number,
                              start: previous == nil ? nil : start, end: end, items: items, separately: separately)
        let bodyKey = content.bodyKey
        let bodies: [(bytes: [UInt8], digest: String?)]
        if let cached = cache?.bodies[bodyKey] {
            bodies = cached
        } else if let cache {
            let rendered = try renderer.bodies(content).map { (bytes: $0, digest: Outbox.digest(of: $0)) }
            cache.bodies[bodyKey] = rendered
            bodies = rendered
        } else {
            bodies = try renderer.bodies(content).map { (bytes: $0, digest: nil) }
        }
        guard let issueID = try DigestIssueRecord.insert(
            db, list: list.id, person: member.personID, number: number, format: format.rawValue,
            recipient: member.address, periodStart: start, periodEnd: end, items: items.map(\.messageRowID),
            parts: bodies.count, now: now)
        else { return 0 }
        let identity = ListIdentity(list: list, webBaseURL: config.webBaseURL)
        let messageID = "digest.\(issueID).\(list.id)@\(identity.domain)"
        let envelope = BounceEnvelope(listAddress: list.address, key: bounceTagKey)
        var copies = 0
        for (index, body) in bodies.enumerated() {
            let header = renderer.header(content, messageID: messageID, date: end, part: index + 1, partCount: bodies.count)
            copies += try Outbox.enqueue(db, listID: list.id, messageID: last.messageRowID,
                                         purpose: .digest(issue: issueID, part: index + 1),
                                         copies: [OutgoingCopy(recipient: member.address, bounceEnvelope: envelope,
                                                               headerPrefix: header, shared: body.bytes,
                                                               sharedDigest: body.digest)], now: now)
        }
        return copies
    }

    /// What the member would receive if their issue were sent at `at` (in `mode`, default their own), recording
    /// nothing; nil when they are not a member with an address, or no post is pending.
    public func preview(_ db: Database, list: ListConfig, person: Int64, at: Date,
                        mode: DigestContent.Format? = nil) throws -> [[UInt8]]? {
        guard let member = try DigestMemberRow.member(db, list: list.id, person: person) else { return nil }
        let previous = try DigestIssueRecord.latestMark(db, list: list.id, person: person)
        let schedule = schedule(for: member, list: list)
        // The issue due at `at` if one is and has posts, else what accumulated for the next one.
        var end = schedule?.latestDue(after: previous?.periodEnd, at: at) ?? at
        let start = previous?.periodEnd ?? schedule?.previous(before: end)
        var items = try DigestItemRow.items(db, list: list.id, after: start, upTo: end)
        if items.isEmpty && end < at {
            end = at
            items = try DigestItemRow.items(db, list: list.id, after: start, upTo: at)
        }
        guard !items.isEmpty else { return nil }
        let format = mode ?? DigestContent.Format(rawValue: member.delivery.rawValue) ?? .mime
        let separately = try OutboxCopyRecord.sentSeparately(db, recipient: member.address,
                                                             messageRowIDs: items.map(\.messageRowID))
        let content = content(list: list, member: member, format: format, number: (previous?.number ?? 0) + 1,
                              start: previous == nil ? nil : start, end: end, items: items, separately: separately)
        let identity = ListIdentity(list: list, webBaseURL: config.webBaseURL)
        return try renderer.render(content, messageID: "digest.preview.\(list.id)@\(identity.domain)", date: end)
    }

    /// The issue's content: items grouped by thread, threads by their first post in the period; the posts of
    /// `separately` (row ids the member got on their own) are listed, not repeated.
    func content(list: ListConfig, member: DigestMemberRow, format: DigestContent.Format, number: Int,
                 start: Date?, end: Date, items: [DigestItemRow], separately: Set<Int64> = []) -> DigestContent {
        var order: [Int64] = []
        var threads: [Int64: DigestContent.Thread] = [:]
        for row in items {
            let item = DigestContent.Item(
                messageRowID: row.messageRowID, messageID: row.messageID, references: row.references,
                subject: row.subject, author: MailAddress(name: row.fromName, address: row.fromAddress), date: row.date,
                text: row.text,
                attachments: row.attachments.map { .init(filename: $0.filename, contentType: $0.contentType, size: $0.size) },
                raw: row.raw, sentSeparately: separately.contains(row.messageRowID))
            if threads[row.threadID] == nil {
                order.append(row.threadID)
                threads[row.threadID] = DigestContent.Thread(threadID: row.threadID, subject: row.threadSubject, items: [])
            }
            threads[row.threadID]?.items.append(item)
        }
        let identity = ListIdentity(list: list, webBaseURL: config.webBaseURL)
        let zone = TimeZone(identifier: member.timeZone ?? list.digest?.timeZone ?? config.digest.timeZone) ?? .gmt
        return DigestContent(list: identity, recipient: MailAddress(name: member.name, address: member.address),
                             language: member.language, timeZone: zone, format: format, number: number,
                             periodStart: start, periodEnd: end, threads: order.compactMap { threads[$0] },
                             unsubscribe: "mailto:\(identity.addresses.leave)",
                             oneClickURL: oneClick?.url(list: list.id, address: member.address))
    }
}
