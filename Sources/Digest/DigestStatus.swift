public import Foundation
public import GRDB
public import MailGateway

/// One list's digest state, for `mailgateway digest status`.
public struct DigestStatus: Sendable, Codable, Equatable {
    public var list: String
    /// Members per delivery mode (every mode, digest or not).
    public var members: [String: Int]
    /// Accepted posts not yet in the issue of at least one digest member.
    public var pendingItems: Int
    /// Issues recorded so far.
    public var issues: Int
    /// The latest issue's end (when it was due), nil before the first.
    public var lastSend: Date?
    /// The next instant an issue falls due for one of the list's digest members, nil without digest members.
    public var nextSend: Date?
}

extension DigestRun {
    /// The state of each configured list (or only `list`) at `at`, without a run: reads the tables only, no
    /// renderer or templates (`digest status`).
    public static func status(_ db: Database, config: GatewayConfig, list only: String? = nil,
                              at: Date) throws -> [DigestStatus] {
        try config.lists.filter { only == nil || $0.id == only }.map { list in
            let counts = try DigestMemberRow.deliveryCounts(db, list: list.id)
            let members = try DigestMemberRow.members(db, list: list.id)
            let issues = try DigestIssueRecord.issues(db, list: list.id)
            var ends: [Int64: Date] = [:]
            for issue in issues { ends[issue.personID] = issue.periodEnd }  // oldest first: the latest stays
            var oldest: Date?? = nil
            var next: Date?
            for member in members {
                let latestEnd = ends[member.personID]
                let schedule = schedule(for: member, list: list, config: config)
                let start = latestEnd ?? schedule?.previous(before: at)
                if let current = oldest {
                    if let c = current, let s = start, s < c { oldest = .some(s) } else if start == nil { oldest = .some(nil) }
                } else {
                    oldest = .some(start)
                }
                if let due = schedule?.next(after: max(at, latestEnd ?? at)), next.map({ due < $0 }) ?? true {
                    next = due
                }
            }
            let pending = try oldest.map { try DigestItemRow.count(db, list: list.id, after: $0) } ?? 0
            return DigestStatus(list: list.id, members: counts, pendingItems: pending, issues: issues.count,
                                lastSend: issues.map(\.periodEnd).max(), nextSend: next)
        }
    }
}
