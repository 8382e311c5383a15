// SPDX-License-Identifier: MIT
// CompandKernels against KindStaging's scalar reference, bit for bit: random data of odd sizes
// and group sizes with zeros, ±0, subnormals, NaN (quiet and signalling), ±Inf, negative and
// huge values; staging with and without a spec, both roundings, the 1-bit mean level, and the
// square on restore.
import Testing
@testable import DAF

struct CompandKernelTests {
    /// A value drawn from a mix meant to hit every branch of the kernels.
    static func nasty(_ rng: inout SeededGenerator) -> Float {
        switch rng.next() % 16 {
        case 0: return 0
        case 1: return -0.0
        case 2: return Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x007F_FFFF) // subnormal
        case 3: return -Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x007F_FFFF)
        case 4: return .nan
        case 5: return Float(bitPattern: 0x7FA0_0001) // signalling NaN
        case 6: return rng.next() % 2 == 0 ? .infinity : -.infinity
        case 7: return -Float(rng.next() % 1000) / 7
        case 8: return Float.greatestFiniteMagnitude / Float(1 + rng.next() % 3)
        case 9: return Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) // any bits
        default: return Float(rng.next() % 100_000) / 1000 * Float(rng.next() % 2) // ReLU-like
        }
    }

    /// The nasty mix, or ReLU-like values (half zeros) that take the group work.
    static func fill(_ src: UnsafeMutablePointer<Float>, count: Int, nasty: Bool, rng: inout SeededGenerator) {
        for i in 0..<count {
            src[i] = nasty ? CompandKernelTests.nasty(&rng) : Float(rng.next() % 3000) / 1000 * Float(rng.next() % 2)
        }
    }

    /// Six trials on `count` values: each fills src (nasty values in the even trials), draws a
    /// group size, and calls `body` with the buffers and the generator.
    static func trials(count: Int, seed: UInt64,
                       _ body: (Int, Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                                inout SeededGenerator) throws -> Void) rethrows {
        var rng = SeededGenerator(seed: seed)
        let buffers = (Buffer(count), Buffer(count), Buffer(count))
        defer { withExtendedLifetime(buffers) {} }
        for trial in 0..<6 {
            fill(buffers.0.pointer, count: count, nasty: trial % 2 == 0, rng: &rng)
            let groupSize = [32, 48, 256, 4096][Int(rng.next() % 4)]
            try body(trial, groupSize, buffers.0.pointer, buffers.1.pointer, buffers.2.pointer, &rng)
        }
    }

    static func same(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Int? {
        (0..<count).first { a[$0].bitPattern != b[$0].bitPattern }
    }

    @Test(arguments: [1, 15, 16, 17, 255, 256, 1000, 4099, 65_537])
    func meanLevelMatchesReference(count: Int) {
        CompandKernelTests.trials(count: count, seed: UInt64(count) &* 104_729 &+ 3) { trial, groupSize, src, fast, reference, _ in
            CompandKernels.stageMeanLevel(src, count: count, groupSize: groupSize, into: fast)
            KindStaging.stageMeanLevelReference(src, count: count, groupSize: groupSize, into: reference)
            let differs = CompandKernelTests.same(fast, reference, count: count)
            #expect(differs == nil, "trial \(trial), group \(groupSize), value \(differs.map { src[$0] } ?? 0)")
            // In the plain trials the levels were placed (the test can tell a missing level).
            if trial % 2 == 1, count >= 1000 {
                #expect((0..<count).contains { fast[$0] != KindStaging.compand(src[$0]) })
            }
        }
    }

    /// ReLU-like groups, some with values up to the largest float (whose sum needs the ordered
    /// Double sum): the kernel matches the reference bit for bit, and every level is within
    /// 2e-6 relative of sqrt(the mean of the group's positive values) taken in Double.
    @Test(arguments: [33, 4096, 20_000])
    func meanLevelIsTheMean(count: Int) {
        CompandKernelTests.trials(count: count, seed: UInt64(count) &* 31 &+ 11) { trial, groupSize, src, fast, reference, rng in
            for i in 0..<count where src[i] < 0 || !src[i].isFinite { src[i] = 0 } // no negatives: every group levels
            if trial % 2 == 0 {
                // Two in one lane of one block: their Float sum alone would overflow.
                let j = Int(rng.next() % UInt64(count))
                src[j] = .greatestFiniteMagnitude
                if j + 16 < count, j % groupSize + 16 < groupSize { src[j + 16] = .greatestFiniteMagnitude }
            }
            CompandKernels.stageMeanLevel(src, count: count, groupSize: groupSize, into: fast)
            KindStaging.stageMeanLevelReference(src, count: count, groupSize: groupSize, into: reference)
            let differs = CompandKernelTests.same(fast, reference, count: count)
            #expect(differs == nil, "trial \(trial), group \(groupSize), value \(differs.map { src[$0] } ?? 0)")
            var first = 0
            while first < count {
                let group = (first..<min(first + groupSize, count)).filter { src[$0] > 0 }
                if let i = group.first {
                    let mean = group.reduce(0.0) { $0 + Double(src[$1]) } / Double(group.count)
                    #expect(fast[i].isFinite && abs(Double(fast[i]) - mean.squareRoot()) <= 2e-6 * mean.squareRoot(),
                            "trial \(trial), group at \(first): level \(fast[i]), mean \(mean)")
                }
                first += groupSize
            }
        }
    }

    @Test(arguments: [1, 15, 16, 17, 255, 256, 1000, 4099, 65_537])
    func stagingMatchesReference(count: Int) throws {
        // Odd trials without the nasty values, so that most groups take the raise.
        try CompandKernelTests.trials(count: count, seed: UInt64(count) &* 7919) { trial, groupSize, src, fast, reference, rng in
            let spec: QuantSpec? = trial == 5 ? nil : try QuantSpec(bits: UInt32(1 + rng.next() % 8), groupSize: UInt32(groupSize),
                                                                   rounding: UInt32(trial % 2), seed: 1)
            CompandKernels.stage(src, count: count, spec: spec, into: fast)
            KindStaging.stageNonnegativeReference(src, count: count, spec: spec, into: reference)
            let differs = CompandKernelTests.same(fast, reference, count: count)
            #expect(differs == nil, "stage: trial \(trial), value \(differs.map { src[$0] } ?? 0)")
            // The raise happened somewhere in the plain trials (the test can tell a missing raise).
            if trial % 2 == 1, let spec, spec.bits <= 2, count >= 1000 {
                #expect((0..<count).contains { fast[$0] != KindStaging.compand(src[$0]) })
            }
            // The square on restore, on the staged values and on the raw ones.
            for input in [fast, src] {
                reference.update(from: input, count: count)
                for i in 0..<count { reference[i] = KindStaging.expand(reference[i]) }
                let expanded = UnsafeMutablePointer<Float>.allocate(capacity: count)
                defer { expanded.deallocate() }
                expanded.update(from: input, count: count)
                CompandKernels.expand(expanded, count: count)
                let wrong = CompandKernelTests.same(expanded, reference, count: count)
                #expect(wrong == nil, "expand: trial \(trial), value \(wrong.map { "\(input[$0].bitPattern) \(expanded[$0].bitPattern) \(reference[$0].bitPattern)" } ?? "")")
            }
        }
    }
}

/// A float buffer freed with its owner.
final class Buffer {
    let pointer: UnsafeMutablePointer<Float>
    init(_ count: Int) { pointer = .allocate(capacity: count) }
    deinit { pointer.deallocate() }
}
