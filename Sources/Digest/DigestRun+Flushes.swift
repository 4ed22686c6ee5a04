import Foundation
import GRDB
import MailGateway

extension DigestRun {
    /// Sends what accumulated for every member who left a digest mode at or before `at` (the `digest_flushes`
    /// requests their mode change recorded, by `members set` or an email `set` command): one issue of the posts
    /// accepted after their previous issue up to the change, in the mode they left, recorded and enqueued with the
    /// request's deletion in one transaction (a crash redoes it; the issue's UNIQUE key makes a repeat a no-op).
    /// A member back in a digest mode is left to their schedule; the request is dropped.
    func drainFlushes(_ writer: any DatabaseWriter, at: Date, now: Date) throws -> Report {
        var report = Report()
        let requests = try writer.read { db in try DigestFlushRecord.pending(db, upTo: at) }
        for request in requests {
            let copies = try writer.write { db -> Int in
                let copies = try flush(db, request, now: now) ?? 0
                try DigestFlushRecord.delete(db, listID: request.listID, personID: request.personID,
                                             requestedAt: request.requestedAt)
                return copies
            }
            if copies > 0 {
                report.issues += 1
                report.copies += copies
                GatewayMetrics.digestSent(list: request.listID)
            }
        }
        return report
    }

    /// One request's issue, in the caller's transaction: nil when nothing is owed (the list is gone, the member is
    /// back in a digest mode, or an issue already covers the change), 0 when no post accumulated.
    private func flush(_ db: Database, _ request: DigestFlushRecord, now: Date) throws -> Int? {
        guard let list = config.list(id: request.listID),
              var member = try DigestMemberRow.member(db, list: list.id, person: request.personID),
              !member.delivery.isDigest, let mode = DeliveryMode(rawValue: request.format), mode.isDigest
        else { return nil }
        member.delivery = mode
        let previous = try DigestIssueRecord.latestMark(db, list: list.id, person: member.personID)
        if let end = previous?.periodEnd, end >= request.requestedAt { return nil }
        let start = previous?.periodEnd ?? schedule(for: member, list: list)?.previous(before: request.requestedAt)
        return try issue(db, list: list, member: member, previous: previous, start: start, end: request.requestedAt,
                         now: now)
    }
}
