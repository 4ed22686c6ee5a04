import Testing
@testable import MailGateway

@Suite("Planning a pass over a mailbox")
struct MailboxSyncPlanTests {
    let limits = MailboxSyncPlan.Limits(maxMessageBytes: 1_000, batchBytes: 2_500, batchCount: 3)

    @Test("first pass fetches everything in bounded batches")
    func firstPass() {
        let entries = (1...7).map { MailboxEntry(uid: UInt32($0), size: 900) }
        let plan = MailboxSyncPlan.plan(stored: nil, serverUIDValidity: 42, entries: entries, limits: limits)
        #expect(plan.start == MailboxState(uidValidity: 42, lastUID: 0))
        #expect(!plan.uidValidityChanged)
        #expect(plan.committedRange == nil)
        // 900 * 3 > 2500: batches of two by bytes
        #expect(plan.steps == [.fetch([1, 2]), .fetch([3, 4]), .fetch([5, 6]), .fetch([7])])
    }

    @Test("only UIDs above the cursor are new; the server's echo of the last message is ignored")
    func incremental() {
        let plan = MailboxSyncPlan.plan(stored: MailboxState(uidValidity: 42, lastUID: 5), serverUIDValidity: 42,
                                        entries: [MailboxEntry(uid: 5, size: 10)], limits: limits)
        #expect(plan.steps.isEmpty)
        #expect(plan.committedRange == 1...5)
        let more = MailboxSyncPlan.plan(stored: MailboxState(uidValidity: 42, lastUID: 5), serverUIDValidity: 42,
                                        entries: [6, 9, 7, 8].map { MailboxEntry(uid: $0, size: 10) }, limits: limits)
        #expect(more.steps == [.fetch([6, 7, 8]), .fetch([9])])
    }

    @Test("a changed UIDVALIDITY rescans from the start")
    func uidValidityChange() {
        let plan = MailboxSyncPlan.plan(stored: MailboxState(uidValidity: 42, lastUID: 9), serverUIDValidity: 77,
                                        entries: [1, 2].map { MailboxEntry(uid: $0, size: 10) }, limits: limits)
        #expect(plan.uidValidityChanged)
        #expect(plan.start == MailboxState(uidValidity: 77, lastUID: 0))
        #expect(plan.committedRange == nil)
        #expect(plan.steps == [.fetch([1, 2])])
    }

    @Test("a message over the limit is quarantined from its headers, between batches")
    func oversize() {
        let entries = [MailboxEntry(uid: 1, size: 10), MailboxEntry(uid: 2, size: 5_000), MailboxEntry(uid: 3, size: 10)]
        let plan = MailboxSyncPlan.plan(stored: nil, serverUIDValidity: 1, entries: entries, limits: limits)
        #expect(plan.steps == [.fetch([1]), .quarantineOversize(uid: 2, size: 5_000), .fetch([3])])
    }

    @Test("a UID whose fetch failed before is fetched alone, so it never fails a batch again")
    func failingFetchedAlone() {
        let entries = (1...6).map { MailboxEntry(uid: UInt32($0), size: 10) }
        let plan = MailboxSyncPlan.plan(stored: nil, serverUIDValidity: 42, entries: entries, limits: limits, failing: [3])
        #expect(plan.steps == [.fetch([1, 2]), .fetch([3]), .fetch([4, 5, 6])])
    }

    @Test("an OK answer with UIDs missing: they are retried alone, in UID order, never skipped")
    func missingRetriedAlone() {
        #expect(MailboxSyncPlan.resolve(requested: [7, 5, 6, 8], returned: [5, 8, 7]) ==
                [.process(5), .retryAlone(6), .process(7), .process(8)])
        #expect(MailboxSyncPlan.resolve(requested: [1, 2], returned: []) == [.retryAlone(1), .retryAlone(2)])
    }

    @Test("a failed fetch is retried later until the third failure, then given up")
    func giveUpAfterThree() {
        #expect(MailboxSyncPlan.afterFailure(failures: 1, maxFailures: 3) == .retryLater)
        #expect(MailboxSyncPlan.afterFailure(failures: 2, maxFailures: 3) == .retryLater)
        #expect(MailboxSyncPlan.afterFailure(failures: 3, maxFailures: 3) == .giveUp)
    }

    @Test("a batch is committed in groups bounded in count and bytes; a UID to retry alone or replayed after a crash is a unit of its own")
    func units() {
        let groups = MailboxSyncPlan.Limits(maxMessageBytes: 1_000, groupBytes: 2_500, groupCount: 3)
        let sizes: [UInt32: Int] = [1: 900, 2: 900, 3: 900, 4: 10, 5: 10, 6: 10, 7: 10, 8: 10, 9: 10]
        let items = (1...9).map { MailboxSyncPlan.Resolution.process(UInt32($0)) }
        // 900 * 3 > 2500: two by bytes, then three by count.
        #expect(MailboxSyncPlan.units(items, sizes: sizes, alone: { _ in false }, limits: groups)
                == [.group([1, 2]), .group([3, 4, 5]), .group([6, 7, 8]), .group([9])])
        var mixed = items
        mixed[4] = .retryAlone(5)
        #expect(MailboxSyncPlan.units(mixed, sizes: sizes, alone: { (2...3).contains($0) }, limits: groups)
                == [.group([1]), .alone(.process(2)), .alone(.process(3)), .group([4]), .alone(.retryAlone(5)),
                    .group([6, 7, 8]), .group([9])])
        #expect(MailboxSyncPlan.units([], sizes: [:], alone: { _ in false }, limits: groups).isEmpty)
    }
}
