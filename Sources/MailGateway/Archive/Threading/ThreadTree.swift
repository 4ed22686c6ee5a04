public import Foundation

/// A thread arranged for display: each message under its parent, children sorted by date. Messages whose
/// parent is missing from the set (or whose parent chain loops) become roots, so building never loops.
public struct ThreadTree<Item: Sendable>: Sendable {
    /// One message and its replies.
    public struct Node: Sendable {
        /// The message.
        public var item: Item
        /// Replies, sorted by date.
        public var children: [Node]
        /// Depth from the root (0 for a root).
        public var depth: Int
    }

    /// The roots, sorted by date.
    public var roots: [Node]

    /// Builds the tree of `items`, given each one's id, parent id and date.
    public init(items: [Item], id: (Item) -> Int64, parent: (Item) -> Int64?, date: (Item) -> Date) {
        var byID: [Int64: Int] = [:]
        for (i, item) in items.enumerated() { byID[id(item)] = i }
        // Effective parent: nil when absent or when following parents from this item comes back to it.
        var effectiveParent = [Int?](repeating: nil, count: items.count)
        for (i, item) in items.enumerated() {
            guard let p = parent(item), let pi = byID[p], pi != i else { continue }
            var seen: Set<Int> = []
            var cursor: Int? = pi
            var loopsThroughItem = false
            while let c = cursor {
                if c == i { loopsThroughItem = true; break }
                if !seen.insert(c).inserted { break }  // a loop among ancestors: broken at its own head
                cursor = parent(items[c]).flatMap { byID[$0] }
            }
            // A loop through i: break it here only if i is the loop's first item in date order, so exactly
            // one member of the loop becomes a root.
            if loopsThroughItem && Self.isLoopHead(i, items: items, byID: byID, parent: parent, date: date, id: id) {
                continue
            }
            effectiveParent[i] = pi
        }
        var children = [[Int]](repeating: [], count: items.count)
        var rootIndexes: [Int] = []
        for i in items.indices {
            if let p = effectiveParent[i] { children[p].append(i) } else { rootIndexes.append(i) }
        }
        func order(_ a: Int, _ b: Int) -> Bool {
            let da = date(items[a]), dbb = date(items[b])
            return da != dbb ? da < dbb : id(items[a]) < id(items[b])
        }
        var placed = Set<Int>()
        func build(_ i: Int, depth: Int) -> Node {
            placed.insert(i)
            let kids = children[i].sorted(by: order).filter { !placed.contains($0) }.map { build($0, depth: depth + 1) }
            return Node(item: items[i], children: kids, depth: depth)
        }
        var roots = rootIndexes.sorted(by: order).map { build($0, depth: 0) }
        // Any item not reached (a loop whose head test failed for all members) is shown as a root.
        for i in items.indices.sorted(by: order) where !placed.contains(i) {
            roots.append(build(i, depth: 0))
        }
        self.roots = roots
    }

    private static func isLoopHead(_ i: Int, items: [Item], byID: [Int64: Int], parent: (Item) -> Int64?,
                                   date: (Item) -> Date, id: (Item) -> Int64) -> Bool {
        var members: [Int] = []
        var cursor: Int? = i
        var seen = Set<Int>()
        while let c = cursor, seen.insert(c).inserted {
            members.append(c)
            cursor = parent(items[c]).flatMap { byID[$0] }
        }
        // i is on the cycle (the caller checked), so the walk from i visits exactly the cycle.
        let head = members.min { a, b in
            let da = date(items[a]), dbb = date(items[b])
            return da != dbb ? da < dbb : id(items[a]) < id(items[b])
        }
        return head == i
    }

    /// The nodes in display order (depth-first, children by date).
    public var flattened: [Node] {
        var out: [Node] = []
        func walk(_ n: Node) {
            out.append(n)
            n.children.forEach(walk)
        }
        roots.forEach(walk)
        return out
    }
}
