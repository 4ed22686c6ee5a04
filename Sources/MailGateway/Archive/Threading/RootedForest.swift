/// A forest over `0..<count` that grows by attaching a root under another node, and answers "which root is
/// this node's tree under" in near-constant time (union-find with path compression and union by size, each
/// set remembering its tree's real root). It replaces walking parent links, which is O(depth) per question
/// and O(n²) over a long chain.
struct RootedForest {
    private var link: [Int]
    private var size: [Int]
    /// For a set's representative: the root of the tree the set is.
    private var top: [Int]

    /// `count` single-node trees.
    init(count: Int) {
        link = Array(0..<count)
        size = Array(repeating: 1, count: count)
        top = Array(0..<count)
    }

    private mutating func find(_ x: Int) -> Int {
        var r = x
        while link[r] != r { r = link[r] }
        var c = x
        while link[c] != r {
            let next = link[c]
            link[c] = r
            c = next
        }
        return r
    }

    /// The root of the tree that holds `x`.
    mutating func root(of x: Int) -> Int {
        top[find(x)]
    }

    /// Attaches the tree rooted at `child` (which must be a root, in another tree than `parent`) under
    /// `parent`: its nodes now have `parent`'s root.
    mutating func attach(_ child: Int, under parent: Int) {
        let a = find(child), b = find(parent)
        guard a != b else { return }
        let root = top[b]
        if size[a] < size[b] {
            link[a] = b
            size[b] += size[a]
        } else {
            link[b] = a
            size[a] += size[b]
            top[a] = root
        }
    }
}
