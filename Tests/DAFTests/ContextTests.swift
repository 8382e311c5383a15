// SPDX-License-Identifier: MIT
// Activation save/restore through the C API: handles (zero, stale, released, foreign), stats,
// per-save bit widths, range restores, destroyed contexts, and threads racing on one context.
import CDAF
import Dispatch
import Testing
@testable import DAF

/// A context for one test, destroyed at the end.
final class TestContext: @unchecked Sendable {
    let ctx: OpaquePointer

    init(bits: UInt32 = 2, rounding: daf_rounding = DAF_ROUND_NEAREST, configure: (inout daf_options) -> Void = { _ in }) {
        var options = daf_options()
        _ = daf_options_init(&options)
        options.bits = bits
        options.rounding = UInt32(rounding.rawValue)
        configure(&options)
        var ctx: OpaquePointer?
        precondition(daf_create(&options, &ctx) == 0, "daf_create: \(String(cString: daf_last_error(nil)))")
        self.ctx = ctx!
    }

    deinit { _ = daf_destroy(ctx) }

    func save(_ values: [Float], bits: UInt32 = 0, importance: Float = 0,
              recompute: daf_recompute_fn? = nil, user: UnsafeMutableRawPointer? = nil) -> (Int32, daf_handle) {
        var params = daf_save_params()
        _ = daf_save_params_init(&params)
        params.bits = bits
        params.importance = importance
        params.recompute = recompute
        params.recompute_user = user
        var handle: daf_handle = 0
        let status = daf_save(ctx, values, values.count, &params, &handle)
        return (status, handle)
    }

    func restore(_ handle: daf_handle, count: Int) -> (Int32, [Float]) {
        var out = [Float](repeating: .nan, count: count)
        let status = daf_restore(ctx, handle, &out, count)
        return (status, out)
    }

    var stats: daf_context_statistics { contextStats(ctx) }
}

/// daf_stats of a live context, with this header's whole struct.
func contextStats(_ ctx: OpaquePointer) -> daf_context_statistics {
    var s = daf_context_statistics()
    s.struct_size = UInt32(MemoryLayout<daf_context_statistics>.size)
    precondition(daf_stats(ctx, &s) == 0)
    return s
}

