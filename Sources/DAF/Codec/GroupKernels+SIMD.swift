// SIMD16 kernels for one full group (its size a multiple of 16): sixteen neighbouring values
// are sixteen lanes, and a lane's codes are stacked in its own 32-bit words, so packing and
// unpacking need no shuffles ("unified layout", DAF §4.2). Identical bytes and values to
// ScalarGroupKernels, which stays beside them as the reference (and states the sharing rule).
//
// Each group picks a variant once: the common group (all values finite, not wide, 1/scale
// finite) runs a loop with nothing but the arithmetic; any other group runs the general loop
// with the finite masks and the prescale/division of GroupEncoder. Both give the same codes.

enum SIMDGroupKernels {
    typealias Floats = SIMD16<Float>
    typealias Words = SIMD16<UInt32>

    /// 1.5 * 2^23: adding it rounds a float in [-0.5, 2^22) to an integer (half to even) that
    /// then sits in the low mantissa bits (TOOLCHAIN.md: SIMD float-to-int conversion is slow).
    static let roundingMagic: Float = 12_582_912
    static let roundingMagicBits = UInt32(0x4B40_0000)
    /// 2^23: or-ing a small integer into its mantissa gives 2^23 + q exactly.
    static let integerMagicBits = UInt32(0x4B00_0000)
    /// Computed, not stored: a stored static is initialized lazily and checked on every use.
    @inline(__always) static var laneIndices: Words { Words(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) }

    /// Encodes the groupSize values starting at tensor index firstIndex into `stream`;
    /// `allFinite` says the group holds no NaN or ±Inf (from its min/max pass).
    static func encode(_ values: UnsafePointer<Float>, firstIndex: Int, params: GroupParams, spec: QuantSpec,
                       allFinite: Bool, stream: UnsafeMutableRawPointer) {
        let e = GroupEncoder(params, levels: spec.levels)
        let plain = allFinite && e.prescale == 1 && !e.divides
        let bits = Words(repeating: UInt32(spec.bits))
        switch (spec.rounding, plain) {
        case (.nearest, true):
            encodeRows(values, firstIndex: firstIndex, spec: spec, stream: stream, coder: PlainNearest(e))
        case (.nearest, false):
            encodeRows(values, firstIndex: firstIndex, spec: spec, stream: stream, coder: GeneralNearest(encoder: e))
        case (.stochastic, true):
            encodeDitheredRows(values, firstIndex: firstIndex, spec: spec, stream: stream,
                               coder: PlainStochastic(plain: PlainNearest(e), bits: bits))
        case (.stochastic, false):
            encodeDitheredRows(values, firstIndex: firstIndex, spec: spec, stream: stream,
                               coder: GeneralStochastic(encoder: e, bits: bits))
        }
    }

    // The row encoders, one per variant. Structs behind a protocol rather than closures: the
    // compiler specializes and inlines them into the row loop (a closure was called per row).

    protocol RowEncoder {
        func codes(_ x: Floats) -> Words
    }

    struct PlainNearest: RowEncoder {
        let minimum: Floats, inverse: Floats

        init(_ e: GroupEncoder) {
            minimum = Floats(repeating: e.minimum)
            inverse = Floats(repeating: e.inverse)
        }

        /// GroupEncoder.position without its clamps, which can never act in a plain group: for
        /// finite x in [lo, hi], x - minimum >= 0 exactly (rounding is monotonic), and
        /// t <= (hi - lo) * (1 / ((hi - lo) / top)) stays within a few ulps of top (three
        /// roundings; the FLT_MAX step-down of `fit` only lowers the step by ulps), far below
        /// the top + 0.5 that could round past the top code.
        @inline(__always)
        func positions(_ x: Floats) -> Floats { (x - minimum) * inverse }

        @inline(__always)
        func codes(_ x: Floats) -> Words { roundedCodes(positions(x)) }
    }

    struct GeneralNearest: RowEncoder {
        let encoder: GroupEncoder

        @inline(__always)
        func codes(_ x: Floats) -> Words {
            roundedCodes(SIMDGroupKernels.positions(x, encoder)) & FiniteMinMax.finiteBits(x)
        }
    }

    /// Stochastic variants: a row's codes from its values and its random offsets u in [-0.5, 0.5).
    protocol DitheredRowEncoder {
        func codes(_ x: Floats, offsets u: Floats) -> Words
    }

    struct PlainStochastic: DitheredRowEncoder {
        let plain: PlainNearest
        let bits: Words

        @inline(__always)
        func codes(_ x: Floats, offsets u: Floats) -> Words { clampedCodes(plain.positions(x) + u, bits: bits) }
    }

    struct GeneralStochastic: DitheredRowEncoder {
        let encoder: GroupEncoder
        let bits: Words

