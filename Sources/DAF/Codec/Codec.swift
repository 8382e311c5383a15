// SPDX-License-Identifier: MIT
// The whole-tensor codec: group by group, reduce, fit, encode (pack) or validate and decode
// (unpack, whole or a range), plus the non-finite side list. Chooses the SIMD kernel for full
// groups and the scalar reference for the short last group; tests can force the reference.
// Runs of groups (GroupRuns) are spread over the threads a Parallelism allows; the bytes and
// values are the same for any thread count.

import CDAF
import DAFPlatform
#if canImport(DAFKernelsAVX512)
import DAFKernelsAVX512
#endif

enum Kernels {
    case reference
    /// The fastest SIMD kernels for this CPU (KernelChoice).
    case simd
    /// The SIMD kernels of this module's own build (AVX2 on x86-64), whatever the CPU offers.
    case baselineSIMD
    /// Packing on the AVX-512 build where the CPU has it (else as baselineSIMD): for tests.
    case avx512
}

enum Codec {
    /// Exact packed size of these values.
    static func packedSize(_ values: UnsafePointer<Float>?, count: Int, spec: QuantSpec,
                           parallelism: Parallelism = .serial) throws(DAFError) -> Int {
        _ = try PackedLayout(count: count, spec: spec, nonfinite: 0)
        let nonfinite = count == 0 ? 0 : HybridMinMax.reduce(values!, count: count, parallelism: parallelism).nonfinite
        return try PackedLayout(count: count, spec: spec, nonfinite: nonfinite).totalSize
    }

    /// Writes values [from, to) (whole groups but the last) of the buffer a pack reads, just
    /// before they are packed, while the run is in the caches (a kind's staging).
    typealias Stage = (_ from: Int, _ to: Int) -> Void

    /// Packs values into dst (capacity bytes); returns the blob's size. On DAF_E_DST_TOO_SMALL
    /// the error's `needed` is the size required; dst may have been written. With `stage`,
    /// values are written run by run by it (they may hold anything before).
    static func pack(_ values: UnsafePointer<Float>?, count: Int, spec: QuantSpec,
                     into dst: UnsafeMutableRawPointer, capacity: Int, kernels: Kernels = .simd,
                     parallelism: Parallelism = .serial, stage: Stage? = nil) throws(DAFError) -> Int {
        let finiteLayout = try PackedLayout(count: count, spec: spec, nonfinite: 0)
        guard capacity >= finiteLayout.totalSize else {
            if count > 0, let stage { stage(0, count) }
            throw .tooSmall(capacity: capacity, needed: try packedSize(values, count: count, spec: spec, parallelism: parallelism))
        }
        let tableEnd = finiteLayout.groupTableOffset(finiteLayout.groups)
        (dst + tableEnd).initializeMemory(as: UInt8.self, repeating: 0, count: finiteLayout.dataOffset - tableEnd)

        let runs = GroupRuns(groups: finiteLayout.groups, spec: spec)
        var found = [[NonfiniteValue]](repeating: [], count: runs.count)
        found.withUnsafeMutableBufferPointer { found in
            parallelism.forEach(parts: runs.count) { run in
                let groups = runs.groups(ofRun: run)
                stage?(groups.lowerBound * spec.groupSize, min(count, groups.upperBound * spec.groupSize))
                found[run] = packRun(groups, values!, count: count, spec: spec, layout: finiteLayout, into: dst,
                                     kernels: kernels)
            }
        }
        let nonfinite = found.flatMap { $0 }

        let layout = try PackedLayout(count: count, spec: spec, nonfinite: nonfinite.count)
        guard capacity >= layout.totalSize else { throw .tooSmall(capacity: capacity, needed: layout.totalSize) }
        for (i, entry) in nonfinite.enumerated() {
            dst.storeBytes(of: entry.index.littleEndian, toByteOffset: layout.nonfiniteOffset + i * 8, as: UInt64.self)
            dst.storeBytes(of: entry.bits.littleEndian, toByteOffset: layout.nonfiniteBitsOffset + i * 4, as: UInt32.self)
        }
        BlobHeader(spec: spec, layout: layout).write(to: dst)
        return layout.totalSize
    }

    typealias NonfiniteValue = GroupPacker.NonfiniteValue

