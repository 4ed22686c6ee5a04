import Synchronization

/// The copies an ``OutboxSender``'s workers have claimed and whose outcome is not committed yet, kept in memory
/// instead of in the rows (issue 12: writing `sending` into each claimed row, and moving its entry in the status
/// index, was about a third of a batched fan-out's database time per copy). The rows stay `pending` until their
/// outcome is committed; the sender is the only process that sends (`run` holds the process lock), so the only
/// other claimers to keep out are its own workers, which share this set.
///
/// A worker takes ids inside its claim's write transaction and gives them back after the transaction that records
/// their outcome (or gives them back unattempted) has committed. The database's writes are serialized, so a claim
/// either runs before that commit (the ids are still here: skipped) or after it (the rows are no longer pending).
/// After a kill the set is gone with the process: claimed rows never handed to SMTP are simply pending (never
/// attempted), and the worker's ``OutboxJournal`` tells which ones were handed or accepted, as before.
final class OutboxClaims: Sendable {
    private let ids = Mutex<Set<Int64>>([])

    /// How many copies are claimed now.
    var count: Int { ids.withLock { $0.count } }

    /// Claims the first `limit` of `candidates` (due copies, in due order) that no worker holds.
    /// - Returns: the ids claimed, in `candidates`' order.
    func take(_ candidates: [Int64], limit: Int) -> [Int64] {
        ids.withLock { held in
            var taken: [Int64] = []
            taken.reserveCapacity(min(limit, candidates.count))
            for id in candidates where taken.count < limit && held.insert(id).inserted {
                taken.append(id)
            }
            return taken
        }
    }

    /// Gives back `settled`: their outcome is committed, or they go back to the due copies unattempted.
    func release(_ settled: some Sequence<Int64>) {
        ids.withLock { held in
            for id in settled { held.remove(id) }
        }
    }
}
