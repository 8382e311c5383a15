// SPDX-License-Identifier: MIT
// Properties of the codec over many seeds: the documented error bounds, unbiased stochastic
// rounding, exact constants and non-finite values, range decoding equal to full decoding.
import Testing
@testable import DAF

@Suite("Codec properties")
struct CodecPropertyTests {
    @Test("nearest: every value within half a step of its group (plus float rounding)", arguments: 1...8)
    func nearestBound(bits: Int) throws {
        for seed in UInt64(1)...8 {
            var rng = SeededGenerator(seed: seed &+ UInt64(bits) << 32)
            for shape in DataShape.allCases {
                let group = [16, 64, 256, 4096].randomElement(using: &rng)!
                let count = Int.random(in: 1...5000, using: &rng)
                let s = spec(bits: bits, group: group)
                let values = shape.values(count: count, rng: &rng)
                let blob = try pack(values, s, kernels: .simd)
                let back = try unpack(blob, count: count, kernels: .simd)
                var failures: [String] = []
                for i in 0..<count {
                    let x = values[i], y = back[i]
                    if !x.isFinite {
                        if !sameBits(x, y) { failures.append("[\(i)] non-finite \(x) came back as \(y)") }
                        continue
                    }
                    let p = groupParams(of: blob, group: i / group)
                    let bound = DAFTests.nearestBound(p, levels: s.levels)
                    if !(abs(x - y) <= bound) { failures.append("[\(i)] \(x) -> \(y), error \(abs(x - y)) > bound \(bound)") }
                }
                #expect(failures.isEmpty, "seed \(seed) shape \(shape) bits \(bits) group \(group) count \(count): \(failures.count) bad, first \(failures.prefix(5))")
            }
        }
    }

    @Test("stochastic: unbiased where nearest is not, error below one step", arguments: [1, 2, 4, 8])
    func stochasticUnbiased(bits: Int) throws {
        // A group spanning [0, L] (so scale = 1) whose other values all sit at 0.3 past a code.
        let levels = Float((1 << bits) - 1)
        let target = (levels / 2).rounded(.down) + 0.3
        var values = [Float](repeating: target, count: 256)
        values[0] = 0
        values[1] = levels
        var sum: Double = 0, samples = 0
        for seed in UInt64(1)...100 {
            let back = try unpack(try pack(values, spec(bits: bits, rounding: .stochastic, seed: seed), kernels: .simd), count: 256, kernels: .simd)
            #expect(back[0] == 0 && back[1] == levels, "endpoints are exact codes")
            for y in back[2...] {
                #expect(abs(y - target) < 1, "seed \(seed): \(y) is a step or more from \(target)")
                sum += Double(y)
                samples += 1
            }
        }
        let mean = sum / Double(samples)
        // 25400 samples of a 0.3/0.7 coin: standard error 0.003; nearest would be 0.3 off.
        #expect(abs(mean - Double(target)) < 0.02, "bits \(bits): mean \(mean), expected \(target)")
        let nearest = try unpack(try pack(values, spec(bits: bits), kernels: .simd), count: 256, kernels: .simd)
        #expect(abs(Double(nearest[2]) - Double(target) + 0.3) < 1e-4, "nearest rounds 0.3 down")
    }

    @Test("stochastic: a group's minimum and maximum come back as nearest gives them", arguments: 1...5)
    func stochasticKeepsEndpoints(bits: Int) throws {
        // Groups of 16 values: 2^16 maxima. An offset of exactly -1/2 (one draw in 2^16) would
        // move a maximum one code down, about once a width here. Up to 5 bits the maximum's
        // position is within 2^-17 of the top code (a few ulps of at most 31); at 6-8 bits it
        // can be a few ulps of the top short, and rounding it down is then its true chance.
        var rng = SeededGenerator(seed: 0xE5D &+ UInt64(bits))
        let count = 1 << 20, group = 16
        let values = DataShape.normal.values(count: count, rng: &rng)
        var ends: [Int] = []
        for first in stride(from: 0, to: count, by: group) {
            var low = first, high = first
            for i in first..<first + group {
                if values[i] < values[low] { low = i }
                if values[i] > values[high] { high = i }
            }
            ends += [low, high]
        }
        let s = spec(bits: bits, group: group, rounding: .stochastic, seed: UInt64(bits))
        let nearest = try unpack(try pack(values, spec(bits: bits, group: group), kernels: .reference), count: count, kernels: .simd)
        for kernels in [Kernels.reference, .baselineSIMD, .avx512] {
            let back = try unpack(try pack(values, s, kernels: kernels), count: count, kernels: .simd)
            let moved = ends.filter { back[$0] != nearest[$0] }
            #expect(moved.isEmpty, "\(kernels) \(bits) bits: \(moved.count) group ends moved, first \(moved.prefix(3).map { (values[$0], back[$0], nearest[$0]) })")
        }
    }

