// SPDX-License-Identifier: MIT
// The red-black tree against its oracle, a sorted array: random inserts, removals and
// re-weightings over many seeds, with the tree's invariants and its whole order checked after
// every operation. Importances come from a small set (with -0 and +0) so ties are common and
// the age tie-break is exercised.
import Testing
@testable import DAF

@Suite("Importance tree")
struct ImportanceTreeTests {
    struct OracleEntry {
        var node: UInt32
        var importance: Float
        var age: UInt64
    }

    static func sortedOracle(_ entries: [OracleEntry]) -> [UInt32] {
        entries.sorted { ($0.importance, $0.age) < ($1.importance, $1.age) }.map(\.node)
    }

    static func treeOrder(_ tree: borrowing ImportanceTree) -> [UInt32] {
        var order: [UInt32] = []
        var n = tree.first
        while n != ImportanceTree.none && order.count <= tree.count {
            order.append(n)
            n = tree.successor(n)
        }
        return order
    }

    @Test("red-black tree equals a sorted-array oracle after every operation, 200 seeds")
    func againstOracle() throws {
        let importances: [Float] = [-3, -1.5, -0.0, 0, 0.25, 1, 1, 2, 7.5, -.greatestFiniteMagnitude, .greatestFiniteMagnitude]
        for seed in UInt64(0)..<200 {
            var rng = SeededGenerator(seed: seed)
            var tree = try ImportanceTree()
            let nodes = Int.random(in: 8...96, using: &rng)
            try tree.reserve(nodes: nodes + 1)
            var oracle: [OracleEntry] = []
            var inTree = [Bool](repeating: false, count: nodes + 1)
            var age: UInt64 = 0
            for step in 0..<250 {
                let action = Int.random(in: 0..<10, using: &rng)
                let candidate = UInt32.random(in: 1...UInt32(nodes), using: &rng)
                if action < 5, !inTree[Int(candidate)] {
                    let node = candidate
                    inTree[Int(node)] = true
                    let importance = importances.randomElement(using: &rng)!
                    tree.insert(node, importance: importance, age: age)
                    oracle.append(OracleEntry(node: node, importance: importance, age: age))
                    age += 1
                } else if action < 8, let victim = oracle.indices.randomElement(using: &rng) {
                    tree.remove(oracle[victim].node)
                    inTree[Int(oracle[victim].node)] = false
                    oracle.remove(at: victim)
                } else if let changed = oracle.indices.randomElement(using: &rng) {
                    let importance = importances.randomElement(using: &rng)!
                    tree.remove(oracle[changed].node)
                    tree.insert(oracle[changed].node, importance: importance, age: oracle[changed].age)
                    oracle[changed].importance = importance
                }
                let problems = tree.invariantViolations()
                try #require(problems.isEmpty, "seed \(seed) step \(step): \(problems.prefix(3))")
                let expected = Self.sortedOracle(oracle)
                try #require(Self.treeOrder(tree) == expected, "seed \(seed) step \(step): order differs from the oracle")
                try #require(tree.count == oracle.count && tree.first == (expected.first ?? ImportanceTree.none))
            }
        }
    }

    @Test("a long ascending and descending run stays balanced (height within 2 log2(n + 1))")
    func balance() throws {
        var tree = try ImportanceTree()
        let n = 4000
        try tree.reserve(nodes: n + 1)
        for i in 1...n { tree.insert(UInt32(i), importance: Float(i), age: UInt64(i)) }
        func height(_ node: UInt32) -> Int { node == ImportanceTree.none ? 0 : 1 + max(height(tree.left(node)), height(tree.right(node))) }
        #expect(height(tree.root) <= 2 * 12, "height \(height(tree.root)) for \(n) ascending keys")
        for i in stride(from: n, through: 1, by: -2) { tree.remove(UInt32(i)) }
        #expect(tree.invariantViolations().isEmpty)
        #expect(tree.count == n / 2 && tree.first == 1)
    }
}