    /// Packs one run of groups with the kernels asked for: `.simd` takes the AVX-512 build
    /// where KernelChoice says it is faster on this CPU.
    private static func packRun(_ groups: Range<Int>, _ values: UnsafePointer<Float>, count: Int, spec: QuantSpec,
                                layout: PackedLayout, into dst: UnsafeMutableRawPointer, kernels: Kernels) -> [NonfiniteValue] {
        #if canImport(DAFKernelsAVX512)
        if KernelChoice.usesAVX512(kernels),
           let found = packGroupsAVX512(groups, values, count: count, bits: spec.bits, groupSize: spec.groupSize,
                                        rounding: spec.rounding.rawValue, seed: spec.seed, into: dst) {
            return found
        }
        #endif
        return GroupPacker.pack(groups, values, count: count, spec: spec, layout: layout, into: dst,
                                simd: kernels != .reference)
    }

    /// A pass over decoded values in place (dst, count), run on each run of groups right after
    /// it is decoded, while it is in the caches, before the non-finite values are written back.
    typealias Finish = (UnsafeMutablePointer<Float>, Int) -> Void

    /// Decodes the whole blob; count must match. `store` overrides RowStore.forValues (tests).
    /// `finish`, if given, must leave non-finite values as they are (they are written after it).
    static func unpack(_ blob: UnsafeRawPointer, size: Int, into dst: UnsafeMutablePointer<Float>?, count: Int,
                       kernels: Kernels = .simd, parallelism: Parallelism = .serial,
                       store: SIMDGroupKernels.RowStore? = nil, finish: Finish? = nil) throws(DAFError) {
        let header = try BlobHeader.read(blob, size: size)
        guard count == header.layout.count else {
            throw DAFError(DAF_E_SIZE_MISMATCH, "count is \(count) but the blob holds \(header.layout.count) values")
        }
        try decode(blob, header: header, first: 0, count: count, into: dst, kernels: kernels, parallelism: parallelism,
                   store: store, finish: finish)
    }

    /// Decodes values [first, first + count); identical to the same range of `unpack`.
    static func unpackRange(_ blob: UnsafeRawPointer, size: Int, first: Int, count: Int,
                            into dst: UnsafeMutablePointer<Float>?, kernels: Kernels = .simd,
                            parallelism: Parallelism = .serial, store: SIMDGroupKernels.RowStore? = nil) throws(DAFError) {
        let header = try BlobHeader.read(blob, size: size)
        try checkRange(first: first, count: count, total: header.layout.count)
        try decode(blob, header: header, first: first, count: count, into: dst, kernels: kernels, parallelism: parallelism,
                   store: store)
    }

