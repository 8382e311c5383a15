// SPDX-License-Identifier: MIT
// Whole-tensor min/max over several threads, by one of two strategies (DAF §4.1, "hybrid
// reduction"): a parallel tree (one slice per thread, partial results combined at the end) or
// atomic combination (small chunks handed out dynamically, each folded into shared atomics as
// it finishes). The paper picks offline per GPU; here the choice is measured at run time: the
// first calls of each size class time both strategies alternately, later calls use the
// faster. Both give exactly the same result (min and max are exact; -0 is normalized later).
import Synchronization

enum ReductionStrategy: Int, CaseIterable {
    case tree = 0
    case atomic = 1
}

enum HybridMinMax {
    /// Chunk of the atomic strategy: 64 Ki values, so a handful per thread even for a few MiB.
    static let atomicChunk = 65_536

    static func reduce(_ values: UnsafePointer<Float>, count: Int, parallelism: Parallelism) -> FiniteMinMax {
        guard parallelism.threads > 1, count >= 2 * atomicChunk else { return FiniteMinMax.simd(values, count: count) }
        let sizeClass = Int.bitWidth - count.leadingZeroBitCount // log2 bucket
        let strategy = tuner.strategy(forClass: sizeClass)
        let start = Clock.seconds()
        let result = reduce(values, count: count, parallelism: parallelism, strategy: strategy)
        tuner.record(Clock.seconds() - start, strategy: strategy, sizeClass: sizeClass)
        return result
    }

    static func reduce(_ values: UnsafePointer<Float>, count: Int, parallelism: Parallelism,
                       strategy: ReductionStrategy) -> FiniteMinMax {
        switch strategy {
        case .tree: return tree(values, count: count, parallelism: parallelism)
        case .atomic: return atomic(values, count: count, parallelism: parallelism)
        }
    }

    private static func tree(_ values: UnsafePointer<Float>, count: Int, parallelism: Parallelism) -> FiniteMinMax {
        let slices = parallelism.threads
        var partial = [FiniteMinMax](repeating: FiniteMinMax(), count: slices)
        partial.withUnsafeMutableBufferPointer { partial in
            parallelism.forEach(parts: slices) { s in
                let first = count * s / slices, end = count * (s + 1) / slices
                partial[s] = FiniteMinMax.simd(values + first, count: end - first)
            }
        }
        // Combine pairwise, level by level.
        var width = 1
        while width < slices {
            for i in stride(from: 0, to: slices - width, by: 2 * width) { partial[i].merge(partial[i + width]) }
            width *= 2
        }
        return partial[0]
    }

    // Signed keys: in Swift 6.3.1, Atomic<UInt32>.min/max compare as signed and leave the
    // stored value wrong (seen here: min(UInt32.max, 7) keeps UInt32.max); Int32 works.
    private final class Shared: Sendable {
        let lo = Atomic<Int32>(Int32.max)
        let hi = Atomic<Int32>(Int32.min)
        let nonfinite = Atomic<Int>(0)
    }

    private static func atomic(_ values: UnsafePointer<Float>, count: Int, parallelism: Parallelism) -> FiniteMinMax {
        let shared = Shared()
        let chunks = (count + atomicChunk - 1) / atomicChunk
        parallelism.forEach(parts: chunks) { c in
            let first = c * atomicChunk
            let part = FiniteMinMax.simd(values + first, count: min(atomicChunk, count - first))
            // Relaxed: min, max and add are indivisible under any ordering, and the results are
            // read only after forEach returned, which waits for every part through a release
            // (the job's done flag) and an acquire: all these updates happen before the loads.
            if part.hasFinite {
                shared.lo.min(orderedKey(part.lo), ordering: .relaxed)
                shared.hi.max(orderedKey(part.hi), ordering: .relaxed)
            }
            if part.nonfinite > 0 { shared.nonfinite.add(part.nonfinite, ordering: .relaxed) }
        }
        let lo = shared.lo.load(ordering: .acquiring), hi = shared.hi.load(ordering: .acquiring)
        var result = FiniteMinMax()
        result.nonfinite = shared.nonfinite.load(ordering: .acquiring)
        if lo != Int32.max {
            result.lo = float(fromOrderedKey: lo)
            result.hi = float(fromOrderedKey: hi)
        }
        return result
    }

    /// A finite float's bits as an Int32 whose order is the numbers' order: positive floats
    /// keep their bits, negative ones flip all but the sign bit (-0 sorts just below +0).
    @inline(__always)
    static func orderedKey(_ x: Float) -> Int32 {
        let bits = Int32(bitPattern: x.bitPattern)
        return bits >= 0 ? bits : bits ^ 0x7FFF_FFFF
    }

    @inline(__always)
    static func float(fromOrderedKey key: Int32) -> Float {
        Float(bitPattern: UInt32(bitPattern: key >= 0 ? key : key ^ 0x7FFF_FFFF))
    }

    static let tuner = StrategyTuner()
}

/// Per size class: the first 2 * samples calls alternate the strategies and are timed; then
/// the strategy with the lower median stays. Thread-safe.
final class StrategyTuner: Sendable {
    static let samples = 2

    private struct ClassState {
        var times: [[Double]] = Array(repeating: [], count: ReductionStrategy.allCases.count)
        var chosen: ReductionStrategy?
    }

    private let classes = Locked<[Int: ClassState]>([:])

    func strategy(forClass sizeClass: Int) -> ReductionStrategy {
        classes.withLock { classes in
            let state = classes[sizeClass] ?? ClassState()
            if let chosen = state.chosen { return chosen }
            let measured = state.times.map(\.count).reduce(0, +)
            return ReductionStrategy(rawValue: measured % ReductionStrategy.allCases.count)!
        }
    }

    func record(_ seconds: Double, strategy: ReductionStrategy, sizeClass: Int) {
        classes.withLock { classes in
            var state = classes[sizeClass] ?? ClassState()
            guard state.chosen == nil else { return }
            state.times[strategy.rawValue].append(seconds)
            if state.times.allSatisfy({ $0.count >= StrategyTuner.samples }) {
                let medians = state.times.map { $0.sorted()[$0.count / 2] }
                state.chosen = medians[0] <= medians[1] ? .tree : .atomic
            }
            classes[sizeClass] = state
        }
    }

    /// The chosen strategy per size class (nil while still measuring), for stats and tests.
    var choices: [Int: ReductionStrategy?] {
        classes.withLock { $0.mapValues(\.chosen) }
    }
}
