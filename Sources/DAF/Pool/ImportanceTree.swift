// SPDX-License-Identifier: MIT
// The pool's index of live blocks: a red-black tree ordered by (importance, age), so the least
// important (and, among equals, oldest) block is the leftmost node. Insert, remove and the
// least-important lookup are O(log n); successor walks give the eviction order. The algorithm
// is CLRS (Cormen, Leiserson, Rivest, Stein, "Introduction to Algorithms", 3rd ed., ch. 13),
// with its sentinel: node 0 is the shared black nil. Nodes are numbered by the caller (the
// pool uses its block slot numbers) and live in one array, so the tree allocates nothing per
// insert. Not thread-safe: the pool's lock guards it.

struct TreeNode {
    var left: UInt32 = 0
    var right: UInt32 = 0
    var parent: UInt32 = 0
    var isRed = false
    /// (importance, age) as one integer whose order is the key order: see `sortKey`.
    var key: UInt128 = 0
}

struct ImportanceTree: ~Copyable {
    static let none: UInt32 = 0

    private var nodes: RawArray<TreeNode>
    private(set) var root: UInt32 = ImportanceTree.none
    private(set) var count = 0
    /// The greatest node (or `none`): a key above it is attached there without a descent. Ages
    /// only grow, so every insert at the highest importance in use takes this path (an
    /// "insert at end" hint, as with std::map's hinted insert).
    private(set) var last: UInt32 = ImportanceTree.none

    init() throws(DAFError) {
        nodes = try RawArray(capacity: 64, filling: TreeNode())
    }

    deinit { nodes.deallocate() }

    /// Makes node numbers 1..<limit usable.
    mutating func reserve(nodes limit: Int) throws(DAFError) {
        try nodes.reserve(limit, filling: TreeNode())
    }

    /// The key order - importance first, then age (ages are unique, so no two keys tie) - as
    /// one 128-bit integer, so each step down the tree is one integer comparison: the float's
    /// bits made order-preserving (negative: all bits flipped; positive: sign bit set; -0 is
    /// folded into +0 first) in the high half, the age in the low half. Importances are finite.
    static func sortKey(importance: Float, age: UInt64) -> UInt128 {
        let bits = (importance + 0).bitPattern
        let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
        return UInt128(ordered) << 64 | UInt128(age)
    }

    func key(_ n: UInt32) -> (importance: Float, age: UInt64) {
        let key = nodes[Int(n)].key
        let ordered = UInt32(truncatingIfNeeded: key >> 64)
        let bits = ordered & 0x8000_0000 != 0 ? ordered & 0x7FFF_FFFF : ~ordered
        return (Float(bitPattern: bits), UInt64(truncatingIfNeeded: key))
    }

    /// Strict order of keys: importance first, then age.
    static func precedes(_ a: (importance: Float, age: UInt64), _ b: (importance: Float, age: UInt64)) -> Bool {
        a.importance < b.importance || (a.importance == b.importance && a.age < b.age)
    }

    // Short names for the node fields keep the CLRS code below readable line by line (the
    // getters are also what the invariant checks read).
    func left(_ n: UInt32) -> UInt32 { nodes[Int(n)].left }
    func right(_ n: UInt32) -> UInt32 { nodes[Int(n)].right }
    func parent(_ n: UInt32) -> UInt32 { nodes[Int(n)].parent }
    func isRed(_ n: UInt32) -> Bool { nodes[Int(n)].isRed }
    private func setLeft(_ n: UInt32, _ v: UInt32) { nodes[Int(n)].left = v }
    private func setRight(_ n: UInt32, _ v: UInt32) { nodes[Int(n)].right = v }
    private func setParent(_ n: UInt32, _ v: UInt32) { nodes[Int(n)].parent = v }
    private func setRed(_ n: UInt32, _ v: Bool) { nodes[Int(n)].isRed = v }

    // MARK: Insert (CLRS RB-INSERT, RB-INSERT-FIXUP)

    /// Inserts node `z` (1..<reserved limit, not in the tree) with its key.
    mutating func insert(_ z: UInt32, importance: Float, age: UInt64) {
        let k = ImportanceTree.sortKey(importance: importance, age: age)
        nodes[Int(z)] = TreeNode(key: k)
        var y = ImportanceTree.none
        if last != ImportanceTree.none && k > nodes[Int(last)].key {
            y = last // the greatest node has no right child: z goes there
            last = z
        } else {
            var x = root
            while x != ImportanceTree.none {
                y = x
                x = k < nodes[Int(x)].key ? left(x) : right(x)
            }
            if last == ImportanceTree.none { last = z }
        }
        setParent(z, y)
        if y == ImportanceTree.none {
            root = z
        } else if k < nodes[Int(y)].key {
            setLeft(y, z)
        } else {
            setRight(y, z)
        }
        setRed(z, true)
        insertFixup(z)
        count += 1
    }

    private mutating func insertFixup(_ start: UInt32) {
        var z = start
        while isRed(parent(z)) {
            let p = parent(z), g = parent(p)
            if p == left(g) {
                let uncle = right(g)
                if isRed(uncle) {
                    setRed(p, false); setRed(uncle, false); setRed(g, true)
                    z = g
                } else {
                    if z == right(p) {
                        z = p
                        rotateLeft(z)
                    }
                    setRed(parent(z), false)
                    setRed(parent(parent(z)), true)
                    rotateRight(parent(parent(z)))
                }
            } else {
                let uncle = left(g)
                if isRed(uncle) {
                    setRed(p, false); setRed(uncle, false); setRed(g, true)
                    z = g
                } else {
                    if z == left(p) {
                        z = p
                        rotateRight(z)
                    }
                    setRed(parent(z), false)
                    setRed(parent(parent(z)), true)
                    rotateLeft(parent(parent(z)))
                }
            }
        }
        setRed(root, false)
    }