    private static func groupParams(_ blob: UnsafeRawPointer, _ layout: PackedLayout, _ g: Int) -> GroupParams {
        let entry = layout.groupTableOffset(g)
        return GroupParams(
            minimum: Float(bitPattern: UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: entry, as: UInt32.self))),
            scale: Float(bitPattern: UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: entry + 4, as: UInt32.self))))
    }

    /// Validates what the range needs (group entries, the non-finite list), then decodes it.
    private static func decode(_ blob: UnsafeRawPointer, header: BlobHeader, first: Int, count: Int,
                               into dst: UnsafeMutablePointer<Float>?, kernels: Kernels, parallelism: Parallelism,
                               store: SIMDGroupKernels.RowStore?, finish: Finish? = nil) throws(DAFError) {
        guard count > 0, let dst else { return }
        let layout = header.layout, spec = header.spec
        let end = first + count
        let groups = (first / spec.groupSize)...((end - 1) / spec.groupSize)
        for g in groups where !groupParams(blob, layout, g).isPlausible(levels: spec.levels) {
            throw .corrupt("group \(g) has an impossible minimum or scale")
        }
        let nonfinite = try nonfiniteIndexRange(blob, layout, first: first, end: end)

        // Decoding writes only dst, so runs can be shorter than packing's: a 64 Ki-value tile
        // (a range restore) still splits four ways.
        let runs = GroupRuns(groups: groups.count, spec: spec, minimumValues: 16_384)
        // Full groups' rows all lie a multiple of 128 bytes from the first one's: one alignment.
        let firstFull = (first + spec.groupSize - 1) / spec.groupSize * spec.groupSize
        // A finish reads the run back at once: its values stay in the caches.
        let store = kernels == .reference || finish != nil ? .cached
            : store ?? SIMDGroupKernels.RowStore.forValues(firstRow: UnsafeMutableRawPointer(dst + (firstFull - first)), count: count)
        parallelism.forEach(parts: runs.count) { run in
            let runGroups = runs.groups(ofRun: run)
            for offset in runGroups {
                decodeGroup(groups.lowerBound + offset, blob, layout: layout, spec: spec, first: first, end: end, into: dst,
                            kernels: kernels, store: store)
            }
            if let finish {
                let from = max(first, (groups.lowerBound + runGroups.lowerBound) * spec.groupSize)
                let to = min(end, (groups.lowerBound + runGroups.upperBound) * spec.groupSize)
                if to > from { finish(dst + (from - first), to - from) }
            }
            // Non-temporal stores are weakly ordered: fenced before the run's completion (or
            // the caller's return) publishes them.
            if store != .cached { daf_platform_store_fence() }
        }
        for i in nonfinite {
            let index = Int(UInt64(littleEndian: blob.loadUnaligned(fromByteOffset: layout.nonfiniteOffset + i * 8, as: UInt64.self)))
            let bits = UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: layout.nonfiniteBitsOffset + i * 4, as: UInt32.self))
            dst[index - first] = Float(bitPattern: bits)
        }
    }

    /// Decodes the part of group g that lies in [first, end) into dst (which holds value `first` at 0).
    @inline(__always)
    private static func decodeGroup(_ g: Int, _ blob: UnsafeRawPointer, layout: PackedLayout, spec: QuantSpec,
                                    first: Int, end: Int, into dst: UnsafeMutablePointer<Float>, kernels: Kernels,
                                    store: SIMDGroupKernels.RowStore) {
        let (groupFirst, n) = layout.groupRange(g)
        let params = groupParams(blob, layout, g)
        let stream = blob + layout.dataOffset
        let from = max(first, groupFirst), to = min(end, groupFirst + n)
        let out = dst + (from - first)
        if spec.bits == QuantSpec.rangeOnlyBits {
            out.initialize(repeating: params.decode(0), count: to - from)
        } else if kernels != .reference, n == spec.groupSize, from == groupFirst, to == groupFirst + n {
            SIMDGroupKernels.decode(stream: stream, firstIndex: groupFirst, params: params, spec: spec, into: out, store: store)
        } else {
            ScalarGroupKernels.decode(stream: stream, from: from, to: to, params: params, spec: spec, into: out)
        }
    }

    /// Checks the whole non-finite list (strictly ascending, in range, non-finite bit patterns)
    /// and returns the positions in it whose indices fall in [first, end).
    private static func nonfiniteIndexRange(_ blob: UnsafeRawPointer, _ layout: PackedLayout,
                                            first: Int, end: Int) throws(DAFError) -> Range<Int> {
        var lower = layout.nonfinite, upper = layout.nonfinite
        var previous: UInt64? = nil
        for i in 0..<layout.nonfinite {
            let index = UInt64(littleEndian: blob.loadUnaligned(fromByteOffset: layout.nonfiniteOffset + i * 8, as: UInt64.self))
            let bits = UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: layout.nonfiniteBitsOffset + i * 4, as: UInt32.self))
            guard index < UInt64(layout.count), previous.map({ index > $0 }) ?? true else {
                throw .corrupt("non-finite list entry \(i) (index \(index)) is out of order or out of range")
            }
            guard bits & 0x7F80_0000 == 0x7F80_0000 else {
                throw .corrupt("non-finite list entry \(i) holds a finite value")
            }
            previous = index
            if lower == layout.nonfinite, index >= UInt64(first) { lower = i }
            if upper == layout.nonfinite, index >= UInt64(end) { upper = i }
        }
        return lower..<max(lower, upper)
    }
}

/// A range [first, first + count) of a tensor of `total` values (first and count >= 0).
func checkRange(first: Int, count: Int, total: Int) throws(DAFError) {
    guard first <= total, count <= total - first else {
        throw DAFError(DAF_E_OUT_OF_RANGE, "range [\(first), \(first) + \(count)) exceeds the \(total) values of the tensor")
    }
}
