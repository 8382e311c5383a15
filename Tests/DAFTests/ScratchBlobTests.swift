// SPDX-License-Identifier: MIT
// A context's reused blob and staging buffers (ScratchBlobs): the bounds of the idle buffers,
// and restores identical to the codec's own results (or to a fresh context's) whatever an
// earlier blob or staged tensor left in a buffer.
import CDAF
import Testing
@testable import DAF

@Suite("Scratch blob buffers", .serialized)
struct ScratchBlobTests {
    @Test("idle scratch buffers: smallest fit reused, at most two kept, largest first, byte cap")
    func scratchBounds() throws {
        let scratch = ScratchBlobs()
        let small = try scratch.take(atLeast: 1000), medium = try scratch.take(atLeast: 50_000)
        let large = try scratch.take(atLeast: 2_000_000)
        for buffer in [small, medium, large] { scratch.give(buffer) }
        // Two kept, the largest two.
        #expect(scratch.idleBytes == 2_050_000)
        // The smallest that fits is taken, and it is the same memory.
        let again = try scratch.take(atLeast: 10)
        #expect(again === medium)
        #expect(try scratch.take(atLeast: 60_000) === large)
        #expect(scratch.idleBytes == 0)
        // Nothing fits: a new buffer of exactly the size asked.
        #expect(try scratch.take(atLeast: 3_000_000).count == 3_000_000)
        // Over the byte cap: a buffer too large alone is never kept; two that fit only apart
        // keep the larger.
        scratch.give(try AlignedBytes(count: ScratchBlobs.maxIdleBytes + 1))
        #expect(scratch.idleBytes == 0)
        let half = ScratchBlobs.maxIdleBytes / 2
        scratch.give(try AlignedBytes(count: half + 64))
        scratch.give(try AlignedBytes(count: half))
        #expect(scratch.idleBytes == half + 64)
        scratch.removeAll()
        #expect(scratch.idleBytes == 0)
    }

    @Test("reused blob buffers hold no stale data: restores equal the codec's own unpack", arguments: [1, 2])
    func noStaleBlobs(threads: UInt32) throws {
        var rng = SeededGenerator(seed: 900 + UInt64(threads))
        let c = TestContext(bits: 8) { $0.threads = threads }
        // Large then smaller, other widths, NaN/Inf (a second, exact-size buffer), short groups:
        // each save and restore reuses buffers an earlier, different blob filled.
        let cases: [(count: Int, bits: Int, shape: DataShape)] = [
            (300_001, 8, .normal), (70_000, 2, .withNonfinite), (299_999, 4, .relu), (1_000, 1, .mixedScale),
            (200_000, 8, .withNonfinite), (17, 2, .huge), (250_000, 1, .normal),
        ]
        var live: [(daf_handle, [Float], [Float])] = []
        for (i, test) in cases.enumerated() {
            let values = test.shape.values(count: test.count, rng: &rng)
            let expected = try unpack(pack(values, spec(bits: test.bits), kernels: .simd), count: test.count, kernels: .simd)
            let (status, handle) = c.save(values, bits: UInt32(test.bits))
            try #require(status == 0, "case \(i): save \(name(status))")
            live.append((handle, values, expected))
            // Restore every live entry, newest first, so buffers change hands between blobs.
            for (handle, values, expected) in live.reversed() {
                let (status, back) = c.restore(handle, count: values.count)
                let mismatches = zip(back, expected).enumerated().filter { !sameBits($0.element.0, $0.element.1) }
                #expect(status == 0 && mismatches.isEmpty,
                        "case \(i), \(values.count) values: \(name(status)), \(mismatches.count) mismatches, first \(mismatches.prefix(3))")
                let first = values.count / 3, n = min(65_536, values.count - first)
                var part = [Float](repeating: .nan, count: n)
                #expect(daf_restore_range(c.ctx, handle, first, n, &part) == 0)
                #expect(part.elementsEqual(expected[first..<first + n]) { sameBits($0, $1) }, "case \(i): range")
            }
            if live.count > 2 { #expect(daf_release(c.ctx, live.removeFirst().0) == 0) }
        }
    }

    @Test("reused staging buffers hold no stale data, staging run by run changes nothing: saves equal a fresh context's and async ones")
    func noStaleStaging() throws {
        var rng = SeededGenerator(seed: 77)
        // Nearest rounding: stochastic saves of different contexts and orders would differ by seed.
        let nearest = UInt32(DAF_ROUND_NEAREST.rawValue)
        let reused = PlanContext { $0.bits = 2; $0.rounding = nearest }
        // Large first, then smaller and odd sizes: every later save stages into a buffer an
        // earlier, larger tensor filled. Each is compared with a context that saves only it.
        for (i, count) in [300_001, 4099, 250_000, 17, 70_000].enumerated() {
            let fresh = PlanContext { $0.bits = 2; $0.rounding = nearest }
            let relu = DataShape.relu.values(count: count, rng: &rng)
            for bits: UInt32 in [1, 2] {
                let (a, ha) = reused.save(relu, dtype: DAF_DTYPE_FLOAT32) { $0.kind = DAF_KIND_NONNEGATIVE.rawValue; $0.bits = bits }
                let (b, hb) = fresh.save(relu, dtype: DAF_DTYPE_FLOAT32) { $0.kind = DAF_KIND_NONNEGATIVE.rawValue; $0.bits = bits }
                try #require(a == 0 && b == 0, "case \(i): \(name(a)) \(name(b))")
                let (ra, backA) = reused.restore(ha, count: count, dtype: DAF_DTYPE_FLOAT32, fill: Float.nan)
                let (rb, backB) = fresh.restore(hb, count: count, dtype: DAF_DTYPE_FLOAT32, fill: Float.nan)
                #expect(ra == 0 && rb == 0 && backA.elementsEqual(backB) { sameBits($0, $1) }, "case \(i), \(bits) bits")
                // An async save stages the whole tensor before packing; a sync one lets the
                // packer stage run by run: the same values come back.
                var p = PlanContext.params { $0.kind = DAF_KIND_NONNEGATIVE.rawValue; $0.bits = bits }
                var hc: daf_handle = 0
                #expect(daf_save_async(fresh.ctx, relu, count, &p, &hc) == 0 && daf_wait(fresh.ctx, hc) == 0)
                let (rc, backC) = fresh.restore(hc, count: count, dtype: DAF_DTYPE_FLOAT32, fill: Float.nan)
                #expect(rc == 0 && backC.elementsEqual(backB) { sameBits($0, $1) }, "case \(i), \(bits) bits: async")
                #expect(daf_release(reused.ctx, ha) == 0 && daf_release(fresh.ctx, hb) == 0 && daf_release(fresh.ctx, hc) == 0)
            }
            let codes = (0..<count).map { _ in Int32(rng.next() % 5) - 2 }
            let (a, ha) = reused.save(codes, dtype: DAF_DTYPE_INT32) { $0.kind = DAF_KIND_INTEGER.rawValue; $0.int_min = -2; $0.int_max = 2 }
            try #require(a == 0, "case \(i): \(name(a))")
            let (ra, back) = reused.restore(ha, count: count, dtype: DAF_DTYPE_INT32, fill: Int32.min)
            #expect(ra == 0 && back == codes, "case \(i): integers")
            #expect(daf_release(reused.ctx, ha) == 0)
        }
    }
}
