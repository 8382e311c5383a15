// SIMD16 kernels for one full group (its size a multiple of 16): sixteen neighbouring values
// are sixteen lanes, and a lane's codes are stacked in its own 32-bit words, so packing and
// unpacking need no shuffles ("unified layout", DAF §4.2). Identical bytes and values to
// ScalarGroupKernels, which stays beside them as the reference (and states the sharing rule).

enum SIMDGroupKernels {
    typealias Floats = SIMD16<Float>
    typealias Words = SIMD16<UInt32>

    /// 1.5 * 2^23: adding it rounds a float in [0, 2^22) to an integer (half to even) that then
    /// sits in the low mantissa bits (TOOLCHAIN.md: SIMD float-to-int conversion is slow).
    static let roundingMagic: Float = 12_582_912
    static let roundingMagicBits = UInt32(0x4B40_0000)
    /// 2^23: or-ing a small integer into its mantissa gives 2^23 + q exactly.
    static let integerMagicBits = UInt32(0x4B00_0000)
    static let laneIndices = Words(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

    /// Encodes the groupSize values starting at tensor index firstIndex into `stream`.
    static func encode(_ values: UnsafePointer<Float>, firstIndex: Int, params: GroupParams, spec: QuantSpec,
                       stream: UnsafeMutableRawPointer) {
        let encoder = GroupEncoder(params, levels: spec.levels)
        switch spec.rounding {
        case .nearest:
            encodeRows(values, firstIndex: firstIndex, spec: spec, stream: stream) { _, x in nearestCodes(x, encoder) }
        case .stochastic:
            var keyHigh = UInt32(truncatingIfNeeded: UInt64(firstIndex) >> 32)
            var key = StochasticHash.key(seed: spec.seed, indexHigh: keyHigh)
            encodeRows(values, firstIndex: firstIndex, spec: spec, stream: stream) { row, x in
                // A row never crosses a 2^32 boundary of the index (rows start at multiples of 16).
                let index = UInt64(firstIndex + row * 16)
                let high = UInt32(truncatingIfNeeded: index >> 32)
                if high != keyHigh {
                    keyHigh = high
                    key = StochasticHash.key(seed: spec.seed, indexHigh: high)
                }
                let u = StochasticHash.uniform(lowIndices: Words(repeating: UInt32(truncatingIfNeeded: index)) &+ laneIndices, key: key)
                return stochasticCodes(x, u, encoder)
            }
        }
    }

    /// The row loop shared by both roundings: tensor row k goes to word row k / P at bit (k % P) * bits.
    @inline(__always)
    private static func encodeRows(_ values: UnsafePointer<Float>, firstIndex: Int, spec: QuantSpec,
                                   stream: UnsafeMutableRawPointer, codes: (Int, Floats) -> Words) {
        let rows = spec.groupSize / 16, perWord = spec.codesPerWord, bits = UInt32(spec.bits)
        let source = UnsafeRawPointer(values)
        let firstRow = firstIndex / 16
        var wordRow = firstRow / perWord
        var slotInWord = firstRow % perWord
        // The first word row may hold the previous group's codes already.
        var packed = slotInWord == 0 ? Words(repeating: 0) : stream.loadUnaligned(fromByteOffset: wordRow * 64, as: Words.self)
        for row in 0..<rows {
            let x = source.loadUnaligned(fromByteOffset: row * 64, as: Floats.self)
            packed |= codes(row, x) &<< Words(repeating: UInt32(slotInWord) &* bits)
            slotInWord += 1
            if slotInWord == perWord || row == rows - 1 {
                stream.storeBytes(of: packed, toByteOffset: wordRow * 64, as: Words.self)
                packed = Words(repeating: 0)
                slotInWord = 0
                wordRow += 1
            }
        }
    }

    /// Position on the code scale, clamped to [0, top] as GroupEncoder.position does; NaN for
    /// non-finite lanes (masked out by the callers).
    @inline(__always)
    private static func positions(_ x: Floats, _ e: GroupEncoder) -> Floats {
        let shifted = x * e.prescale - e.minimum
        var t = e.divides ? shifted / e.step : shifted * e.inverse
        t.replace(with: 0, where: t .< 0)
        t.replace(with: e.top, where: t .> e.top)
        return t
    }

    @inline(__always)
    private static func nearestCodes(_ x: Floats, _ e: GroupEncoder) -> Words {
        let t = positions(x, e)
        let q = unsafeBitCast(t + roundingMagic, to: Words.self) &- roundingMagicBits
        return q & FiniteMinMax.finiteBits(x)
    }

    @inline(__always)
    private static func stochasticCodes(_ x: Floats, _ u: Floats, _ e: GroupEncoder) -> Words {
        let v = positions(x, e) + u
        var r = (v + roundingMagic) - roundingMagic
        r.replace(with: r - 1, where: r .> v) // round-to-nearest, then step down: floor
        var q = unsafeBitCast(r + roundingMagic, to: Words.self) &- roundingMagicBits
        let top = Words(repeating: UInt32(e.top))
        q.replace(with: top, where: q .> top)
        return q & FiniteMinMax.finiteBits(x)
    }

    /// Decodes the full group starting at tensor index firstIndex into dst.
    static func decode(stream: UnsafeRawPointer, firstIndex: Int, params: GroupParams, spec: QuantSpec,
                       into dst: UnsafeMutablePointer<Float>) {
        let rows = spec.groupSize / 16, perWord = spec.codesPerWord, bits = UInt32(spec.bits)
        let mask = Words(repeating: UInt32(spec.levels))
        let minimum = params.minimum, step = params.step, factor = params.factor
        let output = UnsafeMutableRawPointer(dst)
        let firstRow = firstIndex / 16
        var wordRow = firstRow / perWord
        var slotInWord = firstRow % perWord
        var packed = stream.loadUnaligned(fromByteOffset: wordRow * 64, as: Words.self)
        for row in 0..<rows {
            let q = (packed &>> Words(repeating: UInt32(slotInWord) &* bits)) & mask
            let f = unsafeBitCast(q | integerMagicBits, to: Floats.self) - 8_388_608
            output.storeBytes(of: (minimum + f * step) * factor, toByteOffset: row * 64, as: Floats.self)
            slotInWord += 1
            if slotInWord == perWord, row < rows - 1 {
                slotInWord = 0
                wordRow += 1
                packed = stream.loadUnaligned(fromByteOffset: wordRow * 64, as: Words.self)
            }
        }
    }
}
