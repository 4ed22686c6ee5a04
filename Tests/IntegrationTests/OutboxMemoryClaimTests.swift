import Foundation
import GRDB
import Testing
@testable import MailGateway

/// Claims kept in the sender's memory (``OutboxClaims``, issue 12): the rows stay `pending` until their outcome is
/// committed, the workers sharing the claims never take the same copy, the attempt is counted with the outcome,
/// and after a kill the journal alone says which copies may have been delivered. Real SQLite file, no server.
@Suite struct OutboxMemoryClaimTests {
    @Test("a claim in memory writes no row, and workers sharing the claims never take the same copy")
    func claimInMemoryWritesNothingAndIsExclusive() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        try fixture.enqueue(to: OutboxFixture.recipients(5))
        let claims = OutboxClaims()
        let before = try fixture.entries()
        let first = try fixture.claimInMemory(3, claims: claims)
        #expect(first.count == 3 && first.allSatisfy { $0.attempts == 1 }, "the attempt this claim is for")
        #expect(try fixture.entries() == before, "no row changed")
        #expect(claims.count == 3)
        // Another worker: only the two copies nobody holds; then nothing.
        let second = try fixture.claimInMemory(3, claims: claims)
        #expect(second.count == 2 && Set(second.map(\.id)).isDisjoint(with: first.map(\.id)))
        #expect(try fixture.claimInMemory(3, claims: claims).isEmpty)
        // The claim's size counts only the due copies nobody holds.
        #expect(try fixture.pool.read { try Outbox.claimLimit($0, batch: 10, workers: 1, claimed: claims.count) } == 1)

