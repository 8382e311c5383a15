// SPDX-License-Identifier: MIT
// Kinds and slots through the C API: masks and small integers round-trip exactly on random data
// from every input type, companding keeps small non-negative values, kinds survive degrade and
// spill, automatic saves follow the plan and its targets, and every bad argument of the new
// calls gets its status. 0.1.0-sized structs still work beside the grown ones.
import CDAF
import Glibc
import Testing
@testable import DAF

/// A context whose options use this header's whole struct (the new fields included).
final class PlanContext: @unchecked Sendable {
    let ctx: OpaquePointer

    init(_ configure: (inout daf_options) -> Void = { _ in }) {
        var options = daf_options()
        precondition(daf_options_init_sized(&options, MemoryLayout<daf_options>.size) == 0)
        configure(&options)
        var ctx: OpaquePointer?
        precondition(daf_create(&options, &ctx) == 0, "daf_create: \(String(cString: daf_last_error(nil)))")
        self.ctx = ctx!
    }

    deinit { _ = daf_destroy(ctx) }

    static func params(_ configure: (inout daf_save_params) -> Void = { _ in }) -> daf_save_params {
        var p = daf_save_params()
        precondition(daf_save_params_init_sized(&p, MemoryLayout<daf_save_params>.size) == 0)
        configure(&p)
        return p
    }

    func save<T>(_ values: [T], dtype: daf_dtype, _ configure: (inout daf_save_params) -> Void = { _ in }) -> (Int32, daf_handle) {
        var p = PlanContext.params(configure)
        var handle: daf_handle = 0
        let status = values.withUnsafeBytes { daf_save_typed(ctx, $0.baseAddress, values.count, dtype.rawValue, &p, &handle) }
        return (status, handle)
    }

    func restore<T>(_ handle: daf_handle, count: Int, dtype: daf_dtype, fill: T) -> (Int32, [T]) {
        var out = [T](repeating: fill, count: count)
        let status = out.withUnsafeMutableBytes { daf_restore_typed(ctx, handle, $0.baseAddress, count, dtype.rawValue) }
        return (status, out)
    }

    var stats: daf_context_statistics { contextStats(ctx) }

    func plan(_ slot: UInt32) -> daf_slot_plan_information {
        var info = daf_slot_plan_information()
        info.struct_size = UInt32(MemoryLayout<daf_slot_plan_information>.size)
        precondition(daf_slot_plan(ctx, slot, &info) == 0, String(cString: daf_last_error(ctx)))
        return info
    }
}

@Suite("Kinds and slots through the C API")
struct KindAndSlotTests {
    @Test("masks round-trip exactly from uint8, int32 and float input, to every output type")
    func masksExact() {
        let context = PlanContext()
        for seed in UInt64(1)...12 {
            var rng = SeededGenerator(seed: seed)
            let count = Int.random(in: 0...5000, using: &rng)
            let bits = (0..<count).map { _ in UInt8.random(in: 0...1, using: &rng) }
            let raw = bits.map { $0 == 0 ? UInt8(0) : UInt8.random(in: 1...255, using: &rng) }
            let inputs: [(Int32, daf_handle)] = [
                context.save(raw, dtype: DAF_DTYPE_UINT8) { $0.kind = DAF_KIND_MASK.rawValue },
                context.save(raw.map { Int32($0) * 77 }, dtype: DAF_DTYPE_INT32) { $0.kind = DAF_KIND_MASK.rawValue },
                context.save(bits.map { Float($0) }, dtype: DAF_DTYPE_FLOAT32) { $0.kind = DAF_KIND_MASK.rawValue },
            ]
            for (status, handle) in inputs {
                #expect(status == 0, "seed \(seed): \(String(cString: daf_last_error(context.ctx)))")
                let (s8, u8) = context.restore(handle, count: count, dtype: DAF_DTYPE_UINT8, fill: UInt8(9))
                let (s32, i32) = context.restore(handle, count: count, dtype: DAF_DTYPE_INT32, fill: Int32(9))
                let (sf, f) = context.restore(handle, count: count, dtype: DAF_DTYPE_FLOAT32, fill: Float.nan)
                #expect(s8 == 0 && s32 == 0 && sf == 0)
                #expect(u8 == bits, "seed \(seed): first mismatch at \(String(describing: u8.indices.first { u8[$0] != bits[$0] }))")
                #expect(i32 == bits.map { Int32($0) } && f == bits.map { Float($0) })
                var info = daf_handle_information()
                info.struct_size = UInt32(MemoryLayout<daf_handle_information>.size)
                #expect(daf_handle_info(context.ctx, handle, &info) == 0 && info.bits == 1)
                #expect(daf_release(context.ctx, handle) == 0)
            }
        }
    }

