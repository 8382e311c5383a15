// Scalar reference kernels for one group: encode values to codes in the lane-interleaved
// layout, decode them back. Obviously correct one value at a time; the test oracle for
// SIMDGroupKernels and the path for the short last group. Not fast.

enum ScalarGroupKernels {
    /// Where value r of a group lives: byte offset of its 32-bit word, and the bit shift.
    @inline(__always)
    static func slot(_ r: Int, spec: QuantSpec) -> (byteOffset: Int, shift: UInt32) {
        let row = r / QuantSpec.lanes, lane = r % QuantSpec.lanes
        let word = (row / spec.codesPerWord) * QuantSpec.lanes + lane
        return (word * 4, UInt32((row % spec.codesPerWord) * spec.bits))
    }

    /// Encodes values[0..<count] (global index of values[0] is firstIndex) into `words`, the
    /// group's PackedLayout.words(values: count) words, which it overwrites. NaN/±Inf get code 0.
    static func encode(_ values: UnsafePointer<Float>, count: Int, firstIndex: Int,
                       params: GroupParams, spec: QuantSpec, words: UnsafeMutableRawPointer) {
        let wordCount = PackedLayout.words(values: count, bits: spec.bits)
        words.initializeMemory(as: UInt8.self, repeating: 0, count: wordCount * 4)
        let encoder = GroupEncoder(params, levels: spec.levels)
        for r in 0..<count {
            let x = values[r]
            guard x.isFinite else { continue }
            let code: UInt32
            switch spec.rounding {
            case .nearest:
                code = encoder.nearestCode(x)
            case .stochastic:
                code = encoder.stochasticCode(x, StochasticHash.uniform(index: UInt64(firstIndex + r), seed: spec.seed))
            }
            let (offset, shift) = slot(r, spec: spec)
            let word = UInt32(littleEndian: words.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            words.storeBytes(of: (word | code << shift).littleEndian, toByteOffset: offset, as: UInt32.self)
        }
    }

    /// Value r of a group.
    @inline(__always)
    static func decodeValue(_ r: Int, words: UnsafeRawPointer, params: GroupParams, spec: QuantSpec) -> Float {
        let (offset, shift) = slot(r, spec: spec)
        let word = UInt32(littleEndian: words.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        return params.decode((word >> shift) & UInt32(spec.levels))
    }

    /// Decodes values [from, to) of a group into dst[0..<(to - from)].
    static func decode(words: UnsafeRawPointer, from: Int, to: Int, params: GroupParams, spec: QuantSpec,
                       into dst: UnsafeMutablePointer<Float>) {
        for r in from..<to {
            dst[r - from] = decodeValue(r, words: words, params: params, spec: spec)
        }
    }
}
