import Foundation
import GRDB
import Testing
@testable import MailGateway

/// The outbox's SQL state machine on a real SQLite file (no server involved).
@Suite struct OutboxTests {
    @Test func enqueueIsIdempotentAndStoresTheSharedBytesOnce() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        let recipients = OutboxFixture.recipients(20)
        #expect(try fixture.enqueue(to: recipients) == 20)
        #expect(try fixture.enqueue(to: recipients) == 0)
        #expect(try fixture.enqueue(to: recipients + ["late@member.example"]) == 1)
        #expect(try fixture.enqueue(post: 2, to: recipients) == 20)
        let rows = try fixture.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM outbox") }
        let bodies = try fixture.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM outbox_body") }
        #expect(rows == 41)
        #expect(bodies == 2)
    }

    @Test func claimMarksSendingAndReturnsTheExactBytes() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        let copies = OutboxFixture.copies(to: ["a@x.example", "b@y.example"])
        let message = try fixture.messageRow(post: 7, list: "l")
        _ = try fixture.pool.write { try Outbox.enqueue($0, listID: "l", messageID: message, copies: copies) }
        let jobs = try fixture.pool.write { try Outbox.claim($0, limit: 10) }
        #expect(jobs.map(\.recipient) == ["a@x.example", "b@y.example"])
        #expect(jobs.map(\.message) == copies.map(\.bytes))
        // Per-copy VERP (BN-1): the envelope the outbox wrote once each row existed, naming that row.
        #expect(jobs.map(\.envelopeFrom) == jobs.map { copies[0].bounceEnvelope!.address(copyID: $0.id) })
        #expect(jobs.allSatisfy { $0.attempts == 1 })
        #expect(try fixture.counts()[.sending] == 2)
        // Nothing more is due while they are claimed.
        #expect(try fixture.pool.write { try Outbox.claim($0, limit: 10) }.isEmpty)
        // A graceful stop gives one back uncounted; a crash leaves the other (handed to SMTP) 'sending' until recovery.
        try fixture.pool.write { try Outbox.markHanded($0, id: jobs[0].id) }
        try fixture.pool.write { try Outbox.release($0, ids: [jobs[1].id]) }
        #expect(try fixture.pool.write { try Outbox.recoverInterrupted($0) } == 1)
        let again = try fixture.pool.write { try Outbox.claim($0, limit: 10) }
        #expect(again.map(\.attempts).sorted() == [1, 2])
    }

    @Test("claimed copies of one body and header prefix share one message array (so OutboxTransaction.group compares them in O(1)); another header prefix gets its own bytes")
    func claimSharesOneMessagePerBodyAndHeaderPrefix() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        let message = try fixture.messageRow(post: 3)
        let body = Array("Subject: same\r\n\r\nThe same bytes for every member.\r\n".utf8)
        let prefix = Array("List-Unsubscribe: <mailto:recherche+leave@lists.example>\r\n".utf8)
        let other = prefix + Array("X-Other: yes\r\n".utf8)
        let copies = (0..<4).map {
            OutgoingCopy(recipient: "m\($0)@member.example", envelopeFrom: "recherche+bounce@lists.example",
                         headerPrefix: $0 == 2 ? other : prefix, shared: body)
        }
        _ = try fixture.pool.write {
            try Outbox.enqueue($0, listID: OutboxFixture.list.id, messageID: message, copies: copies)
        }
        let jobs = try fixture.claim(10)
        #expect(jobs.map(\.message) == copies.map(\.bytes))
        let storage = jobs.map { $0.message.withUnsafeBufferPointer { $0.baseAddress } }
        #expect(storage[0] == storage[1] && storage[1] == storage[3])
        #expect(storage[2] != storage[0])
        #expect(OutboxTransaction.group(jobs).map { $0.recipients } == [
            ["m0@member.example", "m1@member.example", "m3@member.example"], ["m2@member.example"],
        ])
    }

    @Test("the admin filters and counts use an index that fits them (no index holds both list and status)")
    func adminFiltersUseAFittingIndex() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        try fixture.enqueue(to: OutboxFixture.recipients(3))
        let list = OutboxFixture.list.id
        // Each call's statements, as run (arguments inlined), then SQLite's plan for each.
        func plans(_ work: (Database) throws -> Void) throws -> String {
            try fixture.pool.write { db in
                var statements: [String] = []
                db.trace(options: .statement) { statements.append($0.expandedDescription) }
                try work(db)
                db.trace(options: [])
                return try statements.filter { !$0.hasPrefix("SAVEPOINT") && !$0.hasPrefix("RELEASE") }.map { sql in
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: "; ")
                }.joined(separator: " | ")
            }
        }
        #expect(try plans { _ = try Outbox.counts($0) }.contains("COVERING INDEX outbox_due"))
        #expect(try plans { _ = try Outbox.list($0, status: .failed, listID: list) }.contains("INDEX outbox_due (status=?)"))
        let sentPlan = try plans { _ = try Outbox.list($0, status: .sent, listID: list) }
        #expect(sentPlan.contains("INDEX outbox_list_id (list_id=?)"), "\(sentPlan)")
        #expect(try plans { _ = try Outbox.list($0, listID: list, messageID: 3) }.contains("sqlite_autoindex_outbox_1 (message_id=?)"))
        #expect(try plans { _ = try Outbox.retry($0, listID: list) }.contains("INDEX outbox_due (status=?)"))
        // Same answers as before.
        #expect(try fixture.pool.read { try Outbox.list($0, status: .pending, listID: list) }.count == 3)
        #expect(try fixture.pool.read { try Outbox.list($0, status: .pending, listID: "another-list") }.isEmpty)
        #expect(try fixture.pool.read { try Outbox.counts($0) }[.pending] == 3)
    }

    @Test("a claim builds at most its byte budget of distinct messages; the copies past it are given back unattempted")
    func claimStopsAtItsByteBudget() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        let message = try fixture.messageRow(post: 3)
        let body = Array(repeating: UInt8(ascii: "x"), count: 100_000)
        // Personalized: every copy its own header prefix, so its own message of ~100 KB.
        let copies = (0..<10).map {
            OutgoingCopy(recipient: "m\($0)@member.example", envelopeFrom: "recherche+bounce.\($0)@lists.example",
                         headerPrefix: Array("X-Copy: \($0)\r\n".utf8), shared: body)
        }
        _ = try fixture.pool.write {
            try Outbox.enqueue($0, listID: OutboxFixture.list.id, messageID: message, copies: copies)
        }
        let first = try fixture.pool.write { try Outbox.claim($0, limit: 10, byteBudget: 350_000) }
        #expect(first.map(\.recipient) == ["m0@member.example", "m1@member.example", "m2@member.example"])
        #expect(first.map(\.message) == copies.prefix(3).map(\.bytes))
        let given = try fixture.entries().filter { $0.status == .pending }
        #expect(given.count == 7 && given.allSatisfy { $0.attempts == 0 })
        // The next claim takes the next three; a budget below one message still claims one copy.
        let second = try fixture.pool.write { try Outbox.claim($0, limit: 10, byteBudget: 350_000) }
        #expect(second.map(\.recipient) == ["m3@member.example", "m4@member.example", "m5@member.example"])
        let third = try fixture.pool.write { try Outbox.claim($0, limit: 10, byteBudget: 10) }
        #expect(third.map(\.recipient) == ["m6@member.example"])
        #expect(try fixture.counts()[.pending] == 3 && fixture.counts()[.sending] == 7)
    }

    @Test("the list index holds no status (outbox-v4-list-index): claiming and sending a copy change only outbox_due")
    func listIndexHoldsNoStatus() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        let (columns, indexes) = try fixture.pool.read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM pragma_index_info('outbox_list_id')"),
             try String.fetchAll(db, sql: "SELECT name FROM pragma_index_list('outbox') WHERE origin = 'c' ORDER BY name"))
        }
        #expect(columns == ["list_id"])
        #expect(indexes == ["outbox_due", "outbox_list_id", "outbox_unbound"])
        // The counts by list (which read that index) stay right through a claim and a sent mark.
        try fixture.enqueue(to: OutboxFixture.recipients(3))
        let jobs = try fixture.claim(2)
        try fixture.pool.write { try Outbox.markSent($0, ids: [jobs[0].id]) }
        let byList = try fixture.pool.read { try Outbox.counts($0, listID: OutboxFixture.list.id) }
        #expect(byList[.pending] == 1 && byList[.sending] == 1 && byList[.sent] == 1)
        #expect(try fixture.pool.read { try Outbox.counts($0, listID: "another-list") }.values.allSatisfy { $0 == 0 })
    }

    @Test("after a crash only the copy handed to SMTP may have gone out; a claimed copy never handed is given back unattempted; the current run's rows are left alone")
    func recoveryIsExact() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        try fixture.enqueue(to: OutboxFixture.recipients(4))
        let jobs = try fixture.pool.write { try Outbox.claim($0, limit: 3, claimer: "run-a") }
        #expect(jobs.count == 3)
        // The worker's sequence: hand the first, record its 250 and hand the next in one transaction, then die.
        try fixture.pool.write { try Outbox.markHanded($0, id: jobs[0].id) }
        try fixture.pool.write { db in
            try Outbox.markSent(db, id: jobs[0].id)
            try Outbox.markHanded(db, id: jobs[1].id)
        }
        // The claimer itself (still alive) recovers nothing of its own.
        #expect(try fixture.pool.write { try Outbox.recover($0, current: "run-a") } == Outbox.Recovery(maybeSent: 0, notAttempted: 0))
        #expect(try fixture.counts()[.sending] == 2)
        // The next run: one copy was in flight, the other was never attempted.
        #expect(try fixture.pool.write { try Outbox.recover($0, current: "run-b") } == Outbox.Recovery(maybeSent: 1, notAttempted: 1))
        let byID = try fixture.entriesByID()
        #expect(byID[jobs[0].id]?.status == .sent)
        #expect(byID[jobs[1].id]?.status == .pending && byID[jobs[1].id]?.attempts == 1)
        #expect(byID[jobs[2].id]?.status == .pending && byID[jobs[2].id]?.attempts == 0)
        let claimers = try fixture.pool.read { try String?.fetchAll($0, sql: "SELECT claimed_by FROM outbox WHERE status = 'pending'") }
        #expect(claimers.allSatisfy { $0 == nil })
    }

    @Test("a killed worker's journal: copies it journaled sent are marked sent, the one handed and unanswered is sent again, the others were never attempted; the journal is deleted")
    func journalOfAKilledWorkerIsApplied() async throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        try fixture.enqueue(to: OutboxFixture.recipients(5))
        let jobs = try await fixture.pool.write { try Outbox.claim($0, limit: 5, claimer: "run-a") }
        #expect(jobs.count == 5)
        // The worker's sequence before its `sent` marks were committed: two copies accepted, a third handed, then
        // the process dies (the journal object is dropped without `remove`, as a killed process leaves its file).
        var journal: OutboxJournal? = try fixture.journal()
        try journal?.handed([jobs[0]])
        try journal?.sent(jobs[0].id)
        try journal?.handed([jobs[1]])
        try journal?.sent(jobs[1].id)
        try journal?.handed([jobs[2]])
        let path = try #require(journal?.path)
        journal = nil
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try fixture.counts()[.sending] == 5, "nothing was committed")

        let recovered = try await OutboxSender.recover(fixture.pool, current: "run-b")
        #expect(recovered == Outbox.Recovery(maybeSent: 1, notAttempted: 2))
        let byID = try fixture.entriesByID()
        #expect(byID[jobs[0].id]?.status == .sent && byID[jobs[0].id]?.sentAt != nil)
        #expect(byID[jobs[1].id]?.status == .sent)
        #expect(byID[jobs[2].id]?.status == .pending && byID[jobs[2].id]?.attempts == 1, "maybe delivered: attempt kept")
        #expect(byID[jobs[3].id]?.status == .pending && byID[jobs[3].id]?.attempts == 0)
        #expect(byID[jobs[4].id]?.status == .pending && byID[jobs[4].id]?.attempts == 0)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try await OutboxSender.recover(fixture.pool, current: "run-c") == Outbox.Recovery(maybeSent: 0, notAttempted: 0))
    }

    @Test("an acceptance whose line was not written yet, and a line cut short by the kill, count as handed and unanswered: sent again, never marked sent")
    func unwrittenAndCutLinesAreNotAcceptances() async throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        try fixture.enqueue(to: OutboxFixture.recipients(3))
        let jobs = try await fixture.pool.write { try Outbox.claim($0, limit: 3, claimer: "run-a") }
        #expect(jobs.count == 3)
        // Worker 0: accepted, its `S` line waiting for the next write, then killed (dropping the journal writes
        // nothing, as a killed process writes nothing).
        var first: OutboxJournal? = try fixture.journal()
        try first?.handed([jobs[0]])
        try first?.sent(jobs[0].id)
        first = nil
        // Worker 1: its `S` line cut by the kill before its newline.
        let second = try fixture.journal(worker: 1)
        try second.handed([jobs[1]])
        let handle = try #require(FileHandle(forWritingAtPath: second.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("S \(jobs[1].id)".utf8))
        try handle.close()

        #expect(try await OutboxSender.recover(fixture.pool, current: "run-b") == Outbox.Recovery(maybeSent: 2, notAttempted: 1))
        let byID = try fixture.entriesByID()
        #expect(byID[jobs[0].id]?.status == .pending && byID[jobs[0].id]?.attempts == 1)
        #expect(byID[jobs[1].id]?.status == .pending && byID[jobs[1].id]?.attempts == 1)
        #expect(byID[jobs[2].id]?.status == .pending && byID[jobs[2].id]?.attempts == 0)
    }

    @Test("a journal cleared after its commit leaves nothing to apply")
    func clearedJournalAppliesNothing() async throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        try fixture.enqueue(to: OutboxFixture.recipients(2))
        let jobs = try await fixture.pool.write { try Outbox.claim($0, limit: 2, claimer: "run-a") }
        let journal = try fixture.journal(worker: 3)
        try journal.handed([jobs[0]])
        try journal.sent(jobs[0].id)
        try await fixture.pool.write { try Outbox.markSent($0, ids: [jobs[0].id]) }
        try journal.clear()
        let left = OutboxJournal.leftBehind(databasePath: fixture.pool.path)
        #expect(left.map(\.claimer) == ["run-a"] && left.allSatisfy { $0.handed.isEmpty && $0.sent.isEmpty })
        #expect(try await OutboxSender.recover(fixture.pool, current: "run-b") == Outbox.Recovery(maybeSent: 0, notAttempted: 1))
        #expect(try fixture.entries().first { $0.id == jobs[0].id }?.status == .sent)
    }

    @Test func transientFailuresBackOffThenExpire() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        let start = Date(timeIntervalSince1970: 1_000_000)
        try fixture.enqueueBackoffCopy(at: start)
        let (policy, error) = (OutboxFixture.backoffPolicy, OutboxFixture.tryLater)
        var now = start
        var delays: [TimeInterval] = []
        var status = OutboxStatus.pending
        while status == .pending {
            let jobs = try fixture.pool.write { try Outbox.claim($0, limit: 1, now: now) }
            #expect(jobs.count == 1)
            guard let job = jobs.first else { break }
            status = try fixture.pool.write { try Outbox.markFailed($0, id: job.id, error: error, policy: policy, now: now) }
            if status == .pending {
                let next = try #require(try fixture.pool.read { try Outbox.nextDue($0) })
                // Not due a second before its time.
                #expect(try fixture.pool.write { try Outbox.claim($0, limit: 1, now: next.addingTimeInterval(-1)) }.isEmpty)
                delays.append(next.timeIntervalSince(now))
                now = next
            }
        }
        // 0, 60, 180, 420, 900, 1500, 2100, 2700, 3300: the next (3900) would fall after the 3600 s period.
        #expect(delays == [60, 120, 240, 480, 600, 600, 600, 600])
        let entry = try #require(try fixture.pool.read { try Outbox.list($0) }.first)
        #expect(entry.status == .failed)
        #expect(entry.attempts == 9)
        #expect(entry.lastErrorCode == 450)
        #expect(entry.lastErrorKind == .transient)
        #expect(try fixture.pool.read { try Outbox.permanentFailures($0) }.isEmpty)
        // `outbox retry` makes it due again with a fresh period.
        #expect(try fixture.pool.write { try Outbox.retry($0, listID: "l", now: now) } == 1)
        #expect(try fixture.pool.write { try Outbox.claim($0, limit: 1, now: now) }.count == 1)
    }

    @Test func permanentFailureIsFinalAndRecordedPerRecipient() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        try fixture.enqueue(to: ["gone@x.example", "ok@y.example"])
        let jobs = try fixture.pool.write { try Outbox.claim($0, limit: 2) }
        let refused = SMTPError(kind: .permanent, code: 550, reply: "5.1.1 no such user", command: "RCPT")
        let status = try fixture.pool.write { db in
            let status = try Outbox.markFailed(db, id: jobs[0].id, error: refused, policy: RetryPolicy())
            try Outbox.markSent(db, id: jobs[1].id)
            return status
        }
        #expect(status == .failed)
        let bounces = try fixture.pool.read { try Outbox.permanentFailures($0) }
        #expect(bounces.map(\.recipient) == ["gone@x.example"])
        #expect(bounces.first?.lastErrorCode == 550)
        #expect(bounces.first?.lastErrorText == "5.1.1 no such user")
        #expect(bounces.first?.lastErrorCommand == "RCPT")
        #expect(try fixture.pool.read { try Outbox.list($0, status: .sent) }.map(\.recipient) == ["ok@y.example"])
        #expect(try fixture.counts() == [.pending: 0, .sending: 0, .sent: 1, .failed: 1])
        // Entries are Codable for the CLI's JSON output.
        let json = try JSONEncoder().encode(try fixture.pool.read { try Outbox.list($0) })
        #expect(try JSONDecoder().decode([OutboxEntry].self, from: json).count == 2)
    }
}