        // Outcomes: accepted (attempt counted with the mark), refused for now (counted, backoff), given back.
        try fixture.pool.write { try Outbox.markSent($0, ids: first.map(\.id)) }
        claims.release(first.map(\.id))
        let now = Date()
        let status = try fixture.pool.write {
            try Outbox.markFailed($0, id: second[0].id, error: SMTPError(kind: .transient, code: 451, reply: "451 later", command: "DATA"),
                                  policy: RetryPolicy(base: 60), now: now)
        }
        #expect(status == .pending)
        claims.release(second.map(\.id))
        let byID = try fixture.entriesByID()
        #expect(first.allSatisfy { byID[$0.id]?.status == .sent && byID[$0.id]?.attempts == 1 })
        let failed = try #require(byID[second[0].id])
        #expect(failed.status == .pending && failed.attempts == 1 && failed.nextAttemptAt > now.addingTimeInterval(59))
        #expect(byID[second[1].id]?.status == .pending && byID[second[1].id]?.attempts == 0, "given back unattempted")
        // Given back, the untried copy is claimed again; the one backing off is not due.
        let third = try fixture.claimInMemory(3, claims: claims)
        #expect(third.map(\.id) == [second[1].id])
        // A mark of a copy already sent changes nothing (a journal applied after its commit).
        try fixture.pool.write { try Outbox.markSent($0, ids: [first[0].id]) }
        #expect(try fixture.entries().first { $0.id == first[0].id }?.attempts == 1)
    }

    @Test("transient failures of copies claimed in memory back off exactly as those claimed in the rows")
    func backoffCountsTheAttemptWithItsOutcome() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        let start = Date(timeIntervalSince1970: 1_000_000)
        try fixture.enqueueBackoffCopy(at: start)
        let (policy, error) = (OutboxFixture.backoffPolicy, OutboxFixture.tryLater)
        let claims = OutboxClaims()
        var now = start
        var delays: [TimeInterval] = []
        var status = OutboxStatus.pending
        while status == .pending {
            let job = try #require(try fixture.pool.write { try Outbox.claim($0, limit: 1, now: now, claims: claims) }.first)
            #expect(job.attempts == delays.count + 1)
            status = try fixture.pool.write { try Outbox.markFailed($0, id: job.id, error: error, policy: policy, now: now) }
            claims.release([job.id])
            if status == .pending {
                let next = try #require(try fixture.pool.read { try Outbox.nextDue($0) })
                #expect(try fixture.pool.write { try Outbox.claim($0, limit: 1, now: next.addingTimeInterval(-1), claims: claims) }.isEmpty)
                delays.append(next.timeIntervalSince(now))
                now = next
            }
        }
        // As `OutboxTests.transientFailuresBackOffThenExpire`: the attempt counted once per try, not at the claim.
        #expect(delays == [60, 120, 240, 480, 600, 600, 600, 600])
        #expect(try fixture.entries().first?.attempts == 9)
    }

    @Test("a claim in memory past its byte budget gives the rest back to the claims, not to the rows")
    func byteBudgetGivesBackToTheClaims() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        let message = try fixture.messageRow(post: 3)
        // Personalized: every copy its own header prefix, so its own message.
        let copies = (0..<4).map {
            OutgoingCopy(recipient: "m\($0)@member.example", envelopeFrom: "recherche+bounce.\($0)@lists.example",
                         headerPrefix: Array("X-Copy: \($0)\r\n".utf8), shared: Array("body\r\n".utf8))
        }
        _ = try fixture.pool.write {
            try Outbox.enqueue($0, listID: OutboxFixture.list.id, messageID: message, copies: copies)
        }
        let claims = OutboxClaims()
        // A budget below one message claims one copy; the others are free for the next claim at once.
        let jobs = try fixture.pool.write { try Outbox.claim($0, limit: 4, claims: claims, byteBudget: 10) }
        #expect(jobs.map(\.recipient) == ["m0@member.example"] && claims.count == 1)
        #expect(try fixture.counts()[.pending] == 4)
        let next = try fixture.claimInMemory(4, claims: claims)
        #expect(next.map(\.recipient) == ["m1@member.example", "m2@member.example", "m3@member.example"])
    }

    @Test("a killed worker's journal with claims in memory: accepted copies are marked sent, the handed one sent again with its attempt counted, the others never attempted")
    func journalOfClaimsInMemoryIsApplied() async throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        try fixture.enqueue(to: OutboxFixture.recipients(4))
        let jobs = try fixture.claimInMemory(4)
        #expect(jobs.count == 4)
        // Two transactions: the first accepted (its `S` lines written with the next `H`), the second handed, then
        // the kill (the journal object dropped without `remove`, as a killed process leaves its file).
        var journal: OutboxJournal? = try fixture.journal()
        try journal?.handed([jobs[0], jobs[1]])
        try journal?.sent([jobs[0].id, jobs[1].id])
        try journal?.handed([jobs[2]])
        journal = nil

        // While it is left behind, `outbox list` shows the handed copy as being sent.
        let inFlight = Outbox.inFlight(databasePath: fixture.pool.path)
        #expect(inFlight == Set(jobs.prefix(3).map(\.id)))
        let sending = try await fixture.pool.read { try Outbox.list($0, status: .sending, inFlight: inFlight) }
        #expect(sending.map(\.id) == jobs.prefix(3).map(\.id), "their rows are pending: the journal names them")
        #expect(sending.map(\.attempts) == [1, 1, 1], "the attempt under way counted, as a claim in the rows showed it")
        #expect(try await fixture.pool.read { try Outbox.counts($0, inFlight: inFlight) } == [.pending: 1, .sending: 3, .sent: 0, .failed: 0])

        let recovered = try await OutboxSender.recover(fixture.pool, current: "run-b")
        #expect(recovered == Outbox.Recovery(maybeSent: 1, notAttempted: 0))
        let byID = try fixture.entriesByID()
        #expect(byID[jobs[0].id]?.status == .sent && byID[jobs[0].id]?.attempts == 1)
        #expect(byID[jobs[1].id]?.status == .sent && byID[jobs[1].id]?.sentAt != nil)
        #expect(byID[jobs[2].id]?.status == .pending && byID[jobs[2].id]?.attempts == 1, "maybe delivered: attempt counted")
        #expect(byID[jobs[3].id]?.status == .pending && byID[jobs[3].id]?.attempts == 0, "never handed: never attempted")
        #expect(Outbox.inFlight(databasePath: fixture.pool.path).isEmpty, "the journal is deleted")
        // Every copy still to send is due again at once.
        #expect(try fixture.claimInMemory(10).map(\.id) == [jobs[2].id, jobs[3].id])
    }

    @Test("a journal line that outlives the commit of its outcome counts no second attempt: a refusal committed before the kill truncated the journal, a recovery killed after its commit")
    func staleJournalLinesCountNoSecondAttempt() async throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        try fixture.enqueue(to: OutboxFixture.recipients(3))
        let jobs = try fixture.claimInMemory(3)
        #expect(jobs.count == 3)
        var journal: OutboxJournal? = try fixture.journal()
        // The first copy refused for now, and the refusal committed (attempt 1, backoff); the kill comes before the
        // journal's truncation. The second copy handed, unanswered.
        try journal?.handed([jobs[0]])
        let refused = SMTPError(kind: .transient, code: 451, reply: "451 later", command: "DATA")
        let status = try await fixture.pool.write {
            try Outbox.markFailed($0, id: jobs[0].id, error: refused, policy: OutboxFixture.backoffPolicy)
        }
        #expect(status == .pending)
        try journal?.handed([jobs[1]])
        let path = try #require(journal?.path)
        journal = nil
        let left = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(String(decoding: left, as: UTF8.self).contains("H \(jobs[1].id) 1\n"), "the line has the attempt number")

        #expect(try await OutboxSender.recover(fixture.pool, current: "run-b") == Outbox.Recovery(maybeSent: 1, notAttempted: 0))
        var byID = try fixture.entriesByID()
        #expect(byID[jobs[0].id]?.attempts == 1, "the refusal's attempt, counted once")
        #expect(byID[jobs[0].id]?.lastErrorCode == 451)
        #expect(byID[jobs[1].id]?.attempts == 1, "maybe delivered: attempt counted")
        #expect(byID[jobs[2].id]?.attempts == 0)

        // The recovery killed after its commit, before it deleted the journal: the next start reads the same lines.
        try left.write(to: URL(fileURLWithPath: path))
        #expect(try await OutboxSender.recover(fixture.pool, current: "run-c") == Outbox.Recovery(maybeSent: 0, notAttempted: 0))
        byID = try fixture.entriesByID()
        #expect(jobs.map { byID[$0.id]?.attempts } == [1, 1, 0], "no attempt counted twice")
        #expect(jobs.map { byID[$0.id]?.status } == [.pending, .pending, .pending])
    }

    @Test("two journals name one copy, handed in the first (given back, the kill before its truncation), accepted in the second: marked sent with one attempt, whatever the journals' order")
    func acceptanceInOneJournalWinsOverAStaleLineInAnother() async throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        try fixture.enqueue(to: OutboxFixture.recipients(1))
        let jobs = try fixture.claimInMemory(1)
        // Worker 0's journal (read first: the names sort by worker) still says it handed the copy; worker 1 then
        // handed it and the server accepted it.
        var first: OutboxJournal? = try fixture.journal()
        try first?.handed(jobs)
        first = nil
        var second: OutboxJournal? = try fixture.journal(worker: 1)
        try second?.handed(jobs)
        try second?.sent(jobs[0].id)
        try second?.flush()
        second = nil
        #expect(OutboxJournal.leftBehind(databasePath: fixture.pool.path).map(\.handed) == [[jobs[0].id], [jobs[0].id]])

        #expect(try await OutboxSender.recover(fixture.pool, current: "run-b") == Outbox.Recovery(maybeSent: 0, notAttempted: 0))
        let entry = try #require(try fixture.entries().first)
        #expect(entry.status == .sent && entry.attempts == 1, "one attempt: \(entry)")
    }

    @Test("a claim whose transaction rolls back gives its copies back")
    func claimRolledBackGivesItsCopiesBack() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        try fixture.enqueue(to: OutboxFixture.recipients(2))
        let claims = OutboxClaims()
        struct Abandoned: Error {}
        #expect(throws: Abandoned.self) {
            try fixture.pool.write { db in
                let jobs = try Outbox.claim(db, limit: 2, claims: claims)
                #expect(jobs.count == 2 && claims.count == 2)
                throw Abandoned()
            }
        }
        #expect(claims.count == 0, "no one holds them")
        #expect(try fixture.claimInMemory(2, claims: claims).count == 2)
    }

    @Test("outbox list with copies in flight: pending and sending split by the journals, other statuses as stored")
    func listShowsCopiesInFlightAsSending() throws {
        let fixture = try OutboxFixture()
        defer { fixture.remove() }
        try fixture.enqueue(to: OutboxFixture.recipients(4))
        let ids = try fixture.entries().map(\.id)
        try fixture.pool.write { try Outbox.markSent($0, ids: [ids[0]]) }
        // A journal line for a copy already sent (its commit came before the journal was cleared) changes nothing.
        let inFlight: Set<Int64> = [ids[0], ids[1]]
        let list = OutboxFixture.list.id
        let pending = try fixture.pool.read { try Outbox.list($0, status: .pending, listID: list, inFlight: inFlight) }
        #expect(pending.map(\.id) == [ids[2], ids[3]])
        let all = try fixture.pool.read { try Outbox.list($0, inFlight: inFlight) }
        #expect(all.map(\.status) == [.sent, .sending, .pending, .pending])
        let sent = try fixture.pool.read { try Outbox.list($0, status: .sent, inFlight: inFlight) }
        #expect(sent.map(\.id) == [ids[0]])
        #expect(try fixture.pool.read { try Outbox.counts($0, listID: list, inFlight: inFlight) }
                == [.pending: 2, .sending: 1, .sent: 1, .failed: 0])
        #expect(try fixture.pool.read { try Outbox.list($0, status: .sending, limit: 1, inFlight: inFlight) }.map(\.id) == [ids[1]])
    }
}