    @Test("integers in a declared range round-trip exactly in the fewest bits")
    func integersExact() {
        let context = PlanContext { $0.rounding = UInt32(DAF_ROUND_STOCHASTIC.rawValue) } // exact kinds ignore it
        for seed in UInt64(1)...40 {
            var rng = SeededGenerator(seed: seed)
            let count = Int.random(in: 1...9000, using: &rng)
            let span = Int32.random(in: 0...255, using: &rng)
            let low = Int32.random(in: -1_000_000_000...1_000_000_000, using: &rng)
            let values = (0..<count).map { _ in low + Int32.random(in: 0...span, using: &rng) }
            let (status, handle) = context.save(values, dtype: DAF_DTYPE_INT32) {
                $0.kind = DAF_KIND_INTEGER.rawValue
                $0.int_min = low
                $0.int_max = low + span
            }
            #expect(status == 0, "seed \(seed): \(String(cString: daf_last_error(context.ctx)))")
            let (s, back) = context.restore(handle, count: count, dtype: DAF_DTYPE_INT32, fill: Int32(0))
            #expect(s == 0 && back == values, "seed \(seed) span \(span): first mismatch at \(String(describing: back.indices.first { back[$0] != values[$0] }))")
            let expectedBits = span == 0 ? 1 : (32 - UInt32(span).leadingZeroBitCount)
            var info = daf_handle_information()
            info.struct_size = UInt32(MemoryLayout<daf_handle_information>.size)
            #expect(daf_handle_info(context.ctx, handle, &info) == 0 && Int(info.bits) == expectedBits, "span \(span): \(info.bits) bits")
            _ = daf_release(context.ctx, handle)
        }
        // uint8 input, a small range, restored as floats (the values themselves).
        let small: [UInt8] = (0..<1000).map { UInt8(3 + $0 % 10) }
        let (status, handle) = context.save(small, dtype: DAF_DTYPE_UINT8) {
            $0.kind = DAF_KIND_INTEGER.rawValue; $0.int_min = 3; $0.int_max = 12
        }
        #expect(status == 0)
        let (s, f) = context.restore(handle, count: small.count, dtype: DAF_DTYPE_FLOAT32, fill: Float.nan)
        #expect(s == 0 && f == small.map { Float($0) })
    }

