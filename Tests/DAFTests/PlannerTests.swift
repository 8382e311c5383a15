// SPDX-License-Identifier: MIT
// The planner of automatic bits: the allocation against brute force on small random cases,
// determinism, hysteresis, the group-range measurement against a direct computation, and plans
// made through the C API under an average-bits target and a budget.
import CDAF
import Testing
@testable import DAF

/// Every assignment of one option per slot (small cases only).
private func everyAssignment(_ options: [[PlanOption]]) -> [[Int]] {
    options.reduce([[]]) { partial, slot in partial.flatMap { prefix in slot.indices.map { prefix + [$0] } } }
}

private func total(_ options: [[PlanOption]], _ pick: [Int]) -> (bytes: Int, pages: Int, error: Double) {
    pick.enumerated().reduce((0, 0, 0.0)) { t, p in
        let o = options[p.offset][p.element]
        return (t.0 + o.bytes, t.1 + o.pageBytes, t.2 + o.error)
    }
}

/// A slot's options as the planner builds them: widths 1...8 with error ~ r / (2^b - 1)^2.
private func realisticOptions(count: Int, r: Double, groupSizes: [Int]) -> [PlanOption] {
    var options: [PlanOption] = []
    for g in groupSizes {
        for b in 1...8 {
            let bytes = try! PackedLayout(count: count, bits: b, groupSize: g, nonfinite: 0).totalSize
            let levels = Double((1 << b) - 1)
            options.append(PlanOption(bits: b, groupSize: g, bytes: bytes, pageBytes: bytes,
                                      error: r * (1 + Double(g) / 4096) / (levels * levels)))
        }
    }
    return options
}

