import Foundation
import GRDB

/// Incremental threading inside the ingest transaction (JWZ semantics, per list), of accepted messages only:
/// a message that was not accepted gets a thread that no reference reaches and no listing shows
/// (``unlistedThread(_:list:subject:status:)``: its own when held, its list's shared one when rejected, discarded
/// or a bounce), and a held message is threaded when it is approved (``threadLate(_:messageRow:)``).
/// Only the bounded chain of ``ThreadReferences`` counts, so a message writes at most ~21 nodes.
///
/// - Membership: the connected components of the reference graph. Every Message-ID seen in a list has a
///   `thread_nodes` row, as a message or as a placeholder for a referenced-but-absent id. A new message joins
///   the thread of every node it references or that referenced it; when these are several threads they merge
///   into the oldest (smallest id), the others' rows move to it and their `threads` rows are deleted.
/// - Subject fallback: a reply (`Re:`, `AW:`...) with no usable reference joins the most recently active thread
///   of the list with the same base subject that has a message dated within ``subjectWindow`` before the reply
///   (or up to a day after it, for clock skew).
/// - Parent: the last candidate of ``ThreadReferences/chain(messageID:inReplyTo:references:)`` that is an
///   archived message; cycles are broken. When a message fills a placeholder (reply before parent), the
///   parents of its whole thread are recomputed, since earlier replies may now have a nearer ancestor.
enum ThreadingEngine {
    /// How far back a reply without references may find its thread by subject. 30 days: long enough for a
    /// reply to a monthly post or after holidays, short enough that a yearly "Re: Agenda" does not join last
    /// year's thread.
    static let subjectWindow: TimeInterval = 30 * 86_400
    /// Clock skew allowed after the reply date in the subject fallback.
    static let subjectSkew: TimeInterval = 86_400

    struct Assignment {
        var threadID: Int64
        /// The message's own node was a placeholder: some archived message referenced it.
        var filledPlaceholder: Bool
        /// Threads merged into `threadID`.
        var merged: [Int64]
        /// The parent row, when it could be decided without recomputing the thread.
        var parent: Int64?
        /// Whether the thread was found through the subject fallback.
        var bySubject: Bool
    }

    /// Finds (or creates) the thread of a message about to be inserted, merging threads it connects.
    static func assign(_ db: Database, list: String, messageID: String, chain: [String], subject: String,
                       date: Date) throws -> Assignment {
        var nodes: [String: ThreadNodeRecord] = [:]
        for node in try ThreadNodeRecord.find(db, list: list, messageIDs: chain + [messageID]) {
            nodes[node.messageID] = node
        }
        let threadIDs = Set(nodes.values.map(\.threadID))
        var bySubject = false
        let threadID: Int64
        var merged: [Int64] = []
        if let oldest = threadIDs.min() {
            threadID = oldest
            merged = threadIDs.filter { $0 != oldest }.sorted()
            if !merged.isEmpty { try merge(db, into: oldest, from: merged) }
        } else {
            let normalized = SubjectNormalizer.normalize(subject)
            if chain.isEmpty, normalized.isReply, !normalized.base.isEmpty,
               let found = try threadBySubject(db, list: list, base: normalized.base, date: date) {
                threadID = found
                bySubject = true
            } else {
                threadID = try ThreadRecord.create(db, list: list, subject: subject, baseSubject: normalized.base)
            }
        }
        let filled = nodes[messageID]?.isPlaceholder == true
        var parent: Int64?
        if !filled {
            // Nobody referenced this message, so it has no descendants: no cycle is possible.
            parent = chain.reversed().lazy.compactMap { nodes[$0]?.messageRow }.first
        }
        return Assignment(threadID: threadID, filledPlaceholder: filled, merged: merged, parent: parent,
                          bySubject: bySubject)
    }

    /// The thread of a message that is not accepted, listed nowhere. No thread node is written for it, so its
    /// references join and merge nothing, no later message finds it, and it writes no placeholder; with no accepted
    /// message the thread is listed nowhere.
    /// - A held message gets a thread row of its own, whose empty base subject keeps the subject fallback away:
    ///   approval threads the message (``threadLate(_:messageRow:)``) and drops this row.
    /// - A message rejected, discarded or recorded as a bounce is never threaded later: it joins its list's one
    ///   thread for such mail (``ThreadRecord/unlistedBaseSubject``, which no subject normalizes to), created on
    ///   first use. (A row each was 5 % of the ingest writer's samples on the generated corpus, where every post
    ///   is rejected, and three B-tree inserts a message.)
    static func unlistedThread(_ db: Database, list: String, subject: String, status: ArchiveStatus) throws -> Int64 {
        guard status.isRefusal else { return try ThreadRecord.create(db, list: list, subject: subject, baseSubject: "") }
        if let shared = try ThreadRecord.firstWithBaseSubject(db, list: list, base: ThreadRecord.unlistedBaseSubject) {
            return shared
        }
        return try ThreadRecord.create(db, list: list, subject: "", baseSubject: ThreadRecord.unlistedBaseSubject)
    }

