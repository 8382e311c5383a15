// SPDX-License-Identifier: MIT
// Minimum and maximum over the finite values of a float range, and how many values are NaN or
// ±Inf: the reduction every group needs before it can be quantized (DAF §4.1). A scalar
// reference and a SIMD16 kernel; both return the same min and max (the sign of a zero may
// differ, which GroupParams.fit normalizes). The lanes' final reduction is
// daf_platform_reduce16 (C vector code: Swift's SIMD halves compiled to shuffle chains) in the
// careful pass, daf_platform_bit_range16 in the optimistic one.
import DAFPlatform

struct FiniteMinMax: Equatable {
    var lo: Float = .infinity
    var hi: Float = -.infinity
    var nonfinite: Int = 0

    var hasFinite: Bool { lo <= hi }

    mutating func merge(_ other: FiniteMinMax) {
        if other.lo < lo { lo = other.lo }
        if other.hi > hi { hi = other.hi }
        nonfinite += other.nonfinite
    }

    /// Reference: one value at a time.
    static func scalar(_ values: UnsafePointer<Float>, count: Int) -> FiniteMinMax {
        var result = FiniteMinMax()
        for i in 0..<count {
            let x = values[i]
            if !x.isFinite { result.nonfinite += 1; continue }
            if x < result.lo { result.lo = x }
            if x > result.hi { result.hi = x }
        }
        return result
    }

    /// Sixteen lanes at a time, the tail by the reference. Optimistic: chunk by chunk, the plain
    /// integer pass (`optimistic`), which also spots NaN and ±Inf; only a chunk that holds them
    /// is reduced again by the careful, finite-aware pass (`group`).
    static func simd(_ values: UnsafePointer<Float>, count: Int) -> FiniteMinMax {
        let chunk = 4096
        // A group (256 values by default) is one chunk: no loop, no merge.
        if count <= chunk { return group(values, count: count) }
        var result = FiniteMinMax()
        var first = 0
        while first < count {
            let n = min(chunk, count - first)
            result.merge(group(values + first, count: n))
            first += n
        }
        return result
    }

    /// At most 4096 values (one group; QuantSpec's largest): the plain pass, and the careful
    /// one only when that finds NaN or ±Inf. Inlined into its callers (GroupPacker's loop,
    /// simd).
    @inline(__always)
    static func group(_ values: UnsafePointer<Float>, count: Int) -> FiniteMinMax {
        optimistic(values, count: count) ?? careful(values, count: count)
    }

    /// The plain pass; nil when the values hold NaN or ±Inf. Integer extrema of the values'
    /// bits (daf_platform_bit_range16 says why they give the float min and max, and spot NaN
    /// and ±Inf): three integer operations a row, none on the float pipes the encoder needs.
    @inline(__always)
    static func optimistic(_ values: UnsafePointer<Float>, count: Int) -> FiniteMinMax? {
        let rows = count / 16
        guard rows > 0 else { return nil }
        var umax = SIMD16<UInt32>(repeating: 0)
        var umin = SIMD16<UInt32>(repeating: .max)
        var smax = SIMD16<Int32>(repeating: .min)
        let raw = UnsafeRawPointer(values)
        for row in 0..<rows {
            let bits = raw.loadUnaligned(fromByteOffset: row &* 64, as: SIMD16<UInt32>.self)
            umax = daf_platform_umax16(umax, bits)
            umin = daf_platform_umin16(umin, bits)
            smax = daf_platform_smax16(smax, unsafeBitCast(bits, to: SIMD16<Int32>.self))
        }
        let range = daf_platform_bit_range16(umax, umin, smax)
        guard range.finite != 0 else { return nil }
        var result = FiniteMinMax(lo: range.lo, hi: range.hi, nonfinite: 0)
        if rows * 16 < count { result.merge(scalar(values + rows * 16, count: count - rows * 16)) }
        return result.nonfinite == 0 ? result : nil
    }

    /// The finite-aware pass: skips NaN and ±Inf lane by lane and counts them.
    static func careful(_ values: UnsafePointer<Float>, count: Int) -> FiniteMinMax {
        let rows = count / 16
        var lo = SIMD16<Float>(repeating: .infinity)
        var hi = SIMD16<Float>(repeating: -.infinity)
        var nonfinite = SIMD16<UInt32>(repeating: 0)
        let raw = UnsafeRawPointer(values)
        for row in 0..<rows {
            let x = raw.loadUnaligned(fromByteOffset: row &* 64, as: SIMD16<Float>.self)
            nonfinite &+= nonfiniteLanes(absoluteBits(x))
            foldFinite(x, lo: &lo, hi: &hi)
        }
        let reduced = daf_platform_reduce16(lo, hi)
        var result = FiniteMinMax(lo: reduced[0], hi: reduced[1],
                                  nonfinite: Int(nonfinite.wrappedSum()))
        result.merge(scalar(values + rows * 16, count: count - rows * 16))
        return result
    }

    /// Folds x's finite lanes into running lane minima and maxima (lo starts at +inf, hi at
    /// -inf); returns x with its non-finite lanes at -inf (what hi was offered).
    @inline(__always) @discardableResult
    static func foldFinite(_ x: SIMD16<Float>, lo: inout SIMD16<Float>, hi: inout SIMD16<Float>) -> SIMD16<Float> {
        let positiveInfinity = SIMD16<Float>(repeating: .infinity)
        // One comparison mask per select: combining masks (.&, .!) compiles to slow per-lane code.
        let finite = unsafeBitCast(absoluteBits(x), to: SIMD16<Float>.self) .< positiveInfinity
        let forMin = positiveInfinity.replacing(with: x, where: finite)
        let forMax = (-positiveInfinity).replacing(with: x, where: finite)
        lo.replace(with: forMin, where: forMin .< lo)
        hi.replace(with: forMax, where: forMax .> hi)
        return forMax
    }

    /// The bits of |x|.
    @inline(__always)
    static func absoluteBits(_ x: SIMD16<Float>) -> SIMD16<UInt32> {
        unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF
    }

    /// 1 in lanes holding NaN or ±Inf, else 0: |x| >= 0x7F800000 carries into the top bit.
    @inline(__always)
    static func nonfiniteLanes(_ magnitude: SIMD16<UInt32>) -> SIMD16<UInt32> {
        (magnitude &+ 0x0080_0000) &>> 31
    }

    /// All ones in lanes holding a finite value, zero elsewhere (integer arithmetic, no masks).
    @inline(__always)
    static func finiteBits(_ x: SIMD16<Float>) -> SIMD16<UInt32> {
        nonfiniteLanes(absoluteBits(x)) &- 1
    }
}
