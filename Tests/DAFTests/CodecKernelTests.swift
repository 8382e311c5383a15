// SPDX-License-Identifier: MIT
// The SIMD kernels against the scalar reference: identical packed bytes (both roundings, every
// bit width, odd lengths and group sizes, awkward data) and identical decoded values.
import Testing
@testable import DAF

@Suite("SIMD kernels equal the scalar reference")
struct CodecKernelTests {
    static let counts = [0, 1, 15, 16, 17, 255, 256, 257, 1000, 4099]
    static let groups = [16, 48, 256, 1024]

    @Test("packed bytes and decoded values are identical", arguments: 1...8)
    func identical(bits: Int) throws {
        for seed in UInt64(1)...6 {
            var rng = SeededGenerator(seed: seed &* 7919 &+ UInt64(bits))
            for shape in DataShape.allCases {
                for rounding in [Rounding.nearest, .stochastic] {
                    let count = Bool.random(using: &rng) ? Self.counts.randomElement(using: &rng)! : Int.random(in: 0...3000, using: &rng)
                    let group = Self.groups.randomElement(using: &rng)!
                    let s = spec(bits: bits, group: group, rounding: rounding, seed: rng.next())
                    let values = shape.values(count: count, rng: &rng)
                    let reference = try pack(values, s, kernels: .reference)
                    // Both builds of the SIMD kernels (AVX2; AVX-512 where the CPU has it).
                    for kernels in [Kernels.baselineSIMD, .avx512, .simd] {
                        let fast = try pack(values, s, kernels: kernels)
                        let firstDifference = zip(reference, fast).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                        #expect(reference == fast, "seed \(seed) shape \(shape) bits \(bits) \(rounding) count \(count) group \(group) \(kernels): first differing byte \(String(describing: firstDifference)) of \(reference.count)")
                    }
                    let slow = try unpack(reference, count: count, kernels: .reference)
                    let quick = try unpack(reference, count: count, kernels: .simd)
                    let mismatch = zip(slow, quick).enumerated().first { !sameBits($0.element.0, $0.element.1) }
                    #expect(mismatch == nil, "seed \(seed) shape \(shape) bits \(bits) \(rounding) count \(count) group \(group): value \(String(describing: mismatch))")
                }
            }
        }
    }

    /// For bits b, a lo with lo + top * ((FLT_MAX - lo) / top) > FLT_MAX in binary32 (top =
    /// 2^b - 1; found by a search over random lo, numpy float32).
    static let overflowingLow: [Float] = [9.180365e37, 9.318633e35, 1.8424969e38, 1.1498523e38,
                                          1.6926416e38, 8.223798e37, 1.4381298e38, 1.0966848e38]

    @Test("groups of every kind side by side in one tensor: SIMD bytes equal the reference", arguments: 1...8)
    func mixedGroupKinds(bits: Int) throws {
        // Neighbouring groups take different paths of the fit and of the kernels: every data
        // shape, a range wider than FLT_MAX, a top code that would decode past FLT_MAX (the fit
        // steps the scale down), a denormal step (1 / step overflows), and groups with no
        // finite value, in a count that ends with a part group.
        for group in [16, 48, 256, 1024] {
            var rng = SeededGenerator(seed: UInt64(bits * 1000 + group))
            var values: [Float] = []
            let kinds = 37
            for g in 0..<kinds {
                let shapes = DataShape.allCases
                switch g % (shapes.count + 3) {
                case shapes.count: // wide: -FLT_MAX ... FLT_MAX
                    values += (0..<group).map { i in i % 2 == 0 ? -.greatestFiniteMagnitude : .greatestFiniteMagnitude }
                case shapes.count + 1: // up to FLT_MAX, where lo + top * scale overflows: the fit steps the scale down
                    values += (0..<group).map { i in i == 0 ? Self.overflowingLow[bits - 1] : .greatestFiniteMagnitude }
                case shapes.count + 2: // a denormal step: 1 / step overflows
                    values += (0..<group).map { i in Float(bitPattern: UInt32(i % 4)) }
                case let k:
                    values += shapes[k].values(count: group, rng: &rng)
                }
            }
            values += DataShape.normal.values(count: group / 2 + 3, rng: &rng) // a part group at the end
            let top = Float((1 << bits) - 1), low = Self.overflowingLow[bits - 1]
            #expect(!(low + top * ((.greatestFiniteMagnitude - low) / top)).isFinite, "bits \(bits): the step-down case")
            for rounding in [Rounding.nearest, .stochastic] {
                let s = spec(bits: bits, group: group, rounding: rounding, seed: rng.next())
                let reference = try pack(values, s, kernels: .reference)
                for kernels in [Kernels.baselineSIMD, .avx512, .simd] {
                    let fast = try pack(values, s, kernels: kernels)
                    let firstDifference = zip(reference, fast).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    #expect(reference == fast, "bits \(bits) group \(group) \(rounding) \(kernels): first differing byte \(String(describing: firstDifference)) of \(reference.count)")
                }
            }
        }
    }