    @Test("non-negative companding: small values keep their relative size; zeros and NaN stay exact")
    func nonnegativeCompanding() {
        // Nearest rounding: the bias companding removes (stochastic rounding has none to remove).
        let context = PlanContext { $0.rounding = UInt32(DAF_ROUND_NEAREST.rawValue) }
        var rng = SeededGenerator(seed: 7)
        // A softmax-like row: one large value, the rest small.
        var values = (0..<4096).map { _ in Float.random(in: 0...0.01, using: &rng) }
        for i in stride(from: 0, to: values.count, by: 256) { values[i] = 0.9 }
        values[5] = 0
        values[7] = .nan
        let plain = context.save(values, dtype: DAF_DTYPE_FLOAT32) { $0.bits = 4 }
        let companded = context.save(values, dtype: DAF_DTYPE_FLOAT32) { $0.bits = 4; $0.kind = DAF_KIND_NONNEGATIVE.rawValue }
        let (_, a) = context.restore(plain.1, count: values.count, dtype: DAF_DTYPE_FLOAT32, fill: Float.nan)
        let (_, b) = context.restore(companded.1, count: values.count, dtype: DAF_DTYPE_FLOAT32, fill: Float.nan)
        func meanSmall(_ v: [Float]) -> Double {
            let small = values.indices.filter { values[$0] < 0.1 && values[$0].isFinite }
            return small.reduce(0.0) { $0 + Double(v[$1]) } / Double(small.count)
        }
        let truth = meanSmall(values)
        #expect(abs(meanSmall(b) - truth) < abs(meanSmall(a) - truth) / 4, "companded \(meanSmall(b)), plain \(meanSmall(a)), true \(truth)")
        #expect(b[5] == 0 && b[7].isNaN)
        // A range restore applies the same expansion.
        var part = [Float](repeating: 0, count: 100)
        #expect(daf_restore_range(context.ctx, companded.1, 1000, 100, &part) == 0)
        #expect(part == Array(b[1000..<1100]))
    }

    @Test("non-negative: a ReLU's zeros and non-zeros come back exactly at every width and rounding")
    func reluMaskExact() {
        for rounding in [DAF_ROUND_NEAREST, DAF_ROUND_STOCHASTIC] {
            let context = PlanContext { $0.rounding = UInt32(rounding.rawValue) }
            for seed in UInt64(1)...8 {
                var rng = SeededGenerator(seed: seed)
                let count = Int.random(in: 1...6000, using: &rng)
                let values = DataShape.relu.values(count: count, rng: &rng).map { $0 * $0 * $0 } // many tiny positives
                for bits in UInt32(1)...8 {
                    let (status, handle) = context.save(values, dtype: DAF_DTYPE_FLOAT32) {
                        $0.bits = bits; $0.kind = DAF_KIND_NONNEGATIVE.rawValue
                    }
                    let (s, back) = context.restore(handle, count: count, dtype: DAF_DTYPE_FLOAT32, fill: Float.nan)
                    #expect(status == 0 && s == 0)
                    let flipped = values.indices.filter { (values[$0] > 0) != (back[$0] > 0) }
                    #expect(flipped.isEmpty, "seed \(seed), \(bits) bits, rounding \(rounding.rawValue): \(flipped.count) masks flipped, first \(flipped.prefix(3).map { (values[$0], back[$0]) })")
                    _ = daf_release(context.ctx, handle)
                }
            }
        }
    }

    @Test("non-negative at 1 bit: zeros exact, each positive value back as its group's mean of positives, the sum kept",
          arguments: [DAF_ROUND_NEAREST, DAF_ROUND_STOCHASTIC])
    func oneBitMeanLevel(rounding: daf_rounding) {
        let group = 256
        let context = PlanContext { ($0.rounding, $0.group_size) = (UInt32(rounding.rawValue), UInt32(group)) }
        for seed in UInt64(1)...6 {
            var rng = SeededGenerator(seed: seed)
            let count = Int.random(in: 1...5000, using: &rng)
            var values = DataShape.relu.values(count: count, rng: &rng).map { $0 * Float.random(in: 0.5...40, using: &rng) }
            let negativeGroup = count > group ? 1 : nil
            if let g = negativeGroup { values[g * group + 3] = -0.25 } // this group keeps its min/max levels
            let (status, handle) = context.save(values, dtype: DAF_DTYPE_FLOAT32) { $0.bits = 1; $0.kind = DAF_KIND_NONNEGATIVE.rawValue }
            let (s, back) = context.restore(handle, count: count, dtype: DAF_DTYPE_FLOAT32, fill: Float.nan)
            #expect(status == 0 && s == 0)
            var flips = 0
            for start in stride(from: 0, to: count, by: group) {
                let range = start..<min(count, start + group)
                let positives = range.filter { values[$0] > 0 }
                guard !positives.isEmpty, start / group != negativeGroup else { continue }
                let mean = positives.reduce(0.0) { $0 + Double(values[$1]) } / Double(positives.count)
                flips += range.filter { (values[$0] > 0) != (back[$0] > 0) }.count
                let off = positives.filter { back[$0] > 0 && abs(Double(back[$0]) / mean - 1) > 1e-5 }
                #expect(off.isEmpty, "seed \(seed), group at \(start): \(off.count) positives not at the mean \(mean), e.g. \(off.prefix(2).map { back[$0] })")
            }
            // As at the maximum before: stochastic rounding may drop a value at the top level.
            #expect(flips <= (rounding == DAF_ROUND_STOCHASTIC ? 2 : 0), "seed \(seed): \(flips) zero/non-zero flips")
            if let g = negativeGroup {
                let range = g * group..<min(count, (g + 1) * group)
                let top = range.map { back[$0] }.max()!, truth = range.map { values[$0] }.max()!
                #expect(abs(top / truth - 1) < 1e-3, "a group with a negative value keeps its maximum level: \(top) vs \(truth)")
            }
            _ = daf_release(context.ctx, handle)
        }
    }