@Suite("Context save/restore")
struct ContextTests {
    @Test("round trip within the bound, per-save bits, stats follow")
    func roundTrip() {
        let context = TestContext()
        var rng = SeededGenerator(seed: 11)
        let values = DataShape.withNonfinite.values(count: 10_007, rng: &rng)
        var errors: [UInt32: Float] = [:]
        var handles: [daf_handle] = []
        for bits: UInt32 in [0, 1, 4, 8] {
            let (status, handle) = context.save(values, bits: bits)
            #expect(status == 0 && handle != 0)
            handles.append(handle)
            let (restored, back) = context.restore(handle, count: values.count)
            #expect(restored == 0)
            var worst: Float = 0
            for (x, y) in zip(values, back) {
                if x.isFinite { worst = max(worst, abs(x - y)) } else { #expect(sameBits(x, y)) }
            }
            errors[bits] = worst
        }
        #expect(errors[8]! < errors[4]! && errors[4]! < errors[0]! && errors[0]! < errors[1]!, "error falls with bits: \(errors)")
        let s = context.stats
        #expect(s.live_entries == 4 && s.saves == 4 && s.restores == 4)
        #expect(s.live_fp32_bytes == UInt64(4 * values.count * 4))
        let peak = s.live_packed_bytes
        for handle in handles { #expect(daf_release(context.ctx, handle) == 0) }
        let after = context.stats
        #expect(after.live_entries == 0 && after.live_packed_bytes == 0 && after.live_fp32_bytes == 0)
        #expect(after.peak_packed_bytes == peak && after.releases == 4)
    }

    @Test("handles: zero, released, double-released, foreign and made-up are unknown")
    func handles() {
        let a = TestContext(), b = TestContext()
        let values = [Float](repeating: 1.5, count: 100)
        let (_, h) = a.save(values)
        var out = [Float](repeating: 0, count: 100)
        #expect(daf_restore(a.ctx, 0, &out, 100) == DAF_E_UNKNOWN_HANDLE.rawValue)
        #expect(daf_restore(b.ctx, h, &out, 100) == DAF_E_UNKNOWN_HANDLE.rawValue, "another context's handle")
        #expect(daf_restore(a.ctx, h &+ 1_000_000, &out, 100) == DAF_E_UNKNOWN_HANDLE.rawValue)
        #expect(!String(cString: daf_last_error(a.ctx)).isEmpty)
        #expect(daf_restore(a.ctx, h, &out, 99) == DAF_E_SIZE_MISMATCH.rawValue)
        #expect(daf_set_importance(a.ctx, h, .nan) == DAF_E_INVALID_ARGUMENT.rawValue)
        #expect(daf_set_importance(a.ctx, h, 3) == 0)
        #expect(daf_release(a.ctx, h) == 0)
        #expect(daf_release(a.ctx, h) == DAF_E_UNKNOWN_HANDLE.rawValue, "double release")
        #expect(daf_restore(a.ctx, h, &out, 100) == DAF_E_UNKNOWN_HANDLE.rawValue, "released")
        #expect(daf_set_importance(a.ctx, h, 1) == DAF_E_UNKNOWN_HANDLE.rawValue)
        let (_, h2) = a.save(values)
        #expect(h2 != h, "handles are never reused")
    }

    @Test("bad save arguments")
    func saveArguments() {
        let c = TestContext()
        let values = [Float](repeating: 2, count: 64)
        var handle: daf_handle = 99
        var params = daf_save_params()
        _ = daf_save_params_init(&params)
        #expect(daf_save(c.ctx, values, 64, &params, nil) == DAF_E_NULL_ARGUMENT.rawValue)
        #expect(daf_save(c.ctx, nil, 64, &params, &handle) == DAF_E_NULL_ARGUMENT.rawValue)
        #expect(handle == 0, "out_handle is 0 on failure")
        #expect(daf_save(c.ctx, values, Int(bitPattern: UInt.max), &params, &handle) == DAF_E_OVERFLOW.rawValue)
        params.bits = 9
        #expect(daf_save(c.ctx, values, 64, &params, &handle) == DAF_E_INVALID_ARGUMENT.rawValue)
        params.bits = 0
        params.importance = .infinity
        #expect(daf_save(c.ctx, values, 64, &params, &handle) == DAF_E_INVALID_ARGUMENT.rawValue)
        params.importance = 0
        params.struct_size = 4
        #expect(daf_save(c.ctx, values, 64, &params, &handle) == DAF_E_STRUCT_SIZE.rawValue)
        #expect(daf_save(c.ctx, values, 64, nil, &handle) == 0, "NULL params = defaults")
        #expect(daf_save(c.ctx, nil, 0, nil, &handle) == 0, "an empty tensor is fine")
        var out: [Float] = []
        #expect(daf_restore(c.ctx, handle, &out, 0) == 0)
        #expect(daf_stats(c.ctx, nil) == DAF_E_NULL_ARGUMENT.rawValue)
        var s = daf_context_statistics()
        #expect(daf_stats(c.ctx, &s) == DAF_E_STRUCT_SIZE.rawValue, "struct_size 0")
    }

    @Test("options and the context lifecycle")
    func lifecycle() {
        var ctx: OpaquePointer? = OpaquePointer(bitPattern: 0xDEAD)
        #expect(daf_create(nil, nil) == DAF_E_NULL_ARGUMENT.rawValue)
        var options = daf_options()
        #expect(daf_options_init(nil) == DAF_E_NULL_ARGUMENT.rawValue)
        _ = daf_options_init(&options)
        options.group_size = 100
        #expect(daf_create(&options, &ctx) == DAF_E_INVALID_ARGUMENT.rawValue)
        #expect(ctx == nil, "out_ctx is NULL on failure")
        #expect(!String(cString: daf_last_error(nil)).isEmpty)
        #expect(daf_create(nil, &ctx) == 0 && ctx != nil)
        var handle: daf_handle = 0
        let values: [Float] = [1, 2, 3]
        #expect(daf_save(ctx, values, 3, nil, &handle) == 0)
        #expect(daf_destroy(ctx) == 0)
        #expect(daf_destroy(ctx) == DAF_E_INVALID_CONTEXT.rawValue, "double destroy")
        #expect(daf_save(ctx, values, 3, nil, &handle) == DAF_E_INVALID_CONTEXT.rawValue, "use after destroy")
        var out = [Float](repeating: 0, count: 3)
        #expect(daf_restore(ctx, handle, &out, 3) == DAF_E_INVALID_CONTEXT.rawValue)
        #expect(daf_destroy(nil) == 0)
        #expect(daf_destroy(OpaquePointer(bitPattern: 0x1234_5678)) == DAF_E_INVALID_CONTEXT.rawValue, "made-up pointer")
        #expect(daf_release(nil, 1) == DAF_E_INVALID_CONTEXT.rawValue)
    }

    @Test("restore_range equals the same slice of a full restore")
    func ranges() {
        let c = TestContext(bits: 3, rounding: DAF_ROUND_STOCHASTIC)
        var rng = SeededGenerator(seed: 5)
        let values = DataShape.relu.values(count: 5000, rng: &rng)
        let (_, h) = c.save(values)
        let (_, full) = c.restore(h, count: values.count)
        for _ in 0..<50 {
            let first = Int.random(in: 0...5000, using: &rng), n = Int.random(in: 0...(5000 - first), using: &rng)
            var part = [Float](repeating: 0, count: n)
            #expect(daf_restore_range(c.ctx, h, first, n, &part) == 0)
            #expect(part.elementsEqual(full[first..<first + n]) { sameBits($0, $1) }, "range \(first)+\(n)")
        }
        var one: Float = 0
        #expect(daf_restore_range(c.ctx, h, 5000, 1, &one) == DAF_E_OUT_OF_RANGE.rawValue)
    }

    @Test("threads racing on one context: every restore checked, nothing lost")
    func threads() {
        let c = TestContext()
        let threads = 4, rounds = 150
        let failures = DispatchQueue(label: "failures")
        nonisolated(unsafe) var problems: [String] = []
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var rng = SeededGenerator(seed: UInt64(t) &+ 100)
            var mine: [(daf_handle, [Float])] = []
            for round in 0..<rounds {
                let values = DataShape.normal.values(count: Int.random(in: 1...3000, using: &rng), rng: &rng)
                let (status, h) = c.save(values)
                if status != 0 { failures.sync { problems.append("thread \(t) round \(round): save \(name(status))") } }
                mine.append((h, values))
                if Bool.random(using: &rng), let (h, values) = mine.popLast() {
                    let (status, back) = c.restore(h, count: values.count)
                    let worst = zip(values, back).map { abs($0 - $1) }.max() ?? 0
                    let (lo, hi) = (values.min()!, values.max()!)
                    if status != 0 || worst > (hi - lo) / 6 * 1.001 + 1e-6 {
                        failures.sync { problems.append("thread \(t) round \(round): restore \(name(status)), error \(worst)") }
                    }
                    _ = daf_set_importance(c.ctx, h, Float(round))
                    if daf_release(c.ctx, h) != 0 { failures.sync { problems.append("thread \(t): release failed") } }
                }
            }
            for (h, _) in mine where daf_release(c.ctx, h) != 0 {
                failures.sync { problems.append("thread \(t): final release failed") }
            }
        }
        #expect(problems.isEmpty, "\(problems.count) problems, first \(problems.prefix(5))")
        let s = c.stats
        #expect(s.live_entries == 0 && s.live_packed_bytes == 0 && s.saves == UInt64(threads * rounds) && s.releases == s.saves)
    }
}
