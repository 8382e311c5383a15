// SPDX-License-Identifier: MIT
// Counter-based random numbers for stochastic rounding: u = f(seed, element index), so the
// output is the same whatever the thread count or chunking. Hash: "lowbias32" from Chris
// Wellons' hash-prospector (two multiply-xorshift rounds, bias ~0.17). Scalar and SIMD16 forms.

import DAFPlatform

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

    /// lowbias32 without its last xorshift, which the offsets fold in themselves (scaledHigh,
    /// scaledLow): lowbias32(x) == y ^ (y >> 16) for y = lowbias32Unfinished(x).
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

    /// u = (r + 1/2) / 2^16 - 1/2 in (-0.5, 0.5) from 16 random bits r: a float's mantissa in
    /// (1, 2) (r and a half unit below it), minus 1.5 (exact). The half unit centres the 2^16
    /// values on 0, so the mean of u is 0, and u is never -1/2: a value on a code (the
    /// group's maximum, a 1-bit level) is never moved to the code below by a tie.
    @inline(__always)
    static func centered(bits r: UInt32) -> Float { Float(bitPattern: 0x3F80_0000 | (r << 7) | 0x40) - 1.5 }

    /// The random offset of value i: the high half of its pair's hash for an even row, the low
    /// half for an odd row (rows of 16 values).
    @inline(__always)
    static func centered(index i: UInt64, seed: UInt64) -> Float {
        let c = counter(index: i)
        let h = lowbias32(UInt32(truncatingIfNeeded: c) ^ key(seed: seed, indexHigh: UInt32(truncatingIfNeeded: c >> 32)))
        return centered(bits: (i >> 4) & 1 == 0 ? h >> 16 : h & 0xFFFF)
    }

    /// Sixteen offsets u, as centered(bits:), scaled by 2^32 (exact floats (r - 32768) * 2^16
    /// + 2^15: 16 significant bits),
    /// from the high halves r of sixteen hashes (even rows) ... `x` is each hash before its last
    /// xorshift h = x ^ (x >> 16), which leaves the high half as it is: x with its top bit
    /// flipped and its low half set to 2^15 is (r - 32768) * 2^16 + 2^15 as a signed integer,
    /// and one conversion makes it a float. The encoders add u as an FMA of this by
    /// 2^-32 (exact): three vector ops a row where the mantissa form (or, subtract 1.5, add)
    /// took four, and the conversion and FMA leave the float-add pipes to the encoder.
    @inline(__always)
    static func scaledHigh(_ x: SIMD16<UInt32>) -> SIMD16<Float> { daf_platform_int_to_float16(flippedHigh(x)) }

    /// ... and from their low halves (odd rows), h's low half being x's low half xor its high
    /// half: (x << 16) ^ flippedHigh(x) holds it, top bit flipped, in its high half over a low
    /// half of 2^15 (flippedHigh is shared with scaledHigh: two ops more for the odd row).
    @inline(__always)
    static func scaledLow(_ x: SIMD16<UInt32>) -> SIMD16<Float> {
        daf_platform_int_to_float16(unsafeBitCast(x &<< 16, to: SIMD16<Int32>.self) ^ flippedHigh(x))
    }

    @inline(__always)
    private static func flippedHigh(_ x: SIMD16<UInt32>) -> SIMD16<Int32> {
        unsafeBitCast(((x ^ 0x8000_0000) & 0xFFFF_0000) | 0x8000, to: SIMD16<Int32>.self)
    }
}
