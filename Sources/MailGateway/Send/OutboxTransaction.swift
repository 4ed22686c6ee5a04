/// The claimed copies one SMTP transaction carries: one copy, or several byte-identical copies (same envelope
/// sender, same message bytes) to different recipients, sent with one RCPT each (issue 12: a list with
/// `personalize: false`, ``ListConfig/personalize``). Per-copy VERP makes every envelope sender different, so
/// personalized copies are always alone.
public struct OutboxTransaction: Sendable, Equatable {
    /// The copies, in claim order; all share `envelopeFrom` and `message`.
    public var jobs: [OutboxJob]

    public var envelopeFrom: String { jobs[0].envelopeFrom }
    public var message: [UInt8] { jobs[0].message }
    public var recipients: [String] { jobs.map(\.recipient) }

    /// RCPTs per transaction at most (RFC 5321 §4.5.3.1.8: a server must accept at least 100).
    public static let maxRecipients = 100

    /// Groups claimed copies into transactions: byte-identical copies together (at most `maxRecipients` each,
    /// never two copies to the same recipient), the others alone. Transactions are ordered by their first copy,
    /// and each one's copies keep their claim order. Pure.
    public static func group(_ jobs: [OutboxJob], maxRecipients: Int = Self.maxRecipients) -> [OutboxTransaction] {
        var transactions: [OutboxTransaction] = []
        var recipients: [Set<String>] = []
        // Open transactions (not full) by envelope sender: VERP senders are unique, so only unpersonalized copies
        // ever compare their bytes.
        var open: [String: [Int]] = [:]
        for job in jobs {
            let key = MailAddress.canonicalKey(job.recipient)
            if let index = open[job.envelopeFrom]?.first(where: {
                transactions[$0].message == job.message && !recipients[$0].contains(key)
            }) {
                transactions[index].jobs.append(job)
                recipients[index].insert(key)
                if transactions[index].jobs.count >= maxRecipients { open[job.envelopeFrom]?.removeAll { $0 == index } }
            } else {
                if maxRecipients > 1 { open[job.envelopeFrom, default: []].append(transactions.count) }
                transactions.append(OutboxTransaction(jobs: [job]))
                recipients.append([key])
            }
        }
        return transactions
    }
}