@Suite("Planner: allocation, determinism, hysteresis, measurement")
struct PlannerTests {
    @Test("the Lagrangian allocation is optimal for the bytes it spends (brute force, random cases)")
    func lagrangianIsOptimalForItsBytes() {
        for seed in UInt64(1)...300 {
            var rng = SeededGenerator(seed: seed)
            let slots = Int.random(in: 1...4, using: &rng)
            let options: [[PlanOption]] = (0..<slots).map { _ in
                (0..<Int.random(in: 1...6, using: &rng)).map { _ in
                    let bytes = Int.random(in: 10...200, using: &rng)
                    return PlanOption(bits: 1, groupSize: 16, bytes: bytes, pageBytes: bytes,
                                      error: Double.random(in: 0...100, using: &rng))
                }
            }
            let cheapest = options.reduce(0) { $0 + $1.map(\.bytes).min()! }
            let target = AllocationTarget(bytes: cheapest + Int.random(in: 0...400, using: &rng))
            let lagrangian = BitAllocator.allocate(options, target: target, lagrangianOnly: true)
            let filled = BitAllocator.allocate(options, target: target)
            let l = total(options, lagrangian), f = total(options, filled)
            let all = everyAssignment(options).map { total(options, $0) }
            let bestAtSameBytes = all.filter { $0.bytes <= l.bytes }.map(\.error).min()!
            let bestAtTarget = all.filter { $0.bytes <= target.bytes }.map(\.error).min()!
            #expect(l.error <= bestAtSameBytes * (1 + 1e-12) + 1e-12,
                    "seed \(seed): greedy \(l.error) at \(l.bytes) bytes, brute force \(bestAtSameBytes)")
            #expect(l.bytes <= target.bytes && f.bytes <= target.bytes, "seed \(seed): over the target")
            #expect(f.error <= l.error + 1e-12, "seed \(seed): the fill made it worse")
            #expect(f.error >= bestAtTarget - 1e-9, "seed \(seed): better than the optimum is impossible")
        }
    }

    @Test("on the planner's own error curves: brute force in most cases, never worse than a uniform width")
    func realisticCurvesNearOptimum() {
        var exact = 0, cases = 0
        for seed in UInt64(1)...60 {
            var rng = SeededGenerator(seed: seed)
            let options = (0..<3).map { _ in
                realisticOptions(count: Int.random(in: 1...64, using: &rng) * 256, r: Double.random(in: 0.01...100, using: &rng),
                                 groupSizes: [256, 1024])
            }
            let values = 3 * 64 * 256
            let target = AllocationTarget(bytes: Int(Double.random(in: 1.2...6, using: &rng) * Double(values) / 8))
            let pick = BitAllocator.allocate(options, target: target)
            let mine = total(options, pick)
            let all = everyAssignment(options).map { total(options, $0) }.filter { $0.bytes <= target.bytes }
            guard let best = all.map(\.error).min() else { continue }
            cases += 1
            if mine.error <= best * (1 + 1e-9) { exact += 1 }
            // Never worse than the best uniform width that fits.
            let uniform = (0..<16).compactMap { i -> Double? in
                let t = total(options, [i, i, i]); return t.bytes <= target.bytes ? t.error : nil
            }.min()
            if let uniform { #expect(mine.error <= uniform * (1 + 1e-9), "seed \(seed): \(mine.error) vs uniform \(uniform)") }
            #expect(mine.bytes <= target.bytes)
        }
        // Greedy on convex curves is exact at hull points; the fill closes most of the rest.
        #expect(Double(exact) >= 0.8 * Double(cases), "exact in \(exact) of \(cases) cases")
    }

    private func planner(average: Double = 2) -> SlotPlanner {
        var settings = PlanSettings()
        settings.averageBits = average
        return SlotPlanner(settings)
    }

    private func feed(_ p: inout SlotPlanner, slots: [(UInt32, Int, Double)], noise: Double = 0) {
        for (slot, count, r) in slots {
            let probe = GroupRangeProbe((0..<5).map { (256 << $0, r * (1 + noise) * Double(1 + $0)) })
            p.observe(slot: slot, count: count, kind: .float, automatic: true, bits: 2, groupSize: 256, importance: 0, probe: probe)
        }
    }

    @Test("the same statistics give the same plan, whatever order the slots came in")
    func deterministic() {
        let slots: [(UInt32, Int, Double)] = [(1, 4096, 1), (2, 65536, 0.1), (3, 1024, 10), (4, 16384, 1), (5, 4096, 1)]
        var a = planner(), b = planner()
        feed(&a, slots: slots)
        feed(&b, slots: slots.reversed())
        a.replan(budget: (0, 65536))
        b.replan(budget: (0, 65536))
        for (slot, _, _) in slots {
            #expect(a.plan[slot]?.bits == b.plan[slot]?.bits && a.plan[slot]?.groupSize == b.plan[slot]?.groupSize)
        }
        // Equal slots (1 and 5) get equal widths.
        #expect(a.plan[1]?.bits == a.plan[5]?.bits)
        // More range per byte, more bits.
        #expect(a.plan[3]!.bits > a.plan[2]!.bits)
    }

    @Test("widths do not flip on noise between steps, but follow a real change")
    func hysteresis() {
        var p = planner(average: 2.3)
        let slots: [(UInt32, Int, Double)] = [(1, 8192, 1), (2, 8192, 1.02), (3, 8192, 0.98), (4, 4096, 3)]
        feed(&p, slots: slots)
        p.replan(budget: (0, 65536))
        let first = slots.map { p.plan[$0.0]!.bits }
        for step in 0..<40 {
            feed(&p, slots: slots, noise: step % 2 == 0 ? 0.03 : -0.03)
            p.replan(budget: (0, 65536))
            #expect(slots.map { p.plan[$0.0]!.bits } == first, "step \(step)")
        }
        #expect(p.figures.changes == 1, "only the first plan changed anything")
        for _ in 0..<20 { feed(&p, slots: [(4, 4096, 0.0001)]) }
        p.replan(budget: (0, 65536))
        #expect(p.plan[4]!.bits < first[3], "slot 4 lost its range: it must lose bits")
    }

    @Test("the group-range probe equals a direct computation, merged sizes included")
    func probeMatchesDirectSums() throws {
        for seed in UInt64(1)...20 {
            var rng = SeededGenerator(seed: seed)
            let count = Int.random(in: 1...20000, using: &rng)
            let values = DataShape.normal.values(count: count, rng: &rng)
            let spec = try QuantSpec(bits: UInt32.random(in: 1...8, using: &rng), groupSize: 256, rounding: 0, seed: 0)
            let blob = try pack(values, spec, kernels: .simd)
            let probe = try #require(blob.withUnsafeBytes { GroupRangeProbe($0.baseAddress!, size: blob.count) })
            for (groupSize, measured) in probe.rangeSquaresPerValue {
                var sum = 0.0
                for start in stride(from: 0, to: count, by: groupSize) {
                    let group = values[start..<min(start + groupSize, count)]
                    let range = Double(group.max()!) - Double(group.min()!)
                    sum += Double(group.count) * range * range
                }
                let direct = sum / Double(count)
                #expect(abs(measured - direct) <= 1e-4 * direct + 1e-12, "seed \(seed) G \(groupSize): \(measured) vs \(direct)")
            }
        }
    }
}
