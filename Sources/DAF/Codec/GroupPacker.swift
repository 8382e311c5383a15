// SPDX-License-Identifier: MIT
// Packing a run of whole groups: reduce, fit, encode, and collect the NaN/±Inf values. Shared
// by the DAF module and the AVX-512 build of the kernels (Sources/DAFKernelsAVX512 links this
// file), so it depends only on the codec's value types, not on Codec or the C boundary.
import DAFPlatform

enum GroupPacker {
    typealias NonfiniteValue = (index: UInt64, bits: UInt32)

    /// Packs groups `groups` (their table entries and codes); returns their NaN/±Inf values.
    /// Full groups take the SIMD kernels when `simd` is set, else the scalar reference. `store`
    /// overrides RowStore.choose (tests).
    /// Software-pipelined: group g + 1 is reduced between fitting group g and encoding it, so
    /// that the reduction's loads and min/max fill the latency of the fit's divisions (a chain
    /// the out-of-order core could not hide within one group).
    static func pack(_ groups: Range<Int>, _ values: UnsafePointer<Float>, count: Int, spec: QuantSpec,
                     layout: PackedLayout, into dst: UnsafeMutableRawPointer, simd: Bool,
                     store: SIMDGroupKernels.RowStore? = nil) -> [NonfiniteValue] {
        // One loop per code width and rounding, so that the common group's encoder
        // (SIMDGroupKernels.encodeCommon) compiles into the loop and any other group calls the
        // width's general encoder: a call per group, to the bits dispatcher and then to the
        // general encoder, spilled the loop's state around it (perf;
        // Sources/daf-bench/README.md).
        switch spec.rounding {
        case .nearest:
            return pack(groups, values, count: count, spec: spec, layout: layout, into: dst, simd: simd, store: store,
                        rounding: SIMDGroupKernels.NearestRounding.self)
        case .stochastic:
            return pack(groups, values, count: count, spec: spec, layout: layout, into: dst, simd: simd, store: store,
                        rounding: SIMDGroupKernels.StochasticRounding.self)
        }
    }

    private static func pack<R: SIMDGroupKernels.RoundingKind>(_ groups: Range<Int>, _ values: UnsafePointer<Float>, count: Int,
                                                               spec: QuantSpec, layout: PackedLayout,
                                                               into dst: UnsafeMutableRawPointer, simd: Bool,
                                                               store: SIMDGroupKernels.RowStore?, rounding: R.Type) -> [NonfiniteValue] {
        SIMDGroupKernels.withCodeWidth(bits: spec.bits, WidthRun<R>(groups: groups, values: values, count: count, spec: spec,
                                                                     layout: layout, dst: dst, simd: simd, store: store))
    }

    /// pack(_:_:count:...) of one rounding, its arguments held for withCodeWidth.
    private struct WidthRun<R: SIMDGroupKernels.RoundingKind>: SIMDGroupKernels.WidthGeneric {
        let groups: Range<Int>, values: UnsafePointer<Float>, count: Int, spec: QuantSpec, layout: PackedLayout
        let dst: UnsafeMutableRawPointer, simd: Bool, store: SIMDGroupKernels.RowStore?

        @inline(__always)
        func run<W: SIMDGroupKernels.CodeWidth>(width: W.Type) -> [NonfiniteValue] {
            GroupPacker.pack(groups, values, count: count, spec: spec, layout: layout, into: dst, simd: simd, store: store,
                             width: W.self, rounding: R.self)
        }
    }

    private static func pack<Width: SIMDGroupKernels.CodeWidth, R: SIMDGroupKernels.RoundingKind>(
        _ groups: Range<Int>, _ values: UnsafePointer<Float>, count: Int, spec: QuantSpec, layout: PackedLayout,
        into dst: UnsafeMutableRawPointer, simd: Bool, store: SIMDGroupKernels.RowStore?, width: Width.Type,
        rounding: R.Type
    ) -> [NonfiniteValue] {
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
        func reduce(_ g: Int) -> (values: UnsafePointer<Float>, first: Int, count: Int, fast: Bool, range: FiniteMinMax) {
            let (first, n) = layout.groupRange(g)
            let groupValues = values + first
            let fast = simd && n == spec.groupSize
            if fast { prefetch(groupValues + prefetchDistance, upTo: end, groupSize: spec.groupSize) }
            let range = fast ? FiniteMinMax.group(groupValues, count: n) : FiniteMinMax.scalar(groupValues, count: n)
            return (groupValues, first, n, fast, range)
        }
        var group = reduce(groups.lowerBound)
        let keys = StochasticHash.KeyCache(seed: spec.seed, firstIndex: group.first)
        let store = store ?? SIMDGroupKernels.RowStore.choose(stream: stream, count: count, streamBytes: layout.dataBytes,
                                                                  bits: spec.bits)
        for g in groups {
            let params = GroupParams.fit(lo: group.range.lo, hi: group.range.hi, levels: levels)
            let entry = layout.groupTableOffset(g)
            dst.storeBytes(of: params.minimum.bitPattern.littleEndian, toByteOffset: entry, as: UInt32.self)
            dst.storeBytes(of: params.scale.bitPattern.littleEndian, toByteOffset: entry + 4, as: UInt32.self)
            // The encoder's division, issued before the next group's reduction can hide it.
            let encoder = GroupEncoder(params, levels: levels)
            let next = g + 1 < groups.upperBound ? reduce(g + 1) : group
            if !codes {
                // No codes: the group table is all.
            } else if group.fast {
                let allFinite = group.range.nonfinite == 0
                if !SIMDGroupKernels.encodeCommon(group.values, group.first, encoder, spec, allFinite, stream, keys,
                                                  width: Width.self, rounding: R.self, store: store) {
                    SIMDGroupKernels.encode(group.values, group.first, encoder, spec, allFinite, stream, keys, width: Width.self)
                }
            } else {
                ScalarGroupKernels.encode(group.values, count: group.count, firstIndex: group.first, params: params,
                                          spec: spec, stream: stream)
            }
            if group.range.nonfinite > 0 {
                for r in 0..<group.count where !group.values[r].isFinite {
                    nonfinite.append((UInt64(group.first + r), group.values[r].bitPattern))
                }
            }
            group = next
        }
        // Non-temporal stores are weakly ordered: fenced before the caller, or the worker's
        // completion, publishes the stream.
        if store != .cached { daf_platform_store_fence() }
        return nonfinite
    }

    /// Starts loading the group at `start` (if it lies before `end`) while the current group is
    /// being encoded: the reduction of a group is memory-bound and its encoding compute-bound,
    /// and without this the two alternate instead of overlapping.
    @inline(__always)
    private static func prefetch(_ start: UnsafePointer<Float>, upTo end: UnsafePointer<Float>, groupSize: Int) {
        guard start + groupSize <= end else { return }
        // A plain counted loop (stride(from:to:by:) carried overflow checks into every step),
        // four lines a step: a group is a multiple of 16 floats, 64 bytes, so whole steps
        // may reach up to 192 bytes past it, which prefetching tolerates (no fault, no effect).
        var line = UnsafeRawPointer(start)
        let stop = line + groupSize &* 4
        repeat {
            daf_platform_prefetch(line)
            daf_platform_prefetch(line + 64)
            daf_platform_prefetch(line + 128)
            daf_platform_prefetch(line + 192)
            line += 256
        } while line < stop
    }

}