    @Test("stochastic rounding where the top value's t lands above the top code: SIMD equals the reference", arguments: 2...8)
    func topValueAboveTop(bits: Int) throws {
        // Groups of one value at 0 and 255 at hi, hi chosen so that the kernels' arithmetic
        // puts x = hi a few ulps above the top code: t = hi * (1 / (hi / top)) > top. daf.h
        // clamps t to the top before adding the dither; adding it to the unclamped t rounded
        // differently where t + u met a half (found by this test: 2-, 3- and 4-bit codes
        // differed). (At 1 bit hi * (1 / hi) never exceeds 1.)
        let top = Float((1 << bits) - 1)
        func landsAbove(_ hi: Float) -> Bool {
            let step: Float = hi / top
            let inverse: Float = 1 / step
            return hi * inverse > top
        }
        let candidates: [Float] = (1...4000).map { Float($0) / 997 }
        let hi = try #require(candidates.first(where: landsAbove))
        let count = 1 << 18, group = 256
        var values = [Float](repeating: hi, count: count)
        for g in stride(from: 0, to: count, by: group) { values[g] = 0 }
        let s = spec(bits: bits, group: group, rounding: .stochastic, seed: 12_345)
        let reference = try pack(values, s, kernels: .reference)
        for kernels in [Kernels.baselineSIMD, .avx512, .simd] {
            let fast = try pack(values, s, kernels: kernels)
            let firstDifference = zip(reference, fast).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(reference == fast, "bits \(bits) hi \(hi) \(kernels): first differing byte \(String(describing: firstDifference))")
        }
    }

    @Test("finite min/max: SIMD equals the reference")
    func minMax() {
        for seed in UInt64(1)...40 {
            var rng = SeededGenerator(seed: seed)
            let shape = DataShape.allCases.randomElement(using: &rng)!
            let values = shape.values(count: Int.random(in: 1...700, using: &rng), rng: &rng)
            let (a, b) = values.withUnsafeBufferPointer {
                (FiniteMinMax.scalar($0.baseAddress!, count: $0.count), FiniteMinMax.simd($0.baseAddress!, count: $0.count))
            }
            #expect(a.lo == b.lo && a.hi == b.hi && a.nonfinite == b.nonfinite, "seed \(seed) shape \(shape): \(a) vs \(b)")
        }
    }

    @Test("finite min/max: SIMD equals the reference across sign classes, zeros, extremes and NaN/Inf of either sign")
    func minMaxSignClasses() {
        // The SIMD pass takes the min and max from integer extrema of the bits (unsigned max
        // and min, signed max): all-negative, all-positive and mixed rows take different ones.
        let negatives: [Float] = [-0.0, -Float.leastNonzeroMagnitude, -1e-30, -1, -3.5, -Float.greatestFiniteMagnitude]
        let positives: [Float] = [0, Float.leastNonzeroMagnitude, 1e-30, 1, 3.5, Float.greatestFiniteMagnitude]
        let nonfinite: [Float] = [.infinity, -.infinity, .nan, Float(bitPattern: 0xFFC0_0000), Float(bitPattern: 0x7F80_0001),
                                  Float(bitPattern: 0xFF80_0001)]
        for seed in UInt64(1)...300 {
            var rng = SeededGenerator(seed: seed)
            let pool: [Float]
            switch seed % 4 {
            case 0: pool = negatives
            case 1: pool = positives
            case 2: pool = negatives + positives
            default: pool = negatives + positives + nonfinite
            }
            let count = 16 * Int.random(in: 1...6, using: &rng) + (seed % 5 == 0 ? Int.random(in: 1...15, using: &rng) : 0)
            let values = (0..<count).map { _ in pool.randomElement(using: &rng)! }
            let (a, b) = values.withUnsafeBufferPointer {
                (FiniteMinMax.scalar($0.baseAddress!, count: $0.count), FiniteMinMax.simd($0.baseAddress!, count: $0.count))
            }
            #expect(a.lo == b.lo && a.hi == b.hi && a.nonfinite == b.nonfinite, "seed \(seed): \(a) vs \(b) for \(values)")
        }
    }