    /// Threads an archived message that was kept out of the threads (it was not accepted when it arrived), as
    /// if it arrived now: its thread is found or created, threads it connects merge, its node and placeholders
    /// are written and parents recomputed when it fills a placeholder; its own unlisted thread row goes. A
    /// message that already has its node (archived accepted, or by a version that threaded everything) is left
    /// as it is. The caller refreshes the figures of the message's thread.
    static func threadLate(_ db: Database, messageRow: Int64) throws {
        guard let m = try MessageRecord.threadingFields(db, row: messageRow) else { return }
        let (list, messageID) = (m.listID, m.messageID)
        guard try !ThreadNodeRecord.hasMessageNode(db, list: list, messageID: messageID) else { return }
        let chain = ThreadReferences.chain(messageID: messageID, inReplyTo: split(m.inReplyTo ?? ""),
                                           references: split(m.refs))
        let assignment = try assign(db, list: list, messageID: messageID, chain: chain, subject: m.subject, date: m.date)
        try MessageRecord.setThread(db, row: messageRow, threadID: assignment.threadID, parent: assignment.parent,
                                    bySubject: assignment.bySubject)
        try recordNodes(db, list: list, messageID: messageID, messageRow: messageRow, threadID: assignment.threadID,
                        chain: chain)
        if assignment.filledPlaceholder {
            try recomputeParents(db, threadID: assignment.threadID)
        }
        try ThreadRecord.deleteIfEmpty(db, id: m.threadID)
    }

    /// Records the message's own node and placeholders for its absent references.
    static func recordNodes(_ db: Database, list: String, messageID: String, messageRow: Int64, threadID: Int64,
                            chain: [String]) throws {
        try ThreadNodeRecord.saveMessage(db, list: list, messageID: messageID, messageRow: messageRow, threadID: threadID)
        guard !chain.isEmpty else { return }
        try ThreadNodeRecord.insertPlaceholders(db, list: list, messageIDs: chain, threadID: threadID)
    }

    static func merge(_ db: Database, into survivor: Int64, from others: [Int64]) throws {
        // Nodes and messages move before the merged threads' rows go, so no row ever names a deleted thread.
        try ThreadNodeRecord.move(db, from: others, to: survivor)
        try MessageRecord.move(db, from: others, to: survivor)
        try ThreadRecord.delete(db, ids: others)
    }

    static func threadBySubject(_ db: Database, list: String, base: String, date: Date) throws -> Int64? {
        try ThreadRecord.latestBySubject(db, list: list, base: base, from: date.addingTimeInterval(-subjectWindow),
                                         to: date.addingTimeInterval(subjectSkew))
    }

    /// Recomputes the parent of every message of a thread, in arrival order, breaking cycles. Linear in the
    /// thread's size (times the bounded chain): the parents chosen so far form a forest in which the message
    /// being placed is a root, so a candidate would close a loop exactly when its tree is rooted at that
    /// message, which ``RootedForest`` answers in near-constant time.
    static func recomputeParents(_ db: Database, threadID: Int64) throws {
        let items = try MessageRecord.links(db, threadID: threadID)
        var indexOf: [String: Int] = [:]
        for (i, item) in items.enumerated() { indexOf[item.messageID] = i }
        var forest = RootedForest(count: items.count)
        for (i, item) in items.enumerated() {
            let chain = ThreadReferences.chain(
                messageID: item.messageID,
                inReplyTo: split(item.inReplyTo ?? ""), references: split(item.refs))
            var chosen: Int?
            for candidate in chain.reversed() {
                guard let c = indexOf[candidate], c != i else { continue }
                if forest.root(of: c) == i { continue }
                chosen = c
                break
            }
            if let chosen { forest.attach(i, under: chosen) }
            let parent = chosen.map { items[$0].row }
            if parent != item.parent { try MessageRecord.setParent(db, row: item.row, parent: parent) }
        }
    }

    static func split(_ text: String) -> [String] {
        text.split(separator: " ").map(String.init)
    }
}
