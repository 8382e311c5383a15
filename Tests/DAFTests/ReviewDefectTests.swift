// SPDX-License-Identifier: MIT
// Defects an outside review found and the project's earlier tests missed: argument order, the
// error bound of subnormal ranges, a bound that did not cover non-finite values, a refused
// save that consumed a stochastic seed, and chunk_bytes 0. Each case failed before its fix.
import CDAF
import Glibc
import Testing
@testable import DAF

@Suite("Review defects: each pinned by a case that failed before the fix")
struct ReviewDefectTests {
    let sizeMax = Int(bitPattern: UInt.max)

    @Test("a stale handle is reported before the arguments after it")
    func handleBeforeLaterArguments() {
        let c = TestContext()
        let values = (0..<64).map { Float($0) }
        let (_, released) = c.save(values)
        #expect(daf_release(c.ctx, released) == DAF_OK.rawValue)
        var dst = [Float](repeating: 0, count: 65)
        #expect(name(daf_restore(c.ctx, 0, nil, 64)) == "DAF_E_UNKNOWN_HANDLE")
        #expect(name(daf_restore(c.ctx, released, nil, 64)) == "DAF_E_UNKNOWN_HANDLE")
        dst.withUnsafeMutableBytes { raw in
            let odd = (raw.baseAddress! + 2).assumingMemoryBound(to: Float.self)
            #expect(name(daf_restore(c.ctx, released, odd, 64)) == "DAF_E_UNKNOWN_HANDLE")
            #expect(name(daf_restore_range(c.ctx, released, 0, 8, odd)) == "DAF_E_UNKNOWN_HANDLE")
        }
        #expect(name(daf_restore_range(c.ctx, released, 0, 8, nil)) == "DAF_E_UNKNOWN_HANDLE")
        #expect(name(daf_restore_range(c.ctx, released, 0, sizeMax, nil)) == "DAF_E_UNKNOWN_HANDLE")
        #expect(name(daf_set_importance(c.ctx, released, .nan)) == "DAF_E_UNKNOWN_HANDLE")
        #expect(name(daf_restore_typed(c.ctx, released, nil, 64, DAF_DTYPE_UINT8.rawValue)) == "DAF_E_UNKNOWN_HANDLE")
        #expect(name(daf_restore_typed(c.ctx, released, nil, 64, 99)) == "DAF_E_UNKNOWN_HANDLE")
        // A live handle: the later argument's own status.
        let (_, live) = c.save(values)
        #expect(name(daf_restore(c.ctx, live, nil, 64)) == "DAF_E_NULL_ARGUMENT")
        #expect(name(daf_set_importance(c.ctx, live, .nan)) == "DAF_E_INVALID_ARGUMENT")
        #expect(name(daf_restore_range(c.ctx, live, 0, sizeMax, nil)) == "DAF_E_OVERFLOW")
    }

    @Test("a range is checked before the destination it is written to")
    func rangeBeforeDestination() throws {
        let values = (0..<100).map { Float($0) }
        var blob = [UInt8](repeating: 0, count: daf_packed_bound(values.count, 4, 32))
        var size = 0
        var p = daf_quantize_params()
        _ = daf_quantize_params_init_sized(&p, MemoryLayout<daf_quantize_params>.size)
        p.bits = 4
        p.group_size = 32
        #expect(daf_quantize_pack(values, values.count, &p, &blob, blob.count, &size) == DAF_OK.rawValue)
        #expect(name(daf_unpack_dequantize_range(blob, size, 105, 1, nil)) == "DAF_E_OUT_OF_RANGE")
        #expect(name(daf_unpack_dequantize_range(blob, size, 99, 1, nil)) == "DAF_E_NULL_ARGUMENT")
        let c = TestContext()
        let (_, h) = c.save(values)
        #expect(name(daf_restore_range(c.ctx, h, 100, 1, nil)) == "DAF_E_OUT_OF_RANGE")
        #expect(name(daf_restore_range(c.ctx, h, 99, 1, nil)) == "DAF_E_NULL_ARGUMENT")
    }