    @Test("streaming (non-temporal) word-row stores write the same bytes as plain stores", arguments: 1...8)
    func streamingStores(bits: Int) throws {
        // Packing streams whole word rows of large tensors (RowStore.choose); forced here on
        // a small one, at both alignments, for groups the common path takes (256) and groups
        // it leaves to the general encoder (48: odd rows; NaN/Inf).
        for (group, rounding, shape) in [(256, Rounding.nearest, DataShape.normal), (256, .stochastic, .relu),
                                         (48, .stochastic, .normal), (256, .nearest, .withNonfinite)] {
            var rng = SeededGenerator(seed: UInt64(bits * 10 + group))
            let count = 37 * group + 16 * Int.random(in: 0...20, using: &rng) + Int.random(in: 0...15, using: &rng)
            let values = shape.values(count: count, rng: &rng)
            let s = spec(bits: bits, group: group, rounding: rounding, seed: rng.next())
            let layout = try PackedLayout(count: count, spec: s, nonfinite: 0)
            let groups = 0..<layout.groups
            func packed(_ store: SIMDGroupKernels.RowStore, offset: Int) -> [UInt8] {
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: layout.totalSize + 64, alignment: 64)
                defer { buffer.deallocate() }
                buffer.initializeMemory(as: UInt8.self, repeating: 0, count: layout.totalSize + 64)
                _ = values.withUnsafeBufferPointer {
                    GroupPacker.pack(groups, $0.baseAddress!, count: count, spec: s, layout: layout, into: buffer + offset,
                                     simd: true, store: store)
                }
                return Array(UnsafeRawBufferPointer(start: buffer + offset, count: layout.totalSize))
            }
            let plain = packed(.cached, offset: 0)
            #expect(packed(.streaming64, offset: 0) == plain, "bits \(bits) group \(group) \(rounding) \(shape): 64-byte aligned")
            #expect(packed(.streaming16, offset: 16) == plain, "bits \(bits) group \(group) \(rounding) \(shape): 16-byte aligned")
        }
    }

    @Test("streaming (non-temporal) value-row stores decode the same values as plain stores", arguments: 1...8)
    func streamingDecode(bits: Int) throws {
        // Decoding streams the rows of full groups when the values exceed the last-level cache
        // (RowStore.forValues); forced here on small tensors and ranges, at both alignments of
        // the first full group's row, for plain, wide and NaN/Inf groups, 256 and 48 values.
        for (group, shape) in [(256, DataShape.normal), (48, .huge), (256, .withNonfinite), (48, .mixedScale)] {
            var rng = SeededGenerator(seed: UInt64(bits * 100 + group))
            let count = 29 * group + Int.random(in: 0...(group - 1), using: &rng)
            let blob = try pack(shape.values(count: count, rng: &rng), spec(bits: bits, group: group), kernels: .reference)
            for first in [0, group, 3 * group + 5, 16 * Int.random(in: 1...(count / 32), using: &rng) + 7] {
                let n = count - first - Int.random(in: 0...(group / 2), using: &rng)
                let plain = try unpackRange(blob, first: first, count: n, kernels: .simd)
                let firstFull = (first + group - 1) / group * group
                for (store, alignment) in [(SIMDGroupKernels.RowStore.streaming64, 64), (.streaming16, 16)] {
                    // dst placed so that the first full group's first row has exactly this alignment.
                    let buffer = UnsafeMutableRawPointer.allocate(byteCount: n * 4 + 128, alignment: 64)
                    defer { buffer.deallocate() }
                    let lead = (firstFull - first) * 4
                    var pad = (alignment - lead % alignment) % alignment
                    if alignment == 16, (pad + lead) % 64 == 0 { pad += 16 }
                    let dst = (buffer + pad).bindMemory(to: Float.self, capacity: n)
                    try blob.withUnsafeBytes {
                        try Codec.unpackRange($0.baseAddress!, size: blob.count, first: first, count: n, into: dst, store: store)
                    }
                    let mismatch = (0..<n).first { !sameBits(dst[$0], plain[$0]) }
                    #expect(mismatch == nil, "bits \(bits) group \(group) \(shape) first \(first) count \(n) \(store): value \(String(describing: mismatch))")
                }
            }
        }
    }

    @Test("values beyond the last-level cache are decoded with the widest streaming stores their alignment allows")
    func streamingDecodeChoice() {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 64)
        defer { buffer.deallocate() }
        let huge = 1 << 40, small = 1024
        #expect(SIMDGroupKernels.RowStore.forValues(firstRow: buffer, count: huge) == .streaming64)
        #expect(SIMDGroupKernels.RowStore.forValues(firstRow: buffer + 16, count: huge) == .streaming16)
        #expect(SIMDGroupKernels.RowStore.forValues(firstRow: buffer + 4, count: huge) == .cached)
        #expect(SIMDGroupKernels.RowStore.forValues(firstRow: buffer, count: small) == .cached)
    }

    @Test("one group far into a tensor: SIMD bytes equal the reference next to 2^32 hash-counter boundaries", arguments: 1...8)
    func farGroups(bits: Int) {
        // Counter (i >> 5) * 16 + i % 16 crosses 2^32 at element index 2^37: groups just before,
        // at and across it (a group of 48 from 2^37 - 32 straddles it), and an odd row start.
        // The kernels' folded key changes where counter bits 16...31 do, every 2^17 elements:
        // groups across such a boundary too (48 from 2^17 - 32; 48 and 1024 from 5 * 2^17 - 16).
        let firsts = [(1 << 37) - 256, 1 << 37, (1 << 37) - 32, (1 << 37) + 16, (1 << 40) - 512,
                      (1 << 17) - 32, (5 << 17) - 16]
        for (n, first) in firsts.enumerated() {
            for (group, rounding) in [(256, Rounding.stochastic), (48, .stochastic), (256, .nearest), (1024, .stochastic)] {
                var rng = SeededGenerator(seed: UInt64(bits * 100 + n))
                let values = DataShape.normal.values(count: group, rng: &rng)
                let s = spec(bits: bits, group: group, rounding: rounding, seed: rng.next())
                let lo = values.min()!, hi = values.max()!
                let params = GroupParams.fit(lo: lo, hi: hi, levels: s.levels)
                // Both kernels address the tensor's whole code stream; point it so the group's
                // word rows land in a small buffer (the first may be shared: start from zeros).
                let perWord = 32 / bits
                let firstWordRow = first / 16 / perWord, lastWordRow = (first + group - 1) / 16 / perWord
                let bytes = (lastWordRow - firstWordRow + 1) * 64
                var reference = [UInt8](repeating: 0, count: bytes), fast = reference
                values.withUnsafeBufferPointer { v in
                    reference.withUnsafeMutableBytes { r in
                        ScalarGroupKernels.encode(v.baseAddress!, count: group, firstIndex: first, params: params, spec: s,
                                                  stream: r.baseAddress! - firstWordRow * 64)
                    }
                    fast.withUnsafeMutableBytes { f in
                        SIMDGroupKernels.encode(v.baseAddress!, firstIndex: first, encoder: GroupEncoder(params, levels: s.levels),
                                                spec: s, allFinite: true,
                                                stream: f.baseAddress! - firstWordRow * 64)
                    }
                }
                let firstDifference = zip(reference, fast).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                #expect(reference == fast, "bits \(bits) first index \(first) group \(group) \(rounding): first differing byte \(String(describing: firstDifference))")
            }
        }
    }

    @Test("stochastic offsets: SIMD rows equal the scalar form, also across 2^32 index boundaries")
    func hashLanes() {
        let bases: [UInt64] = [0, 16, 1 << 32, (1 << 32) - 32, (1 << 37) - 48, 0x1234_5678_9ABC_DEF0 & ~15]
        for (seed, base) in zip([UInt64(0), 0xDEAD_BEEF_CAFE, 42, 7, 99, .max], bases) {
            // The row-pair hashes of a group starting at `base`, over four rows (base / 16 may
            // be odd: then the group starts with the second row of a pair).
            let firstRow = Int(base / 16)
            // A key cache made for index 0: far bases take its other-span path.
            var pairs = SIMDGroupKernels.PairHashes(keys: StochasticHash.KeyCache(seed: seed, firstIndex: 0), firstPair: firstRow >> 1)
            var h = pairs.next()
            for row in 0..<4 {
                if row > 0 && (firstRow + row) & 1 == 0 { h = pairs.next() }
                let scaled = (firstRow + row) & 1 == 0 ? StochasticHash.scaledHigh(h) : StochasticHash.scaledLow(h)
                let lanes = scaled * 0x1p-32
                for l in 0..<16 {
                    let i = base + UInt64(row * 16 + l)
                    #expect(sameBits(lanes[l], StochasticHash.centered(index: i, seed: seed)), "seed \(seed) index \(i)")
                    #expect(lanes[l] >= -0.5 && lanes[l] < 0.5)
                }
            }
        }
    }
}
