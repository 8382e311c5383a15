// SPDX-License-Identifier: MIT
// The AVX-512 build of the packing kernels: the DAF module's own sources (the links in this
// folder) compiled for x86-64-v4, so SIMD16<Float> lives in one zmm register instead of two ymm.
// DAF calls packGroupsAVX512 only after daf_platform_cpu_has_avx512() said yes (KernelChoice).
// Only this function is public; the linked types stay internal to this module.

/// GroupPacker.pack on groups `groups` of a tensor of `count` values with an already validated
/// spec (its raw fields); nil if the fields do not form a valid spec (never expected: the
/// caller then packs with its own build).
public func packGroupsAVX512(_ groups: Range<Int>, _ values: UnsafePointer<Float>, count: Int, bits: Int, groupSize: Int,
                             rounding: UInt8, seed: UInt64, into dst: UnsafeMutableRawPointer) -> [(index: UInt64, bits: UInt32)]? {
    guard let spec = try? QuantSpec(bits: UInt32(truncatingIfNeeded: bits), groupSize: UInt32(truncatingIfNeeded: groupSize),
                                    rounding: UInt32(rounding), seed: seed, allowsRangeOnly: true),
          let layout = try? PackedLayout(count: count, spec: spec, nonfinite: 0)
    else { return nil }
    return GroupPacker.pack(groups, values, count: count, spec: spec, layout: layout, into: dst, simd: true)
}
