// SPDX-License-Identifier: MIT
// ExactKindKernels against KindStaging's scalar loops: the same integers staged from float32
// (fast path) and from int32 (scalar loop) give the same bits and the same refusals, with bad
// values (NaN, ±Inf, fractions, out of range, -0) at random places of odd-sized inputs; and
// int32 restore of decoded codes matches the scalar rounding; float32 masks (with -0 and bad
// values: NaN, Inf, fractions, subnormals) staged by the kernel agree with the int32 loop.
import CDAF
import Testing
@testable import DAF

struct ExactKindKernelTests {
    /// KindStaging.stage of `values` (float32 or int32 elements) as `kind`.
    static func staged<T>(_ values: [T], dtype: ElementType, kind: SaveKind) -> Result<[Float], DAFError> {
        let src = UnsafeMutablePointer<T>.allocate(capacity: values.count)
        let out = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
        defer { src.deallocate(); out.deallocate() }
        src.initialize(from: values, count: values.count)
        do throws(DAFError) {
            try KindStaging.stage(UnsafeRawPointer(src), count: values.count, dtype: dtype, kind: kind, spec: nil, into: out)
            return .success(Array(UnsafeBufferPointer(start: out, count: values.count)))
        } catch {
            return .failure(error)
        }
    }

    static func stage(_ values: [Float], kind: SaveKind) -> Result<[Float], DAFError> { staged(values, dtype: .float32, kind: kind) }
    static func stageScalar(_ values: [Int32], kind: SaveKind) -> Result<[Float], DAFError> { staged(values, dtype: .int32, kind: kind) }

    @Test(arguments: [1, 15, 16, 17, 1023, 1025, 4099, 70_001])
    func stagingMatchesTheScalarLoop(count: Int) {
        var rng = SeededGenerator(seed: UInt64(count) &* 31 &+ 5)
        for trial in 0..<8 {
            let low = Int32.random(in: -70_000...70_000, using: &rng)
            let high = low + Int32.random(in: 0...255, using: &rng)
            let kind = SaveKind.integer(low: low, high: high)
            let ints = (0..<count).map { _ in Int32.random(in: low...high, using: &rng) }
            var floats = ints.map { Float($0) }
            if low <= 0, high >= 0, let zero = ints.firstIndex(of: 0) { floats[zero] = -0.0 }
            let fast = ExactKindKernelTests.stage(floats, kind: kind)
            let scalar = ExactKindKernelTests.stageScalar(ints, kind: kind)
            guard case .success(let a) = fast, case .success(let b) = scalar else {
                Issue.record("trial \(trial): a valid input was refused")
                continue
            }
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "trial \(trial)")
            // One bad value at a random place: refused, naming that place.
            let at = Int.random(in: 0..<count, using: &rng)
            let bad: [Float] = [.nan, .infinity, -.infinity, Float(low) - 1, Float(high) + 1, Float(low) + 0.5, 1e30]
            floats[at] = bad[trial % bad.count]
            if case .failure(let error) = ExactKindKernelTests.stage(floats, kind: kind) {
                #expect(error.status == DAF_E_INVALID_ARGUMENT.rawValue)
                #expect(error.detail.hasPrefix("src[\(at)] is "), "\(error.detail)")
            } else {
                Issue.record("trial \(trial): \(floats[at]) at \(at) was accepted")
            }
        }
    }

    @Test(arguments: [1, 15, 16, 17, 1023, 1025, 70_001])
    func maskStagingMatchesTheScalarLoop(count: Int) {
        var rng = SeededGenerator(seed: UInt64(count) &* 131 &+ 9)
        let bad: [Float] = [.nan, .infinity, -1, 2, 0.5, Float(bitPattern: 1), 1 - Float.ulpOfOne / 2, -Float(bitPattern: 3)]
        for trial in 0..<8 {
            let ints = (0..<count).map { _ in Int32.random(in: 0...1, using: &rng) }
            var floats = ints.map { $0 == 0 && Bool.random(using: &rng) ? Float(-0.0) : Float($0) }
            let fast = ExactKindKernelTests.staged(floats, dtype: .float32, kind: .mask)
            let scalar = ExactKindKernelTests.staged(ints, dtype: .int32, kind: .mask)
            guard case .success(let a) = fast, case .success(let b) = scalar else {
                Issue.record("trial \(trial): a valid mask was refused")
                continue
            }
            // The float input's values as they are (-0 kept), the int32 input's as 0 and 1.
            #expect(a.map(\.bitPattern) == floats.map(\.bitPattern) && a == b, "trial \(trial)")
            let at = Int.random(in: 0..<count, using: &rng)
            floats[at] = bad[trial]
            if case .failure(let error) = ExactKindKernelTests.staged(floats, dtype: .float32, kind: .mask) {
                #expect(error.detail.hasPrefix("src[\(at)] is "), "\(error.detail)")
            } else {
                Issue.record("trial \(trial): \(floats[at]) at \(at) was accepted as a mask value")
            }
        }
    }

    @Test(arguments: [1, 16, 33, 4099])
    func int32RestoreMatchesTheScalarRounding(count: Int) {
        var rng = SeededGenerator(seed: UInt64(count) &+ 77)
        for low: Int32 in [0, -5, 1_000_000, Int32.max - 100, Int32.min] {
            // Decoded codes: integers 0...255 give or take less than half a step.
            let values = (0..<count).map { _ in Float(Int.random(in: 0...255, using: &rng)) + Float.random(in: -0.45...0.45, using: &rng) }
            var fast = [Int32](repeating: 7, count: count), reference = [Int32](repeating: 7, count: count)
            fast.withUnsafeMutableBytes { ExactKindKernels.finishInt32(values, count: count, low: low, into: $0.baseAddress!) }
            for i in 0..<count { reference[i] = Int32(truncatingIfNeeded: Int64(values[i].rounded()) + Int64(low)) }
            #expect(fast == reference, "low \(low)")
        }
    }
}
