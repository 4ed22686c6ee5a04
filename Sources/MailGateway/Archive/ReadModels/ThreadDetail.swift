import Foundation

/// A thread with its messages arranged as a tree (children sorted by date).
public struct ThreadDetail: Sendable, Codable, Hashable {
    /// How deep messages nest in ``roots``: deeper ones are listed, in display order, among the children of
    /// their ancestor at depth `maxNesting - 1`. Encoding, comparing and freeing a nested value recurse once
    /// per level, so a 10,000-reply chain must not become 10,000 levels; no thread of the corpora comes near.
    public static let maxNesting = 64
    /// The thread figures.
    public var thread: ThreadSummary
    /// Messages without a parent in the thread, sorted by date.
    public var roots: [ThreadMessageNode]
}

extension ThreadDetail {
    /// One message of the thread and the row of its parent (nil for a root, or a parent that is not shown).
    struct Item: Sendable {
        var node: ThreadMessageNode
        var parent: Int64?
    }

    /// Arranges `items` (sorted by date, then arrival) as a tree, nested at most ``maxNesting`` deep.
    init(thread: ThreadSummary, items: [Item]) {
        let flat = ThreadTree(items: items, id: \.node.rowID, parent: \.parent, date: \.node.date).flattened
        // Where each message is nested: under its parent, or, deeper than the cap, under its ancestor at depth
        // `maxNesting - 1` (`path[d]` is the current ancestor at depth d; display order is depth-first).
        let cap = ThreadDetail.maxNesting
        var nestedUnder = [Int?](repeating: nil, count: flat.count)
        var path: [Int] = []
        for (k, n) in flat.enumerated() {
            if n.depth < cap {
                path.removeSubrange(min(n.depth, path.count)...)
                nestedUnder[k] = n.parent
                path.append(k)
            } else {
                nestedUnder[k] = path.last
            }
        }
        // Built from the last message back, so that each node's children are complete before it is.
        var pending: [Int: [ThreadMessageNode]] = [:]
        var roots: [ThreadMessageNode] = []
        for k in flat.indices.reversed() {
            var node = flat[k].item.node
            node.depth = flat[k].depth
            node.parentRowID = flat[k].parent.map { flat[$0].item.node.rowID }
            node.children = (pending.removeValue(forKey: k) ?? []).reversed()
            if let under = nestedUnder[k] { pending[under, default: []].append(node) } else { roots.append(node) }
        }
        self.init(thread: thread, roots: roots.reversed())
    }
}