    @Test("kinds survive degrade and spill: exact kinds are not degraded, non-negative stays companded")
    func kindsUnderEviction() throws {
        for policy in [DAF_POLICY_DEGRADE, DAF_POLICY_SPILL] {
            let context = PlanContext {
                $0.policy = UInt32(policy.rawValue)
                $0.page_size = 4096
                $0.bits = 8
                $0.rounding = UInt32(DAF_ROUND_NEAREST.rawValue) // the half-step bound below
            }
            var rng = SeededGenerator(seed: 3)
            let ints = (0..<50_000).map { _ in Int32.random(in: 0...15, using: &rng) }
            let positives = (0..<50_000).map { _ in Float.random(in: 0...1, using: &rng) }
            let i = context.save(ints, dtype: DAF_DTYPE_INT32) { $0.kind = DAF_KIND_INTEGER.rawValue; $0.int_max = 15 }
            let p = context.save(positives, dtype: DAF_DTYPE_FLOAT32) { $0.kind = DAF_KIND_NONNEGATIVE.rawValue }
            #expect(i.0 == 0 && p.0 == 0)
            // Squeeze: a budget below both blobs forces eviction of one or both.
            let live = context.stats.live_packed_bytes
            _ = daf_set_budget(context.ctx, live / 2)
            let s = context.stats
            #expect(s.evictions_degrade + s.evictions_spill > 0, "policy \(policy.rawValue): nothing was evicted")
            let (si, backInts) = context.restore(i.1, count: ints.count, dtype: DAF_DTYPE_INT32, fill: Int32(-1))
            #expect(si == 0 && backInts == ints, "policy \(policy.rawValue): integers changed")
            let (sp, backPos) = context.restore(p.1, count: positives.count, dtype: DAF_DTYPE_FLOAT32, fill: Float.nan)
            #expect(sp == 0)
            var info = daf_handle_information()
            info.struct_size = UInt32(MemoryLayout<daf_handle_information>.size)
            #expect(daf_handle_info(context.ctx, p.1, &info) == 0)
            // Nearest rounding in the sqrt domain: within half a step of sqrt(x) at the entry's width now.
            let halfStep = 0.5 / Float((1 << info.bits) - 1) + 1e-5
            let worst = zip(backPos, positives).map { abs($0.squareRoot() - $1.squareRoot()) }.max()!
            #expect(worst <= halfStep, "policy \(policy.rawValue), \(info.bits) bits: sqrt-domain error \(worst)")
            #expect(backPos.allSatisfy { $0 >= 0 }, "companded values came back negative")
        }
    }