    @Test("a NULL pointer is reported before its count")
    func pointerBeforeItsCount() {
        var size = 0, handle: daf_handle = 0
        var lo: Float = 0, hi: Float = 0
        var blob = [UInt8](repeating: 0, count: 256)
        #expect(name(daf_quantize_pack(nil, sizeMax, nil, &blob, blob.count, &size)) == "DAF_E_NULL_ARGUMENT")
        #expect(name(daf_packed_size(nil, sizeMax, nil, &size)) == "DAF_E_NULL_ARGUMENT")
        #expect(name(daf_minmax(nil, sizeMax, &lo, &hi)) == "DAF_E_NULL_ARGUMENT")
        let c = TestContext()
        #expect(name(daf_save(c.ctx, nil, sizeMax, nil, &handle)) == "DAF_E_NULL_ARGUMENT")
        #expect(name(daf_save_async(c.ctx, nil, sizeMax, nil, &handle)) == "DAF_E_NULL_ARGUMENT")
        #expect(name(daf_save_typed(c.ctx, nil, sizeMax, 99, nil, &handle)) == "DAF_E_NULL_ARGUMENT")
        #expect(name(daf_save_typed(c.ctx, nil, 0, 99, nil, &handle)) == "DAF_E_INVALID_ARGUMENT")
        // With a pointer, the count's own status.
        let one: [Float] = [1]
        #expect(name(daf_packed_size(one, sizeMax, nil, &size)) == "DAF_E_OVERFLOW")
    }

    @Test("a subnormal range still decodes within half of its stored step")
    func subnormalRange() throws {
        var values = [Float](repeating: 0, count: 16)
        values[1] = 8.828e-43
        for bits in [8, 7, 5, 3] {
            let blob = try pack(values, spec(bits: bits, group: 16), kernels: .reference)
            let back = try unpack(blob, count: 16, kernels: .reference)
            let step: Float = groupParams(of: blob, group: 0).step
            for i in 0..<16 {
                let error: Float = abs(back[i] - values[i])
                #expect(error <= step / 2, "bits \(bits) value \(i): \(values[i]) came back as \(back[i]), stored step \(step)")
            }
            #expect(try unpack(try pack(values, spec(bits: bits, group: 16), kernels: .simd), count: 16, kernels: .simd) == back)
        }
    }

    @Test("daf_packed_bound holds a tensor that is all NaN and Inf")
    func boundCoversNonFinite() {
        let count = 1000
        let values = (0..<count).map { $0 % 3 == 0 ? Float.infinity : .nan }
        for bits: UInt32 in [1, 2, 8] {
            var p = daf_quantize_params()
            _ = daf_quantize_params_init_sized(&p, MemoryLayout<daf_quantize_params>.size)
            p.bits = bits
            let bound = daf_packed_bound(count, bits, p.group_size)
            var blob = [UInt8](repeating: 0, count: bound)
            var size = 0
            #expect(daf_quantize_pack(values, count, &p, &blob, bound, &size) == DAF_OK.rawValue, "bits \(bits)")
            #expect(size == bound, "all non-finite is the worst case")
            #expect(daf_packed_bound_finite(count, bits, p.group_size) == bound - count * Int(DAF_PACKED_NONFINITE_BYTES))
        }
    }

    @Test("a save refused by the budget does not consume its stochastic seed")
    func refusedSaveKeepsTheSeed() {
        let small = (0..<4096).map { Float(sin(Double($0) * 0.37)) }
        let large = [Float](repeating: 1, count: 1 << 20)
        func run(tryingTheLargeOne: Bool) -> [Float] {
            let c = TestContext(bits: 2, rounding: DAF_ROUND_STOCHASTIC) { o in
                o.seed = 99
                o.budget_bytes = 1 << 20
                o.page_size = 4096
                o.chunk_bytes = 1 << 20
            }
            _ = c.save(small)
            if tryingTheLargeOne { #expect(name(c.save(large, bits: 8).0) == "DAF_E_BUDGET_EXCEEDED") }
            let (status, h) = c.save(small)
            #expect(status == DAF_OK.rawValue)
            return c.restore(h, count: small.count).1
        }
        #expect(run(tryingTheLargeOne: true) == run(tryingTheLargeOne: false))
    }

    @Test("chunk_bytes 0 means the default growth step")
    func chunkBytesZero() {
        var options = daf_options()
        _ = daf_options_init_sized(&options, MemoryLayout<daf_options>.size)
        options.chunk_bytes = 0
        var ctx: OpaquePointer?
        #expect(daf_create(&options, &ctx) == DAF_OK.rawValue)
        _ = daf_destroy(ctx)
        var poolOptions = daf_pool_options()
        _ = daf_pool_options_init_sized(&poolOptions, MemoryLayout<daf_pool_options>.size)
        poolOptions.chunk_bytes = 0
        var pool: OpaquePointer?
        #expect(daf_pool_create(&poolOptions, &pool) == DAF_OK.rawValue)
        _ = daf_pool_destroy(pool)
    }

    @Test("a pool call on something that is not a pool says so")
    func invalidPool() {
        var block: daf_pool_block = 0
        #expect(name(daf_pool_alloc(nil, 8, 0, &block)) == "DAF_E_INVALID_POOL")
        let c = TestContext()
        #expect(name(daf_pool_trim(c.ctx)) == "DAF_E_INVALID_POOL")
    }
}