    // MARK: Rotations (CLRS LEFT-ROTATE and its mirror)

    private mutating func rotateLeft(_ x: UInt32) {
        let y = right(x)
        setRight(x, left(y))
        if left(y) != ImportanceTree.none { setParent(left(y), x) }
        replaceChild(of: parent(x), old: x, new: y)
        setLeft(y, x)
        setParent(x, y)
    }

    private mutating func rotateRight(_ x: UInt32) {
        let y = left(x)
        setLeft(x, right(y))
        if right(y) != ImportanceTree.none { setParent(right(y), x) }
        replaceChild(of: parent(x), old: x, new: y)
        setRight(y, x)
        setParent(x, y)
    }

    /// Puts `new` where `old` hung under `p` (or at the root) and sets new's parent: CLRS's
    /// RB-TRANSPLANT, also used by the rotations. `new` may be the sentinel, whose parent
    /// field the delete fixup then reads, as in CLRS.
    private mutating func replaceChild(of p: UInt32, old: UInt32, new: UInt32) {
        if p == ImportanceTree.none {
            root = new
        } else if old == left(p) {
            setLeft(p, new)
        } else {
            setRight(p, new)
        }
        setParent(new, p)
    }

    // MARK: Remove (CLRS RB-DELETE, RB-DELETE-FIXUP)

    /// Removes node `z`, which must be in the tree.
    mutating func remove(_ z: UInt32) {
        if z == last { last = predecessor(z) }
        var y = z
        var yWasRed = isRed(y)
        let x: UInt32
        if left(z) == ImportanceTree.none {
            x = right(z)
            replaceChild(of: parent(z), old: z, new: right(z))
        } else if right(z) == ImportanceTree.none {
            x = left(z)
            replaceChild(of: parent(z), old: z, new: left(z))
        } else {
            y = minimum(below: right(z))
            yWasRed = isRed(y)
            x = right(y)
            if parent(y) == z {
                setParent(x, y)
            } else {
                replaceChild(of: parent(y), old: y, new: right(y))
                setRight(y, right(z))
                setParent(right(y), y)
            }
            replaceChild(of: parent(z), old: z, new: y)
            setLeft(y, left(z))
            setParent(left(y), y)
            setRed(y, isRed(z))
        }
        if !yWasRed { removeFixup(x) }
        nodes[Int(z)] = TreeNode()
        nodes[0] = TreeNode() // the sentinel's parent was borrowed; keep it clean and black
        count -= 1
    }

    private mutating func removeFixup(_ start: UInt32) {
        var x = start
        while x != root && !isRed(x) {
            let p = parent(x)
            if x == left(p) {
                var w = right(p)
                if isRed(w) {
                    setRed(w, false); setRed(p, true)
                    rotateLeft(p)
                    w = right(parent(x))
                }
                if !isRed(left(w)) && !isRed(right(w)) {
                    setRed(w, true)
                    x = parent(x)
                } else {
                    if !isRed(right(w)) {
                        setRed(left(w), false); setRed(w, true)
                        rotateRight(w)
                        w = right(parent(x))
                    }
                    setRed(w, isRed(parent(x)))
                    setRed(parent(x), false)
                    setRed(right(w), false)
                    rotateLeft(parent(x))
                    x = root
                }
            } else {
                var w = left(p)
                if isRed(w) {
                    setRed(w, false); setRed(p, true)
                    rotateRight(p)
                    w = left(parent(x))
                }
                if !isRed(right(w)) && !isRed(left(w)) {
                    setRed(w, true)
                    x = parent(x)
                } else {
                    if !isRed(left(w)) {
                        setRed(right(w), false); setRed(w, true)
                        rotateLeft(w)
                        w = left(parent(x))
                    }
                    setRed(w, isRed(parent(x)))
                    setRed(parent(x), false)
                    setRed(left(w), false)
                    rotateRight(parent(x))
                    x = root
                }
            }
        }
        setRed(x, false)
    }

    // MARK: Order

    /// The least node (lowest importance, then oldest), or `none`.
    var first: UInt32 { root == ImportanceTree.none ? ImportanceTree.none : minimum(below: root) }

    private func minimum(below start: UInt32) -> UInt32 {
        var n = start
        while left(n) != ImportanceTree.none { n = left(n) }
        return n
    }

    private func maximum(below start: UInt32) -> UInt32 {
        var n = start
        while right(n) != ImportanceTree.none { n = right(n) }
        return n
    }

    /// The node before `n` in key order, or `none` (CLRS TREE-PREDECESSOR).
    func predecessor(_ n: UInt32) -> UInt32 {
        if left(n) != ImportanceTree.none { return maximum(below: left(n)) }
        var x = n
        var y = parent(x)
        while y != ImportanceTree.none && x == left(y) {
            x = y
            y = parent(y)
        }
        return y
    }

    /// The node after `n` in key order, or `none` (CLRS TREE-SUCCESSOR).
    func successor(_ n: UInt32) -> UInt32 {
        if right(n) != ImportanceTree.none { return minimum(below: right(n)) }
        var x = n
        var y = parent(x)
        while y != ImportanceTree.none && x == right(y) {
            x = y
            y = parent(y)
        }
        return y
    }
}
