// SPDX-License-Identifier: MIT
// Scalar reference kernels for one group: encode its values into the tensor's lane-interleaved
// code stream, decode them back. Obviously correct one value at a time; the test oracle for
// SIMDGroupKernels and the path for the short last group. Not fast.
//
// Sharing rule of both kernels: groups are encoded in order; a word row that a group shares
// with the group before it is OR-ed into, every other word row it touches is overwritten (the
// group after it ORs its own codes in later). So the stream needs no zeroing beforehand.

enum ScalarGroupKernels {
    /// Where value i of the tensor lives: byte offset of its 32-bit word in the code stream,
    /// and the bit shift within it.
    @inline(__always)
    static func slot(_ i: Int, spec: QuantSpec) -> (byteOffset: Int, shift: UInt32) {
        let row = i / QuantSpec.lanes, lane = i % QuantSpec.lanes
        let word = (row / spec.codesPerWord) * QuantSpec.lanes + lane
        return (word * 4, UInt32((row % spec.codesPerWord) * spec.bits))
    }

    /// Encodes values[0..<count], which are tensor values firstIndex..., into `stream` (the
    /// code area). firstIndex is a multiple of 16. NaN/±Inf get code 0.
    static func encode(_ values: UnsafePointer<Float>, count: Int, firstIndex: Int,
                       params: GroupParams, spec: QuantSpec, stream: UnsafeMutableRawPointer) {
        let lanes = QuantSpec.lanes, perWord = spec.codesPerWord
        let firstRow = firstIndex / lanes, lastRow = (firstIndex + count - 1) / lanes
        let encoder = GroupEncoder(params, levels: spec.levels)
        for wordRow in (firstRow / perWord)...(lastRow / perWord) {
            var words = [UInt32](repeating: 0, count: lanes)
            for r in 0..<count where (firstIndex + r) / lanes / perWord == wordRow {
                let x = values[r]
                guard x.isFinite else { continue }
                let code: UInt32
                switch spec.rounding {
                case .nearest:
                    code = encoder.nearestCode(x)
                case .stochastic:
                    code = encoder.stochasticCode(x, StochasticHash.centered(index: UInt64(firstIndex + r), seed: spec.seed))
                }
                let shift = slot(firstIndex + r, spec: spec).shift
                words[(firstIndex + r) % lanes] |= code << shift
            }
            let sharedWithPrevious = wordRow == firstRow / perWord && firstRow % perWord != 0
            for lane in 0..<lanes {
                let offset = (wordRow * lanes + lane) * 4
                let existing = sharedWithPrevious ? UInt32(littleEndian: stream.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) : 0
                stream.storeBytes(of: (existing | words[lane]).littleEndian, toByteOffset: offset, as: UInt32.self)
            }
        }
    }

    /// Value i of the tensor, in a group with these parameters.
    @inline(__always)
    static func decodeValue(_ i: Int, stream: UnsafeRawPointer, params: GroupParams, spec: QuantSpec) -> Float {
        let (offset, shift) = slot(i, spec: spec)
        let word = UInt32(littleEndian: stream.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        return params.decode((word >> shift) & UInt32(spec.levels))
    }

    /// Decodes tensor values [from, to), all in one group, into dst[0..<(to - from)].
    static func decode(stream: UnsafeRawPointer, from: Int, to: Int, params: GroupParams, spec: QuantSpec,
                       into dst: UnsafeMutablePointer<Float>) {
        for i in from..<to {
            dst[i - from] = decodeValue(i, stream: stream, params: params, spec: spec)
        }
    }
}