        @inline(__always)
        func codes(_ x: Floats, offsets u: Floats) -> Words {
            clampedCodes(SIMDGroupKernels.positions(x, encoder) + u, bits: bits) & FiniteMinMax.finiteBits(x)
        }
    }

    /// The hashes of consecutive row pairs for stochastic rounding: one per lane per pair of
    /// rows (StochasticHash.counter), its high half for the pair's even row, low half for the
    /// odd. The sixteen counters are kept in a vector and stepped by 16 per pair (one add,
    /// where rebuilding them from the pair number cost a dozen shuffles).
    struct PairHashes {
        let seed: UInt64
        /// The upper and lower 32 bits of the current pair's first counter (a multiple of 16).
        var high: UInt32
        var low: UInt32
        var key: UInt32
        /// low + lane for lanes 0...15.
        var counters: Words

        init(seed: UInt64, firstPair: Int) {
            let counter = UInt64(truncatingIfNeeded: firstPair) << 4
            self.seed = seed
            high = UInt32(truncatingIfNeeded: counter >> 32)
            low = UInt32(truncatingIfNeeded: counter)
            key = StochasticHash.key(seed: seed, indexHigh: high)
            counters = Words(repeating: low) &+ laneIndices
        }

        /// The current pair's hashes; then moves to the next pair.
        @inline(__always)
        mutating func next() -> Words {
            let hashes = StochasticHash.lowbias32(counters ^ Words(repeating: key))
            // Sixteen counters of a pair never cross a 2^32 boundary (they start at multiples
            // of 16); the next pair's may start past one, with a new key.
            low &+= 16
            counters &+= 16
            if low == 0 {
                high &+= 1
                key = StochasticHash.key(seed: seed, indexHigh: high)
            }
            return hashes
        }
    }

    /// Collects rows of codes into a group's word rows: tensor row k goes to word row k / P at
    /// bit (k % P) * bits, P = codes per word.
    struct RowPacker {
        let stream: UnsafeMutableRawPointer
        let perWord: Int
        let bits: UInt32
        var wordRow: Int
        var slotInWord: Int
        var packed: Words

        init(stream: UnsafeMutableRawPointer, firstRow: Int, spec: QuantSpec) {
            self.stream = stream
            perWord = spec.codesPerWord
            bits = UInt32(spec.bits)
            wordRow = firstRow / perWord
            slotInWord = firstRow % perWord
            // The first word row may hold the previous group's codes already.
            packed = slotInWord == 0 ? Words(repeating: 0) : stream.loadUnaligned(fromByteOffset: wordRow * 64, as: Words.self)
        }

        @inline(__always)
        mutating func put(_ codes: Words) {
            packed |= codes &<< Words(repeating: UInt32(truncatingIfNeeded: slotInWord) &* bits)
            slotInWord &+= 1
            if slotInWord == perWord {
                stream.storeBytes(of: packed, toByteOffset: wordRow &* 64, as: Words.self)
                packed = Words(repeating: 0)
                slotInWord = 0
                wordRow &+= 1
            }
        }

        /// Stores a last, partly filled word row.
        @inline(__always)
        func finish() {
            if slotInWord != 0 { stream.storeBytes(of: packed, toByteOffset: wordRow &* 64, as: Words.self) }
        }
    }

    /// The row loop of nearest rounding.
    @inline(__always)
    private static func encodeRows<Coder: RowEncoder>(_ values: UnsafePointer<Float>, firstIndex: Int, spec: QuantSpec,
                                                      stream: UnsafeMutableRawPointer, coder: Coder) {
        let source = UnsafeRawPointer(values)
        var packer = RowPacker(stream: stream, firstRow: firstIndex / 16, spec: spec)
        for row in 0..<spec.groupSize / 16 {
            packer.put(coder.codes(source.loadUnaligned(fromByteOffset: row &* 64, as: Floats.self)))
        }
        packer.finish()
    }

    /// The row loop of stochastic rounding, a pair of rows per step so that each hash is
    /// computed once, with no branch, for both its rows. A group may start or end in the
    /// middle of a pair (an odd number of rows per group).
    @inline(__always)
    private static func encodeDitheredRows<Coder: DitheredRowEncoder>(_ values: UnsafePointer<Float>, firstIndex: Int,
                                                                      spec: QuantSpec, stream: UnsafeMutableRawPointer,
                                                                      coder: Coder) {
        let source = UnsafeRawPointer(values)
        let rows = spec.groupSize / 16, firstRow = firstIndex / 16
        var packer = RowPacker(stream: stream, firstRow: firstRow, spec: spec)
        var pairs = PairHashes(seed: spec.seed, firstPair: firstRow >> 1)
        var row = 0
        if firstRow & 1 == 1 {
            putDithered(source, row: 0, half: pairs.next() & 0xFFFF, coder: coder, into: &packer)
            row = 1
        }
        while row &+ 1 < rows {
            let h = pairs.next()
            putDithered(source, row: row, half: h &>> 16, coder: coder, into: &packer)
            putDithered(source, row: row &+ 1, half: h & 0xFFFF, coder: coder, into: &packer)
            row &+= 2
        }
        if row < rows {
            putDithered(source, row: row, half: pairs.next() &>> 16, coder: coder, into: &packer)
        }
        packer.finish()
    }

