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

        public init(maxMessageBytes: Int, batchBytes: Int = 8 << 20, batchCount: Int = 200) {
            self.maxMessageBytes = maxMessageBytes
            self.batchBytes = batchBytes
            self.batchCount = batchCount
        }
    }

    /// Plans a pass. `entries` may contain UIDs at or below the cursor (servers answer `n:*` with the last
    /// message even when nothing is new): they are ignored.
    public static func plan(stored: MailboxState?, serverUIDValidity: UInt32, entries: [MailboxEntry],
                            limits: Limits) -> MailboxSyncPlan {
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
}
