// SPDX-License-Identifier: MIT
// Debug/test-only checks of the red-black tree: the properties of CLRS 13.1 (root and nil
// black, no red node with a red child, equal black height on every path), consistent parent
// links, strictly increasing keys in order, the node count and the remembered greatest node.
// Compiled out of release builds.
#if DEBUG
extension ImportanceTree {
    /// Every violated invariant, described; empty when the tree is sound.
    func invariantViolations() -> [String] {
        var problems: [String] = []
        if isRed(ImportanceTree.none) { problems.append("the sentinel is red") }
        if root != ImportanceTree.none {
            if isRed(root) { problems.append("the root \(root) is red") }
            if parent(root) != ImportanceTree.none { problems.append("the root \(root) has a parent") }
        }
        var visited = 0
        var previous: (importance: Float, age: UInt64)? = nil
        _ = blackHeight(root, problems: &problems, visited: &visited, previous: &previous)
        if visited != count { problems.append("count is \(count) but \(visited) nodes hang from the root") }
        var greatest = root
        while greatest != ImportanceTree.none && right(greatest) != ImportanceTree.none { greatest = right(greatest) }
        if greatest != last { problems.append("the remembered greatest node is \(last), the tree's is \(greatest)") }
        return problems
    }

    /// Visits the subtree in order; returns its black height (nil nodes count 1).
    private func blackHeight(_ n: UInt32, problems: inout [String], visited: inout Int,
                             previous: inout (importance: Float, age: UInt64)?) -> Int {
        if n == ImportanceTree.none { return 1 }
        visited += 1
        guard visited <= count + 1 else {
            if visited == count + 2 { problems.append("more nodes than count: a cycle?") }
            return 0
        }
        let l = left(n), r = right(n)
        if l != ImportanceTree.none && parent(l) != n { problems.append("left child \(l) of \(n) names \(parent(l)) as its parent") }
        if r != ImportanceTree.none && parent(r) != n { problems.append("right child \(r) of \(n) names \(parent(r)) as its parent") }
        if isRed(n) && (isRed(l) || isRed(r)) { problems.append("red node \(n) has a red child") }
        let leftHeight = blackHeight(l, problems: &problems, visited: &visited, previous: &previous)
        if let p = previous, !ImportanceTree.precedes(p, key(n)) {
            problems.append("node \(n) key \(key(n)) does not follow \(p) in order")
        }
        previous = key(n)
        let rightHeight = blackHeight(r, problems: &problems, visited: &visited, previous: &previous)
        if leftHeight != rightHeight { problems.append("node \(n): black heights \(leftHeight) and \(rightHeight) differ") }
        return leftHeight + (isRed(n) ? 0 : 1)
    }
}
#endif
