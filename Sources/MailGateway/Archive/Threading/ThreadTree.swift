public import Foundation

/// A thread arranged for display: each message under its parent, children sorted by date. Messages whose
/// parent is missing from the set become roots, and each parent loop is broken at its first member in date
/// order, so building never loops.
///
/// Building and walking are iterative and linear (apart from sorting children), whatever the depth: a chain of
/// 10,000 replies is 10,000 levels deep, which recursion per level cannot survive.
public struct ThreadTree<Item: Sendable>: Sendable {
    /// One message, in display order.
    public struct Node: Sendable {
        /// The message.
        public var item: Item
        /// Depth from the root (0 for a root).
        public var depth: Int
        /// Position in ``ThreadTree/flattened`` of the parent, nil for a root.
        public var parent: Int?
    }

    /// The nodes in display order: depth-first, roots and children by date.
    public let flattened: [Node]

    /// Builds the tree of `items`, given each one's id, parent id and date.
    public init(items: [Item], id: (Item) -> Int64, parent: (Item) -> Int64?, date: (Item) -> Date) {
        let count = items.count
        var byID: [Int64: Int] = [:]
        for (i, item) in items.enumerated() { byID[id(item)] = i }
        func order(_ a: Int, _ b: Int) -> Bool {
            let da = date(items[a]), dbb = date(items[b])
            return da != dbb ? da < dbb : id(items[a]) < id(items[b])
        }
        var effectiveParent = [Int?](repeating: nil, count: count)
        for (i, item) in items.enumerated() {
            if let p = parent(item), let pi = byID[p], pi != i { effectiveParent[i] = pi }
        }
        // Break each parent loop at its first member in date order (exactly one member of a loop becomes a
        // root; items hanging off a loop keep their parent). Each item is walked once: 0 = not seen, 1 = on
        // the current walk, 2 = done.
        var state = [UInt8](repeating: 0, count: count)
        var walk: [Int] = []
        for start in 0..<count where state[start] == 0 {
            walk.removeAll(keepingCapacity: true)
            var cursor: Int? = start
            while let c = cursor, state[c] == 0 {
                state[c] = 1
                walk.append(c)
                cursor = effectiveParent[c]
            }
            if let c = cursor, state[c] == 1, let loopStart = walk.lastIndex(of: c),
               let head = walk[loopStart...].min(by: order) {
                effectiveParent[head] = nil
            }
            for c in walk { state[c] = 2 }
        }
        var children = [[Int]](repeating: [], count: count)
        var roots: [Int] = []
        for i in 0..<count {
            if let p = effectiveParent[i] { children[p].append(i) } else { roots.append(i) }
        }
        // Depth-first with an explicit stack (children pushed in reverse so the earliest comes out first).
        var out: [Node] = []
        out.reserveCapacity(count)
        var placed = [Bool](repeating: false, count: count)
        var stack: [(index: Int, depth: Int, parent: Int?)] = []
        func emit(from rootIndexes: [Int]) {
            for r in rootIndexes.sorted(by: order).reversed() where !placed[r] { stack.append((r, 0, nil)) }
            while let (i, depth, parentPosition) = stack.popLast() {
                guard !placed[i] else { continue }
                placed[i] = true
                let position = out.count
                out.append(Node(item: items[i], depth: depth, parent: parentPosition))
                for child in children[i].sorted(by: order).reversed() where !placed[child] {
                    stack.append((child, depth + 1, position))
                }
            }
        }
        emit(from: roots)
        // Every item is reachable from a root once loops are broken; anything else would be shown as a root.
        for i in (0..<count).sorted(by: order) where !placed[i] { emit(from: [i]) }
        flattened = out
    }
}
