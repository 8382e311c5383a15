// SPDX-License-Identifier: MIT
// Automatic bits with async saves: a loop that restores each step's tensors before the next
// step begins (as every backward pass does) gets the same plans and values as with sync saves.
import CDAF
import Testing
@testable import DAF

@Suite("Automatic bits with async saves")
struct AsyncPlanTests {
    /// Twelve steps of five slots of seeded data with different ranges, saved through one
    /// context sync and through another async; each step restores its tensors deepest first,
    /// reports a sensitivity per slot and releases. Returns every restored tensor, step by step.
    func run(async: Bool, seed: UInt64) -> (restored: [[Float]], plans: [[UInt32]]) {
        let context = PlanContext {
            $0.bits = DAF_BITS_AUTO; $0.avg_bits = 2.5; $0.rounding = UInt32(DAF_ROUND_NEAREST.rawValue); $0.threads = 2
        }
        var rng = SeededGenerator(seed: seed)
        let counts = (0..<5).map { _ in 16 * Int.random(in: 40...900, using: &rng) }
        var restored: [[Float]] = [], plans: [[UInt32]] = []
        for step in 0..<12 {
            let tensors = counts.enumerated().map { slot, count in
                (0..<count).map { _ in Float.random(in: -1...1, using: &rng) * Float(1 << slot) }
            }
            var handles: [daf_handle] = []
            for (slot, values) in tensors.enumerated() {
                var p = PlanContext.params { $0.slot = UInt32(slot + 1) }
                var h: daf_handle = 0
                let status = async ? daf_save_async(context.ctx, values, values.count, &p, &h)
                                   : daf_save(context.ctx, values, values.count, &p, &h)
                #expect(status == DAF_OK.rawValue, "step \(step) slot \(slot + 1): \(String(cString: daf_last_error(context.ctx)))")
                handles.append(h)
            }
            for slot in (0..<5).reversed() {
                var out = [Float](repeating: .nan, count: counts[slot])
                #expect(daf_restore_release(context.ctx, handles[slot], &out, out.count) == DAF_OK.rawValue)
                restored.append(out)
                #expect(daf_slot_set_sensitivity(context.ctx, UInt32(slot + 1), Float(5 - slot)) == DAF_OK.rawValue)
            }
            plans.append((1...5).map { context.plan(UInt32($0)).bits })
        }
        return (restored, plans)
    }

    @Test("async saves give the plans and the values of sync saves", arguments: [UInt64(3), 17, 2024])
    func asyncMatchesSync(seed: UInt64) {
        let sync = run(async: false, seed: seed), pending = run(async: true, seed: seed)
        #expect(sync.plans == pending.plans, "seed \(seed): plans \(sync.plans) vs \(pending.plans)")
        #expect(Set(sync.plans.joined()).count > 1, "seed \(seed): the plan gives the slots different widths")
        let differing = zip(sync.restored, pending.restored).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(differing.isEmpty, "seed \(seed): restored tensors differ at \(differing.prefix(5))")
    }
}
