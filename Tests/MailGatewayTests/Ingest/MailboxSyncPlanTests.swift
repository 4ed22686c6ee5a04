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
}