    @Test("automatic bits: the plan meets the average target, gives range-heavy slots more bits, reports itself")
    func automaticSavesFollowThePlan() {
        let context = PlanContext {
            $0.avg_bits = 2.5
            $0.bits = DAF_BITS_AUTO
        }
        var rng = SeededGenerator(seed: 11)
        let counts = [16384, 65536, 4096, 32768]
        let scales: [Float] = [1, 0.01, 10, 1]
        for step in 0..<6 {
            var handles: [daf_handle] = []
            for slot in 1...4 {
                let values = (0..<counts[slot - 1]).map { _ in Float.random(in: -1...1, using: &rng) * scales[slot - 1] }
                let (status, handle) = context.save(values, dtype: DAF_DTYPE_FLOAT32) { $0.slot = UInt32(slot) }
                #expect(status == 0, "step \(step) slot \(slot): \(String(cString: daf_last_error(context.ctx)))")
                handles.append(handle)
            }
            #expect(daf_slot_set_sensitivity(context.ctx, 2, 1) == 0)
            for h in handles { _ = daf_release(context.ctx, h) }
        }
        let plans = (1...4).map { context.plan(UInt32($0)) }
        let bytes = plans.reduce(0) { $0 + Int($1.bytes) }
        let values = counts.reduce(0, +)
        #expect(Double(bytes) * 8 <= 2.5 * Double(values), "plan takes \(bytes) bytes for \(values) values")
        #expect(Double(bytes) * 8 >= 2.0 * Double(values), "plan leaves the target unused: \(bytes) bytes")
        #expect(plans[2].bits > plans[1].bits, "the slot with 1000x the range got \(plans[2].bits) vs \(plans[1].bits) bits")
        #expect(plans.allSatisfy { $0.automatic == 1 && $0.saves == 6 && $0.predicted_error > 0 })
        let s = context.stats
        #expect(s.plans >= 5 && s.plan_bytes == UInt64(bytes) && s.plan_target_bytes > 0)
        #expect(s.plan_nanoseconds > 0)
        #expect(daf_plan_update(context.ctx) == 0)
    }

    /// `steps` steps of slots 1...6, each `count(step)` uniform values scaled by the slot, saved
    /// with automatic bits and released at the step's end.
    private func saveSixSlots(_ context: PlanContext, steps: Int, seed: UInt64, count: (Int) -> Int) {
        var rng = SeededGenerator(seed: seed)
        for step in 0..<steps {
            var handles: [daf_handle] = []
            for slot in UInt32(1)...6 {
                let values = (0..<count(step)).map { _ in Float.random(in: -1...1, using: &rng) * Float(slot) }
                let (status, handle) = context.save(values, dtype: DAF_DTYPE_FLOAT32) { $0.slot = slot }
                #expect(status == 0)
                handles.append(handle)
            }
            for h in handles { _ = daf_release(context.ctx, h) }
        }
    }

    @Test("with a budget, the plan fits the step's saves before eviction has to act")
    func budgetIsPlannedFor() {
        let budget: UInt64 = 400 << 10
        let context = PlanContext {
            $0.budget_bytes = budget
            $0.page_size = 4096
            $0.policy = UInt32(DAF_POLICY_DEGRADE.rawValue)
            $0.bits = DAF_BITS_AUTO
        }
        saveSixSlots(context, steps: 8, seed: 5) { _ in 120_000 }
        let s = context.stats
        // 720k values into 400 KiB: about 4.5 bits each at most; eviction acted in the first step only.
        #expect(s.evictions_after_plan == 0, "evictions after planning: \(s.evictions_after_plan)")
        #expect(s.peak_packed_bytes <= budget)
        #expect(s.plan_target_bytes > 0 && s.plan_target_bytes <= budget)
    }

