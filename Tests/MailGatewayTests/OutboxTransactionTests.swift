import Testing
@testable import MailGateway

/// `OutboxTransaction.group`: which claimed copies share one SMTP transaction (issue 12, batched RCPTs).
struct OutboxTransactionTests {
    func job(_ id: Int64, to recipient: String, from envelope: String = "list+bounce@lists.example.org",
             body: String = "body A") -> OutboxJob {
        OutboxJob(id: id, listID: "l", recipient: recipient, envelopeFrom: envelope, message: Array(body.utf8), attempts: 1)
    }

    @Test func byteIdenticalCopiesShareATransactionInClaimOrder() {
        let jobs = [job(1, to: "a@x.example"), job(2, to: "b@x.example", body: "body B"), job(3, to: "c@x.example"),
                    job(4, to: "d@x.example", body: "body B"), job(5, to: "e@x.example")]
        let groups = OutboxTransaction.group(jobs)
        #expect(groups.map { $0.jobs.map(\.id) } == [[1, 3, 5], [2, 4]])
        #expect(groups[0].recipients == ["a@x.example", "c@x.example", "e@x.example"])
        #expect(groups[1].message == Array("body B".utf8))
    }

    @Test func personalizedCopiesStayAlone() {
        // Per-copy VERP: every envelope sender differs, even when the bytes are the same.
        let jobs = (1...4).map { job(Int64($0), to: "m\($0)@x.example", from: "list+bounce.tok\($0)@lists.example.org") }
        #expect(OutboxTransaction.group(jobs).map(\.jobs.count) == [1, 1, 1, 1])
    }

    @Test func aTransactionHoldsAtMostMaxRecipientsAndNeverTheSameRecipientTwice() {
        let many = (1...250).map { job(Int64($0), to: "m\($0)@x.example") }
        #expect(OutboxTransaction.group(many).map(\.jobs.count) == [100, 100, 50])
        #expect(OutboxTransaction.group(many, maxRecipients: 1).count == 250)
        // Two identical notices to one address (different messages, same bytes): two transactions.
        let twice = [job(1, to: "a@x.example"), job(2, to: "A@X.example"), job(3, to: "b@x.example")]
        #expect(OutboxTransaction.group(twice).map { $0.jobs.map(\.id) } == [[1, 3], [2]])
    }

    @Test func differentEnvelopeSendersNeverMix() {
        let jobs = [job(1, to: "a@x.example"), job(2, to: "b@x.example", from: ""), job(3, to: "c@x.example", from: "")]
        #expect(OutboxTransaction.group(jobs).map { $0.jobs.map(\.id) } == [[1], [2, 3]])
    }
}
