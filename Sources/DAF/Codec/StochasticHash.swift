// Counter-based random numbers for stochastic rounding: u = f(seed, element index), so the
// output is the same whatever the thread count or chunking. Hash: "lowbias32" from Chris
// Wellons' hash-prospector (two multiply-xorshift rounds, bias ~0.17). Scalar and SIMD16 forms.

enum StochasticHash {
    @inline(__always)
    static func lowbias32(_ value: UInt32) -> UInt32 {
        var x = value
        x ^= x >> 16
        x = x &* 0x7FEB_352D
        x ^= x >> 15
        x = x &* 0x846C_A68B
        x ^= x >> 16
        return x
    }

    /// lowbias32 without its last xorshift, which the offsets fold in themselves (centeredHigh,
    /// centeredLow): lowbias32(x) == y ^ (y >> 16) for y = lowbias32Unfinished(x).
    @inline(__always)
    static func lowbias32Unfinished(_ value: SIMD16<UInt32>) -> SIMD16<UInt32> {
        lowbias32Middle(value ^ (value &>> 16))
    }

    /// lowbias32 without its first and last xorshifts: the SIMD kernels fold the first one into
    /// their key (SIMDGroupKernels.PairHashes) and the last into the offsets.
    @inline(__always)
    static func lowbias32Middle(_ value: SIMD16<UInt32>) -> SIMD16<UInt32> {
        var x = value &* 0x7FEB_352D
        x ^= x &>> 15
        return x &* 0x846C_A68B
    }

    /// The key for all counters whose upper 32 bits are `high`.
    @inline(__always)
    static func key(seed: UInt64, indexHigh high: UInt32) -> UInt32 {
        lowbias32(UInt32(truncatingIfNeeded: seed) ^ lowbias32(UInt32(truncatingIfNeeded: seed >> 32) ^ lowbias32(high)))
    }

    /// The key of one 2^32-counter span, kept so that a run of groups computes it once (three
    /// scalar hashes in a chain: recomputing it per 256-value group cost 12 % of stochastic
    /// packing, daf-bench quantize_pack in L2); other spans' keys are computed when asked for.
    struct KeyCache {
        let seed: UInt64
        let high: UInt32
        let key: UInt32

        /// For the span holding the counter of value `firstIndex`.
        init(seed: UInt64, firstIndex: Int) {
            self.seed = seed
            high = UInt32(truncatingIfNeeded: StochasticHash.counter(index: UInt64(truncatingIfNeeded: firstIndex)) >> 32)
            key = StochasticHash.key(seed: seed, indexHigh: high)
        }

        @inline(__always)
        func key(indexHigh h: UInt32) -> UInt32 { h == high ? key : StochasticHash.key(seed: seed, indexHigh: h) }
    }

    /// One hash serves two values: the same lane of an even row and of the odd row after it.
    /// Their counter is (row pair) * 16 + lane, i.e. (i >> 5) * 16 + i % 16.
    @inline(__always)
    static func counter(index i: UInt64) -> UInt64 { (i >> 5) << 4 | (i & 15) }

    /// u in [-0.5, 0.5) from 16 random bits r: a float's mantissa in [1, 2), minus 1.5 (exact).
    @inline(__always)
    static func centered(bits r: UInt32) -> Float { Float(bitPattern: 0x3F80_0000 | (r << 7)) - 1.5 }

    /// The random offset of value i: the high half of its pair's hash for an even row, the low
    /// half for an odd row (rows of 16 values).
    @inline(__always)
    static func centered(index i: UInt64, seed: UInt64) -> Float {
        let c = counter(index: i)
        let h = lowbias32(UInt32(truncatingIfNeeded: c) ^ key(seed: seed, indexHigh: UInt32(truncatingIfNeeded: c >> 32)))
        return centered(bits: (i >> 4) & 1 == 0 ? h >> 16 : h & 0xFFFF)
    }

    /// Sixteen offsets, as centered(bits:), from the high halves of sixteen hashes (even rows) ...
    /// `x` is each hash before its last xorshift h = x ^ (x >> 16), which leaves the high half
    /// as it is ...
    @inline(__always)
    static func centeredHigh(_ x: SIMD16<UInt32>) -> SIMD16<Float> { mantissaOffsets(x &>> 9) }

    /// ... and from their low halves (odd rows), h's low half being x's low half xor its high
    /// half: (x << 7) ^ (x >> 9) holds it at mantissa bits 7...22, and x >> 9 is shared with
    /// centeredHigh (one vector instruction less per pair of rows than finishing the hash).
    @inline(__always)
    static func centeredLow(_ x: SIMD16<UInt32>) -> SIMD16<Float> { mantissaOffsets((x &<< 7) ^ (x &>> 9)) }

    /// The 16 random bits already at mantissa bits 7...22 (the callers shift them there): one
    /// and-or, one subtraction.
    @inline(__always)
    private static func mantissaOffsets(_ shifted: SIMD16<UInt32>) -> SIMD16<Float> {
        unsafeBitCast((shifted & 0x007F_FF80) | SIMD16(repeating: 0x3F80_0000), to: SIMD16<Float>.self) - 1.5
    }
}