    @Test("one short step (an epoch's smaller last batch) does not shrink the next plan below the budget's need")
    func shortStepKeepsThePlanSized() {
        let budget: UInt64 = 400 << 10
        let context = PlanContext {
            ($0.budget_bytes, $0.page_size, $0.policy, $0.bits) = (budget, 4096, UInt32(DAF_POLICY_DEGRADE.rawValue), DAF_BITS_AUTO)
        }
        saveSixSlots(context, steps: 10, seed: 6) { step in step == 5 ? 40_000 : 120_000 } // step 5 is short
        let s = context.stats
        #expect(s.evictions_after_plan == 0, "evictions after planning: \(s.evictions_after_plan)")
        #expect(context.plan(1).count == 120_000)
    }

    @Test("with avg_bits and a policy that loses nothing (spill), a budget moves bytes, not widths")
    func exactPolicyBudgetKeepsThePlan() throws {
        let spill = SpillDirectory()
        defer { #expect(spill.removeEmpty()) }
        let directory = strdup(spill.path)
        defer { free(directory) }
        let budget: UInt64 = 48 << 10
        do {
            let budgeted = PlanContext {
                ($0.budget_bytes, $0.page_size, $0.policy) = (budget, 4096, UInt32(DAF_POLICY_SPILL.rawValue))
                ($0.bits, $0.avg_bits, $0.spill_dir) = (DAF_BITS_AUTO, 3, UnsafePointer(directory))
            }
            let unbudgeted = PlanContext { ($0.bits, $0.avg_bits) = (DAF_BITS_AUTO, 3) }
            var rng = SeededGenerator(seed: 9)
            for _ in 0..<6 {
                var saved: [(daf_handle, daf_handle, Int)] = []
                for slot in UInt32(1)...4 {
                    let count = 40_000 + Int(slot) * 997
                    let values = (0..<count).map { _ in Float.random(in: -1...1, using: &rng) * Float(slot * slot) }
                    let (s1, h1) = budgeted.save(values, dtype: DAF_DTYPE_FLOAT32) { $0.slot = slot }
                    let (s2, h2) = unbudgeted.save(values, dtype: DAF_DTYPE_FLOAT32) { $0.slot = slot }
                    try #require(s1 == 0 && s2 == 0, "\(String(cString: daf_last_error(budgeted.ctx)))")
                    saved.append((h1, h2, count))
                }
                for (h1, h2, count) in saved.reversed() {
                    let a = budgeted.restore(h1, count: count, dtype: DAF_DTYPE_FLOAT32, fill: Float.nan)
                    let b = unbudgeted.restore(h2, count: count, dtype: DAF_DTYPE_FLOAT32, fill: Float.nan)
                    #expect(a.0 == 0 && b.0 == 0 && a.1.map(\.bitPattern) == b.1.map(\.bitPattern))
                    _ = daf_release(budgeted.ctx, h1)
                    _ = daf_release(unbudgeted.ctx, h2)
                }
            }
            let s = budgeted.stats, u = unbudgeted.stats
            #expect(s.plan_target_bytes == u.plan_target_bytes && s.plan_target_bytes > budget)
            #expect(s.evictions_spill > 0 && s.pool_peak_capacity_bytes <= budget)
            #expect((1...4).allSatisfy { budgeted.plan(UInt32($0)).bits == unbudgeted.plan(UInt32($0)).bits })
        }
    }

    @Test("bad arguments of the new calls get their statuses and a detail message")
    func badArguments() {
        let context = PlanContext()
        let ctx = context.ctx
        func expect(_ got: Int32, _ expected: daf_status, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(got == expected.rawValue, "\(what): got \(got)", sourceLocation: sourceLocation)
            if expected != DAF_OK {
                #expect(!String(cString: daf_last_error(what.contains("NULL ctx") ? nil : ctx)).isEmpty, "\(what): no detail",
                        sourceLocation: sourceLocation)
            }
        }
        var handle: daf_handle = 7
        var p = PlanContext.params()
        let floats: [Float] = [0, 1, 2, 3]
        expect(daf_save_typed(nil, floats, 4, 0, &p, &handle), DAF_E_INVALID_CONTEXT, "NULL ctx")
        #expect(handle == 0)
        expect(daf_save_typed(ctx, nil, 4, 0, &p, &handle), DAF_E_NULL_ARGUMENT, "NULL src")
        expect(daf_save_typed(ctx, floats, -1, 0, &p, &handle), DAF_E_OVERFLOW, "SIZE_MAX count")
        expect(daf_save_typed(ctx, floats, 4, 3, &p, &handle), DAF_E_INVALID_ARGUMENT, "dtype 3")
        expect(daf_save_typed(ctx, floats, 4, 1, &p, &handle), DAF_E_INVALID_ARGUMENT, "uint8 input for a float kind")
        floats.withUnsafeBytes { raw in
            expect(daf_save_typed(ctx, raw.baseAddress! + 1, 2, 2, &p, &handle), DAF_E_MISALIGNED, "misaligned int32")
        }
        p.kind = 9
        expect(daf_save_typed(ctx, floats, 4, 0, &p, &handle), DAF_E_INVALID_ARGUMENT, "kind 9")
        p.kind = DAF_KIND_INTEGER.rawValue
        p.int_min = 5; p.int_max = 4
        expect(daf_save_typed(ctx, floats, 4, 0, &p, &handle), DAF_E_INVALID_ARGUMENT, "int_min > int_max")
        p.int_min = -200; p.int_max = 100
        expect(daf_save_typed(ctx, floats, 4, 0, &p, &handle), DAF_E_INVALID_ARGUMENT, "range wider than 255")
        p.int_min = 1; p.int_max = 3
        expect(daf_save_typed(ctx, floats, 4, 0, &p, &handle), DAF_E_INVALID_ARGUMENT, "0 outside [1, 3]")
        expect(daf_save_typed(ctx, [Float(1.5)], 1, 0, &p, &handle), DAF_E_INVALID_ARGUMENT, "1.5 is no integer")
        p.kind = DAF_KIND_MASK.rawValue
        expect(daf_save_typed(ctx, floats, 4, 0, &p, &handle), DAF_E_INVALID_ARGUMENT, "2 in a float mask")
        p = PlanContext.params { $0.bits = 9 }
        expect(daf_save_typed(ctx, floats, 4, 0, &p, &handle), DAF_E_INVALID_ARGUMENT, "bits 9")
        p = PlanContext.params()
        expect(daf_save_typed(ctx, floats, 4, 0, &p, nil), DAF_E_NULL_ARGUMENT, "NULL out_handle")
        expect(daf_save_typed(ctx, floats, 4, 0, &p, &handle), DAF_OK, "a good save")
        var u8 = [UInt8](repeating: 0, count: 4)
        expect(daf_restore_typed(nil, handle, &u8, 4, 1), DAF_E_INVALID_CONTEXT, "restore NULL ctx")
        expect(daf_restore_typed(ctx, 0, &u8, 4, 1), DAF_E_UNKNOWN_HANDLE, "handle 0")
        expect(daf_restore_typed(ctx, handle, nil, 4, 1), DAF_E_NULL_ARGUMENT, "NULL dst")
        expect(daf_restore_typed(ctx, handle, &u8, 4, 7), DAF_E_INVALID_ARGUMENT, "dtype 7")
        expect(daf_restore_typed(ctx, handle, &u8, 4, 1), DAF_E_INVALID_ARGUMENT, "uint8 out of a float entry")
        u8.withUnsafeMutableBytes { raw in
            expect(daf_restore_typed(ctx, handle, raw.baseAddress! + 1, 3, 0), DAF_E_MISALIGNED, "float out, 1-byte aligned")
        }
        var f = [Float](repeating: 0, count: 4)
        expect(daf_restore_typed(ctx, handle, &f, 3, 0), DAF_E_SIZE_MISMATCH, "count 3")
        expect(daf_slot_set_sensitivity(nil, 1, 1), DAF_E_INVALID_CONTEXT, "sensitivity NULL ctx")
        expect(daf_slot_set_sensitivity(ctx, 0, 1), DAF_E_INVALID_ARGUMENT, "slot 0")
        expect(daf_slot_set_sensitivity(ctx, 1, -1), DAF_E_INVALID_ARGUMENT, "negative")
        expect(daf_slot_set_sensitivity(ctx, 1, .nan), DAF_E_INVALID_ARGUMENT, "NaN")
        expect(daf_slot_set_sensitivity(ctx, 1, .infinity), DAF_E_INVALID_ARGUMENT, "Inf")
        expect(daf_plan_update(nil), DAF_E_INVALID_CONTEXT, "plan NULL ctx")
        var info = daf_slot_plan_information()
        info.struct_size = UInt32(MemoryLayout<daf_slot_plan_information>.size)
        expect(daf_slot_plan(nil, 1, &info), DAF_E_INVALID_CONTEXT, "slot_plan NULL ctx")
        expect(daf_slot_plan(ctx, 0, &info), DAF_E_INVALID_ARGUMENT, "slot_plan slot 0")
        expect(daf_slot_plan(ctx, 1, nil), DAF_E_NULL_ARGUMENT, "slot_plan NULL info")
        expect(daf_slot_plan(ctx, 12345, &info), DAF_E_INVALID_ARGUMENT, "a slot never saved")
        info.struct_size = 12
        p = PlanContext.params { $0.slot = 3 }
        expect(daf_save_typed(ctx, floats, 4, 0, &p, &handle), DAF_OK, "a save of slot 3")
        expect(daf_slot_plan(ctx, 3, &info), DAF_E_STRUCT_SIZE, "struct_size 12")
        // Options: the planner's fields are checked too.
        for (what, configure) in [("avg_bits NaN", { (o: inout daf_options) in o.avg_bits = .nan }),
                                  ("avg_bits -1", { (o: inout daf_options) in o.avg_bits = -1 }),
                                  ("min_bits 0", { (o: inout daf_options) in o.min_bits = 0 }),
                                  ("max_bits < min_bits", { (o: inout daf_options) in o.min_bits = 4; o.max_bits = 3 }),
                                  ("plan_flags 2", { (o: inout daf_options) in o.plan_flags = 2 }),
                                  ("bits 254", { (o: inout daf_options) in o.bits = 254 })] {
            var o = daf_options()
            _ = daf_options_init_sized(&o, MemoryLayout<daf_options>.size)
            configure(&o)
            var c: OpaquePointer?
            #expect(daf_create(&o, &c) == DAF_E_INVALID_ARGUMENT.rawValue, "\(what)")
            #expect(c == nil)
        }
    }

