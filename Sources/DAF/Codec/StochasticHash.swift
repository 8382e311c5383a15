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

    @inline(__always)
    static func lowbias32(_ value: SIMD16<UInt32>) -> SIMD16<UInt32> {
        var x = value
        x ^= x &>> 16
        x = x &* 0x7FEB_352D
        x ^= x &>> 15
        x = x &* 0x846C_A68B
        x ^= x &>> 16
        return x
    }

    /// The key for all indices whose upper 32 bits are `indexHigh`.
    @inline(__always)
    static func key(seed: UInt64, indexHigh: UInt32) -> UInt32 {
        lowbias32(UInt32(truncatingIfNeeded: seed) ^ lowbias32(UInt32(truncatingIfNeeded: seed >> 32) ^ lowbias32(indexHigh)))
    }

    /// Uniform in [0, 1) with 23 random bits: the hash's top bits as a float's mantissa in [1, 2), minus 1.
    @inline(__always)
    static func uniform(index: UInt64, seed: UInt64) -> Float {
        let h = lowbias32(UInt32(truncatingIfNeeded: index) ^ key(seed: seed, indexHigh: UInt32(truncatingIfNeeded: index >> 32)))
        return Float(bitPattern: 0x3F80_0000 | (h >> 9)) - 1
    }

    /// Sixteen uniforms for indices low + 0...15, all sharing `key`.
    @inline(__always)
    static func uniform(lowIndices: SIMD16<UInt32>, key: UInt32) -> SIMD16<Float> {
        let h = lowbias32(lowIndices ^ SIMD16(repeating: key))
        return unsafeBitCast((h &>> 9) | SIMD16(repeating: 0x3F80_0000), to: SIMD16<Float>.self) - 1
    }
}
