// SPDX-License-Identifier: MIT
// Byte offsets and sizes of a packed blob (format version 1, documented in include/daf.h):
// header | group table | codes (one lane-interleaved stream) | non-finite indices | bits.
// Only arithmetic: reading and writing the bytes is BlobHeader's and the kernels' job.
import CDAF

struct PackedLayout: Equatable {
    static let headerBytes = Int(DAF_PACKED_HEADER_BYTES)
    static let groupEntryBytes = 8
    static let nonfiniteEntryBytes = Int(DAF_PACKED_NONFINITE_BYTES)
    /// Counts above this give DAF_E_OVERFLOW: every size derived from a count stays far below
    /// Int.max, so none of the arithmetic here can overflow.
    static let maxCount = 1 << 58

    let count: Int
    let bits: Int
    let groupSize: Int
    let nonfinite: Int

    let groups: Int
    let dataOffset: Int
    let dataBytes: Int
    let nonfiniteOffset: Int
    let totalSize: Int

    init(count: Int, bits: Int, groupSize: Int, nonfinite: Int) throws(DAFError) {
        guard count >= 0, count <= PackedLayout.maxCount else {
            throw .overflow("count is \(count); at most 2^58 values per tensor")
        }
        // Callers validate this (BlobHeader.read checks it); a violation is reported, not trapped.
        guard nonfinite >= 0, nonfinite <= count else {
            throw DAFError(DAF_E_INTERNAL, "non-finite count \(nonfinite) outside 0...\(count)")
        }
        self.count = count
        self.bits = bits
        self.groupSize = groupSize
        self.nonfinite = nonfinite
        groups = (count + groupSize - 1) / groupSize
        let tableBytes = groups * PackedLayout.groupEntryBytes
        dataOffset = PackedLayout.headerBytes + (tableBytes + 63) / 64 * 64
        dataBytes = PackedLayout.words(values: count, bits: bits) * 4
        nonfiniteOffset = dataOffset + dataBytes
        totalSize = nonfiniteOffset + nonfinite * PackedLayout.nonfiniteEntryBytes
    }

    init(count: Int, spec: QuantSpec, nonfinite: Int) throws(DAFError) {
        try self.init(count: count, bits: spec.bits, groupSize: spec.groupSize, nonfinite: nonfinite)
    }

    /// Words of the code stream of `values` values: whole rows of 16 lanes, whole words per lane.
    static func words(values: Int, bits: Int) -> Int {
        guard bits > 0 else { return 0 } // range only: no codes
        let rows = (values + QuantSpec.lanes - 1) / QuantSpec.lanes
        let perWord = 32 / bits
        return (rows + perWord - 1) / perWord * QuantSpec.lanes
    }

    /// First element and element count of group `g`.
    func groupRange(_ g: Int) -> (first: Int, count: Int) {
        let first = g * groupSize
        return (first, min(groupSize, count - first))
    }

    func groupTableOffset(_ g: Int) -> Int { PackedLayout.headerBytes + g * PackedLayout.groupEntryBytes }

    var nonfiniteBitsOffset: Int { nonfiniteOffset + nonfinite * 8 }
}