    @Test("0.1.0-sized structs still work: old save params mean slot 0 and float kind")
    func oldStructSizes() {
        let context = PlanContext { $0.bits = DAF_BITS_AUTO; $0.avg_bits = 3 }
        var p = PlanContext.params { $0.slot = 99; $0.kind = 77 } // beyond an old struct: never read
        p.struct_size = UInt32(StructLayouts.saveParams.oldest)
        var handle: daf_handle = 0
        let values = (0..<1000).map { Float($0) }
        #expect(daf_save(context.ctx, values, values.count, &p, &handle) == 0)
        var info = daf_slot_plan_information()
        info.struct_size = UInt32(MemoryLayout<daf_slot_plan_information>.size)
        #expect(daf_slot_plan(context.ctx, 99, &info) == DAF_E_INVALID_ARGUMENT.rawValue, "slot 99 came from bytes an old struct lacks")
        var s = daf_context_statistics()
        s.struct_size = UInt32(StructLayouts.contextStats.oldest)
        #expect(daf_stats(context.ctx, &s) == 0 && s.saves == 1)
        var o = daf_options()
        #expect(daf_options_init(&o) == 0 && o.struct_size == UInt32(StructLayouts.options.oldest))
        o.avg_bits = .nan // beyond the 0.1.0 struct: ignored
        var c: OpaquePointer?
        #expect(daf_create(&o, &c) == 0)
        _ = daf_destroy(c)
    }
}
