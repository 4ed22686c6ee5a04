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
        /// Bounds of a group of messages of a batch committed in one transaction (``units(_:sizes:alone:limits:)``).
        public var groupBytes: Int
        public var groupCount: Int

        public init(maxMessageBytes: Int, batchBytes: Int = 8 << 20, batchCount: Int = 1000,
                    groupBytes: Int = 4 << 20, groupCount: Int = 64) {
            self.maxMessageBytes = maxMessageBytes
            self.batchBytes = batchBytes
            self.batchCount = batchCount
            self.groupBytes = groupBytes
            self.groupCount = groupCount
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
        var batch = BoundedRun(maxCount: limits.batchCount, maxBytes: limits.batchBytes)
        for entry in entries.sorted(by: { $0.uid < $1.uid }) where entry.uid > start.lastUID {
            if entry.size > limits.maxMessageBytes || failing.contains(entry.uid) {
                if let full = batch.close() { steps.append(.fetch(full)) }
                steps.append(entry.size > limits.maxMessageBytes ? .quarantineOversize(uid: entry.uid, size: entry.size)
                                                                 : .fetch([entry.uid]))
                continue
            }
            if let full = batch.add(entry.uid, size: entry.size) { steps.append(.fetch(full)) }
        }
        if let full = batch.close() { steps.append(.fetch(full)) }
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
    /// follows this order and commits the cursor after each unit, so it never passes a missing UID.
    public static func resolve(requested: [UInt32], returned: Set<UInt32>) -> [Resolution] {
        requested.sorted().map { returned.contains($0) ? .process($0) : .retryAlone($0) }
    }

    /// How the messages of a fetched batch are committed.
    public enum Unit: Sendable, Equatable {
        /// Consecutive returned UIDs parsed first, then processed in ONE transaction (a savepoint each only when
        /// one of them fails: ``MailboxSync``).
        case group([UInt32])
        /// One UID in a transaction of its own: one to fetch again alone, or one replayed after a crash.
        case alone(Resolution)
    }

    /// Cuts a batch's resolved UIDs (in order) into units: groups of returned UIDs bounded by `limits.groupCount`
    /// and `limits.groupBytes` (`sizes`: RFC822.SIZE by UID), each UID to retry alone and each UID for which
    /// `alone` is true (the UIDs of a group that crashed, replayed one per transaction) a unit of its own.
    public static func units(_ items: [Resolution], sizes: [UInt32: Int], alone: (UInt32) -> Bool,
                             limits: Limits) -> [Unit] {
        var units: [Unit] = []
        var group = BoundedRun(maxCount: limits.groupCount, maxBytes: limits.groupBytes)
        for item in items {
            guard case .process(let uid) = item, !alone(uid) else {
                if let full = group.close() { units.append(.group(full)) }
                units.append(.alone(item))
                continue
            }
            if let full = group.add(uid, size: sizes[uid] ?? 0) { units.append(.group(full)) }
        }
        if let full = group.close() { units.append(.group(full)) }
        return units
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

/// Consecutive UIDs cut into runs of at most `maxCount` UIDs and `maxBytes` (a run holds at least one UID, however
/// large): a batch of a pass, a group of a batch.
struct BoundedRun {
    let maxCount: Int
    let maxBytes: Int
    private var uids: [UInt32] = []
    private var bytes = 0

    init(maxCount: Int, maxBytes: Int) {
        self.maxCount = maxCount
        self.maxBytes = maxBytes
    }

    /// Adds `uid` of `size` bytes. - Returns: the run it closed first when `uid` did not fit in it, else nil.
    mutating func add(_ uid: UInt32, size: Int) -> [UInt32]? {
        var closed: [UInt32]?
        if !uids.isEmpty && (uids.count >= maxCount || bytes + size > maxBytes) {
            closed = close()
        }
        uids.append(uid)
        bytes += size
        return closed
    }

    /// Ends the current run. - Returns: its UIDs, or nil when it is empty.
    mutating func close() -> [UInt32]? {
        defer {
            uids = []
            bytes = 0
        }
        return uids.isEmpty ? nil : uids
    }
}
