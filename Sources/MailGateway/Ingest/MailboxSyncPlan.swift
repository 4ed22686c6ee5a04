/// A message the server lists, before its body is fetched.
public struct MailboxEntry: Sendable, Hashable {
    public var uid: UInt32
    public var size: Int

    public init(uid: UInt32, size: Int) {
        self.uid = uid
        self.size = size
    }
}

/// Decides, without any I/O, what one pass over a mailbox does (STYLE.md §7: protocols as pure state machines).
///
/// - New mail is what lies above the cursor's last UID, for the same UIDVALIDITY. When the server's UIDVALIDITY
///   differs from the cursor's, every UID is new again: the pass rescans the whole folder, and the archive's
///   `UNIQUE(list, Message-ID)` turns already-archived messages into no-ops (no duplicates).
/// - Messages are fetched in batches bounded in count and bytes, so memory does not grow with the mailbox.
/// - A message larger than the limit is never fetched whole: its header section is fetched and it is quarantined.
/// - A UID the server already failed to return is fetched alone, so one bad message never fails a whole batch
///   again. A UID missing from a batch's answer is retried alone at once (``resolve(requested:returned:)``); the
///   cursor never passes a UID that was neither processed nor given up on (``afterFailure(failures:maxFailures:)``).
public struct MailboxSyncPlan: Sendable, Equatable {
    /// One step of the pass, in order.
    public enum Step: Sendable, Equatable {
        /// Fetch these bodies in one round trip, then archive them and commit.
        case fetch([UInt32])
        /// Fetch only the header section of this message and quarantine it as too large.
        case quarantineOversize(uid: UInt32, size: Int)
    }

    /// The cursor the pass starts from (after a UIDVALIDITY change: the new validity, last UID 0).
    public var start: MailboxState
    /// True when the server's UIDVALIDITY differs from the stored one: a full rescan.
    public var uidValidityChanged: Bool
    /// UIDs at or below the start cursor: already committed. Those still unflagged are flagged by the pass
    /// (a crash between commit and flag leaves such messages).
    public var committedRange: ClosedRange<UInt32>?
    public var steps: [Step]

    /// Limits of a batch.
    public struct Limits: Sendable, Equatable {
        public var maxMessageBytes: Int
        public var batchBytes: Int
        public var batchCount: Int

        public init(maxMessageBytes: Int, batchBytes: Int = 8 << 20, batchCount: Int = 1000) {
            self.maxMessageBytes = maxMessageBytes
            self.batchBytes = batchBytes
            self.batchCount = batchCount
        }
    }

    /// Plans a pass. `entries` may contain UIDs at or below the cursor (servers answer `n:*` with the last
    /// message even when nothing is new): they are ignored. `failing` are UIDs whose fetch failed before: each is
    /// fetched alone.
    public static func plan(stored: MailboxState?, serverUIDValidity: UInt32, entries: [MailboxEntry],
                            limits: Limits, failing: Set<UInt32> = []) -> MailboxSyncPlan {
        let changed = stored.map { $0.uidValidity != serverUIDValidity } ?? false
        let start = MailboxState(uidValidity: serverUIDValidity,
                                  lastUID: (stored == nil || changed) ? 0 : stored!.lastUID)
        var steps: [Step] = []
        var batch: [UInt32] = []
        var batchBytes = 0
        func flush() {
            if !batch.isEmpty { steps.append(.fetch(batch)) }
            batch = []
            batchBytes = 0
        }
        for entry in entries.sorted(by: { $0.uid < $1.uid }) where entry.uid > start.lastUID {
            if entry.size > limits.maxMessageBytes {
                flush()
                steps.append(.quarantineOversize(uid: entry.uid, size: entry.size))
                continue
            }
            if failing.contains(entry.uid) {
                flush()
                steps.append(.fetch([entry.uid]))
                continue
            }
            if !batch.isEmpty && (batch.count >= limits.batchCount || batchBytes + entry.size > limits.batchBytes) {
                flush()
            }
            batch.append(entry.uid)
            batchBytes += entry.size
        }
        flush()
        return MailboxSyncPlan(start: start, uidValidityChanged: changed,
                               committedRange: start.lastUID > 0 ? 1...start.lastUID : nil, steps: steps)
    }

    /// What the pass does with one requested UID once the batch's FETCH answered OK.
    public enum Resolution: Sendable, Equatable {
        /// The server returned it: process it.
        case process(UInt32)
        /// The server left it out: fetch it alone before going further.
        case retryAlone(UInt32)
    }

    /// The requested UIDs in ascending order, each to process (returned) or to retry alone (missing). The pass
    /// follows this order and commits the cursor after each message, so it never passes a missing UID.
    public static func resolve(requested: [UInt32], returned: Set<UInt32>) -> [Resolution] {
        requested.sorted().map { returned.contains($0) ? .process($0) : .retryAlone($0) }
    }

    /// What to do after a failed fetch of one UID alone.
    public enum FailureAction: Sendable, Equatable {
        /// Stop the pass before this UID (the cursor stays below it); the next pass tries it again.
        case retryLater
        /// Record it as unfetchable and move the cursor past it.
        case giveUp
    }

    /// After `failures` failed attempts (this one included): retry later, or give up at `maxFailures`.
    public static func afterFailure(failures: Int, maxFailures: Int) -> FailureAction {
        failures >= maxFailures ? .giveUp : .retryLater
    }
}