    @Test("stochastic output depends on the seed only, and differs between seeds")
    func stochasticReproducible() throws {
        var rng = SeededGenerator(seed: 99)
        let values = DataShape.normal.values(count: 3000, rng: &rng)
        let a = try pack(values, spec(bits: 2, rounding: .stochastic, seed: 5), kernels: .simd)
        let b = try pack(values, spec(bits: 2, rounding: .stochastic, seed: 5), kernels: .simd)
        let c = try pack(values, spec(bits: 2, rounding: .stochastic, seed: 6), kernels: .simd)
        #expect(a == b)
        #expect(a != c)
    }

    @Test("constant groups come back exactly", arguments: [Float(0), -0.0, 1, -3.75, Float.leastNormalMagnitude / 128, 3e38, -Float.greatestFiniteMagnitude])
    func constants(value: Float) throws {
        for bits in 1...8 {
            let values = [Float](repeating: value, count: 777)
            let back = try unpack(try pack(values, spec(bits: bits), kernels: .simd), count: values.count, kernels: .simd)
            #expect(back.allSatisfy { $0 == value }, "bits \(bits) value \(value): got \(Set(back))")
        }
    }

    @Test("extreme ranges decode to finite values")
    func extremes() throws {
        let values: [Float] = [-.greatestFiniteMagnitude, .greatestFiniteMagnitude] + Array(repeating: 1, count: 30)
        for bits in 1...8 {
            let back = try unpack(try pack(values, spec(bits: bits, group: 16), kernels: .simd), count: values.count, kernels: .simd)
            #expect(back.allSatisfy { $0.isFinite }, "bits \(bits): \(back.prefix(4))")
        }
    }

    @Test("range decoding equals the same slice of full decoding")
    func ranges() throws {
        for seed in UInt64(1)...12 {
            var rng = SeededGenerator(seed: seed)
            let count = Int.random(in: 1...6000, using: &rng)
            let s = spec(bits: Int.random(in: 1...8, using: &rng), group: [16, 32, 256, 1024].randomElement(using: &rng)!,
                         rounding: Bool.random(using: &rng) ? .nearest : .stochastic, seed: seed)
            let values = DataShape.withNonfinite.values(count: count, rng: &rng)
            let blob = try pack(values, s, kernels: .simd)
            let full = try unpack(blob, count: count, kernels: .simd)
            for _ in 0..<30 {
                let first = Int.random(in: 0...count, using: &rng)
                let n = Int.random(in: 0...(count - first), using: &rng)
                for kernels in [Kernels.simd, .reference] {
                    let part = try unpackRange(blob, first: first, count: n, kernels: kernels)
                    let mismatch = (0..<n).first { !sameBits(part[$0], full[first + $0]) }
                    #expect(mismatch == nil, "seed \(seed) \(s) range \(first)+\(n) \(kernels): first mismatch at \(String(describing: mismatch))")
                }
            }
        }
    }

    @Test("size: 2 bits, group 256 is over 14x smaller than fp32; packed size matches the layout")
    func compression() throws {
        let count = 1 << 20
        let size = try PackedLayout(count: count, spec: spec(bits: 2), nonfinite: 0).totalSize
        let ratio = Double(count * 4) / Double(size)
        #expect(ratio >= 14, "ratio \(ratio)")
        // One-bit packs twice as tight in the codes.
        let one = try PackedLayout(count: count, spec: spec(bits: 1), nonfinite: 0).totalSize
        #expect(Double(count * 4) / Double(one) > 25)
    }
}
