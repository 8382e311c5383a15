// Packing a run of whole groups: reduce, fit, encode, and collect the NaN/±Inf values. Shared
// by the DAF module and the AVX-512 build of the kernels (Sources/DAFKernelsAVX512 links this
// file), so it depends only on the codec's value types, not on Codec or the C boundary.
import DAFPlatform

enum GroupPacker {
    typealias NonfiniteValue = (index: UInt64, bits: UInt32)

    /// Packs groups `groups` (their table entries and codes); returns their NaN/±Inf values.
    /// Full groups take the SIMD kernels when `simd` is set, else the scalar reference.
    /// Software-pipelined: group g + 1 is reduced between fitting group g and encoding it, so
    /// that the reduction's loads and min/max fill the latency of the fit's divisions (a chain
    /// the out-of-order core could not hide within one group).
    static func pack(_ groups: Range<Int>, _ values: UnsafePointer<Float>, count: Int, spec: QuantSpec,
                     layout: PackedLayout, into dst: UnsafeMutableRawPointer, simd: Bool) -> [NonfiniteValue] {
        var nonfinite: [NonfiniteValue] = []
        guard !groups.isEmpty else { return nonfinite }
        let stream = dst + layout.dataOffset
        let levels = spec.levels, codes = spec.bits != QuantSpec.rangeOnlyBits
        let end = values + count
        // Two groups or 8 KiB ahead of the group being reduced, whichever is further: with
        // 256-value groups, 2 groups (2 KiB) arrived from DRAM too late (8 KiB: +2-5 % on
        // 256 MiB, daf-bench quantize_pack, 3 alternating runs).
        let prefetchDistance = max(2 * spec.groupSize, 2048)
        /// Reduces group g: its values, count, whether the SIMD kernels take it, and its range.
        func reduce(_ g: Int) -> ReducedGroup {
            let (first, n) = layout.groupRange(g)
            let groupValues = values + first
            let fast = simd && n == spec.groupSize
            if fast { prefetch(groupValues + prefetchDistance, upTo: end, groupSize: spec.groupSize) }
            let range = fast ? FiniteMinMax.simd(groupValues, count: n) : FiniteMinMax.scalar(groupValues, count: n)
            return ReducedGroup(values: groupValues, first: first, count: n, fast: fast, range: range)
        }
        let keys = StochasticHash.KeyCache(seed: spec.seed, firstIndex: layout.groupRange(groups.lowerBound).first)
        // Batches of groups, fitted together (GroupFits) and software-pipelined: the groups of
        // batch b + 1 are reduced one by one between the encodings of batch b's groups, so that
        // the reductions' loads and latency chains overlap the compute-bound encoding. At most
        // 16 groups and, beyond 256-value groups, about 16 KiB of values per batch, so that
        // both batches stay in L1.
        let batchSize = max(1, min(16, 4096 / spec.groupSize))
        func batch(from start: Int) -> Range<Int> { start..<min(start + batchSize, groups.upperBound) }
        withUnsafeTemporaryAllocation(of: ReducedGroup.self, capacity: 2 * batchSize) { slots in
          withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * 80) { fitStorage in
            // Two GroupFits: the current batch's and the next one's.
            let fitsPair = (GroupFits(storage: fitStorage.baseAddress!, levels: levels),
                            GroupFits(storage: fitStorage.baseAddress! + 80, levels: levels))
            var current = batch(from: groups.lowerBound)
            for (lane, g) in current.enumerated() {
                let group = reduce(g)
                slots.initializeElement(at: lane, to: group)
                fitsPair.0.setRange(lane: lane, lo: group.range.lo, hi: group.range.hi)
            }
            var even = true // the current batch uses slots 0..<batchSize and fitsPair.0
            while !current.isEmpty {
                let fits = even ? fitsPair.0 : fitsPair.1, nextFits = even ? fitsPair.1 : fitsPair.0
                let base = even ? 0 : batchSize, nextBase = batchSize - base
                fits.fitAll()
                let next = batch(from: current.upperBound)
                for (lane, g) in current.enumerated() {
                    let group = slots[base + lane]
                    let (params, encoder) = simd ? fits.fit(lane: lane) : fits.referenceFit(lane: lane)
                    let entry = layout.groupTableOffset(g)
                    dst.storeBytes(of: params.minimum.bitPattern.littleEndian, toByteOffset: entry, as: UInt32.self)
                    dst.storeBytes(of: params.scale.bitPattern.littleEndian, toByteOffset: entry + 4, as: UInt32.self)
                    if lane < next.count {
                        let upcoming = reduce(next.lowerBound + lane)
                        slots.initializeElement(at: nextBase + lane, to: upcoming)
                        nextFits.setRange(lane: lane, lo: upcoming.range.lo, hi: upcoming.range.hi)
                    }
                    if !codes {
                        // No codes: the group table is all.
                    } else if group.fast {
                        SIMDGroupKernels.encode(group.values, firstIndex: group.first, encoder: encoder, spec: spec,
                                                allFinite: group.range.nonfinite == 0, stream: stream, keys: keys)
                    } else {
                        ScalarGroupKernels.encode(group.values, count: group.count, firstIndex: group.first,
                                                  params: params, spec: spec, stream: stream)
                    }
                    if group.range.nonfinite > 0 {
                        for r in 0..<group.count where !group.values[r].isFinite {
                            nonfinite.append((UInt64(group.first + r), group.values[r].bitPattern))
                        }
                    }
                }
                current = next
                even.toggle()
            }
          }
        }
        return nonfinite
    }

    /// A group after its min/max pass.
    struct ReducedGroup {
        let values: UnsafePointer<Float>
        let first: Int
        let count: Int
        /// Whether the SIMD kernels take it (a full group).
        let fast: Bool
        let range: FiniteMinMax
    }

    /// Starts loading the group at `start` (if it lies before `end`) while the current group is
    /// being encoded: the reduction of a group is memory-bound and its encoding compute-bound,
    /// and without this the two alternate instead of overlapping.
    @inline(__always)
    private static func prefetch(_ start: UnsafePointer<Float>, upTo end: UnsafePointer<Float>, groupSize: Int) {
        guard start + groupSize <= end else { return }
        // A plain counted loop: stride(from:to:by:) carried overflow checks into every step.
        var line = UnsafeRawPointer(start)
        let stop = line + groupSize &* 4
        repeat {
            daf_platform_prefetch(line)
            line += 64
        } while line < stop
    }

}