    @inline(__always)
    private static func putDithered<Coder: DitheredRowEncoder>(_ source: UnsafeRawPointer, row: Int, half: Words,
                                                               coder: Coder, into packer: inout RowPacker) {
        let x = source.loadUnaligned(fromByteOffset: row &* 64, as: Floats.self)
        packer.put(coder.codes(x, offsets: StochasticHash.centered(bits: half)))
    }

    /// GroupEncoder.position lane by lane: clamped to [0, top]; NaN for non-finite lanes (masked
    /// out by the callers).
    @inline(__always)
    static func positions(_ x: Floats, _ e: GroupEncoder) -> Floats {
        let shifted = x * e.prescale - e.minimum
        var t = e.divides ? shifted / e.step : shifted * e.inverse
        t.replace(with: 0, where: t .< 0)
        t.replace(with: e.top, where: t .> e.top)
        return t
    }

    /// t in [-0.5, 2^22) rounded half to even, as integers.
    @inline(__always)
    static func roundedCodes(_ t: Floats) -> Words {
        unsafeBitCast(t + roundingMagic, to: Words.self) &- roundingMagicBits
    }

    /// Rounded codes of v = t + u, clamped to the top code 2^bits - 1. v >= -0.5 never rounds
    /// below 0, and v < top + 0.5 plus a few ulps rounds at most to 2^bits, so the clamp is
    /// q - (q >> bits): two integer ops, where pointwiseMin was an out-of-line call.
    @inline(__always)
    static func clampedCodes(_ v: Floats, bits: Words) -> Words {
        let q = roundedCodes(v)
        return q &- (q &>> bits)
    }

    /// Decodes the full group starting at tensor index firstIndex into dst.
    static func decode(stream: UnsafeRawPointer, firstIndex: Int, params: GroupParams, spec: QuantSpec,
                       into dst: UnsafeMutablePointer<Float>) {
        let minimum = Floats(repeating: params.minimum), step = Floats(repeating: params.step)
        if params.factor == 1 {
            decodeRows(stream: stream, firstIndex: firstIndex, spec: spec, into: dst, value: Affine(minimum: minimum, step: step))
        } else {
            decodeRows(stream: stream, firstIndex: firstIndex, spec: spec, into: dst,
                       value: WideAffine(minimum: minimum, step: step, factor: Floats(repeating: params.factor)))
        }
    }

    protocol RowDecoder {
        func values(_ codes: Floats) -> Floats
    }

    struct Affine: RowDecoder {
        let minimum: Floats, step: Floats
        @inline(__always) func values(_ f: Floats) -> Floats { minimum + f * step }
    }

    struct WideAffine: RowDecoder {
        let minimum: Floats, step: Floats, factor: Floats
        @inline(__always) func values(_ f: Floats) -> Floats { (minimum + f * step) * factor }
    }

    /// The row loop of decoding; `value` maps a row of codes (as exact floats) to values.
    @inline(__always)
    private static func decodeRows<Decoder: RowDecoder>(stream: UnsafeRawPointer, firstIndex: Int, spec: QuantSpec,
                                                        into dst: UnsafeMutablePointer<Float>, value: Decoder) {
        let rows = spec.groupSize / 16, perWord = spec.codesPerWord, bits = UInt32(spec.bits)
        let mask = Words(repeating: UInt32(spec.levels))
        let output = UnsafeMutableRawPointer(dst)
        let firstRow = firstIndex / 16
        var wordRow = firstRow / perWord
        var slotInWord = firstRow % perWord
        var packed = stream.loadUnaligned(fromByteOffset: wordRow * 64, as: Words.self)
        for row in 0..<rows {
            let q = (packed &>> Words(repeating: UInt32(slotInWord) &* bits)) & mask
            let f = unsafeBitCast(q | integerMagicBits, to: Floats.self) - 8_388_608
            output.storeBytes(of: value.values(f), toByteOffset: row * 64, as: Floats.self)
            slotInWord += 1
            if slotInWord == perWord, row < rows - 1 {
                slotInWord = 0
                wordRow += 1
                packed = stream.loadUnaligned(fromByteOffset: wordRow * 64, as: Words.self)
            }
        }
    }
}
