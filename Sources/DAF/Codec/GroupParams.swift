// SPDX-License-Identifier: MIT
// One group's quantization: its stored (minimum, scale) and the exact per-value arithmetic of
// encoding and decoding, shared by the scalar reference and the SIMD kernels so that both give
// identical bytes. The formulas are the ones include/daf.h documents.

struct GroupParams: Equatable {
    /// As stored. A negative scale marks a "wide" group, whose range exceeds FLT_MAX: its
    /// minimum and |scale| are in half units, and values decode as 2 * (minimum + q * |scale|).
    var minimum: Float
    var scale: Float

    /// 2 for a wide group, else 1: the factor applied after the multiply-add.
    @inline(__always) var factor: Float { scale < 0 ? 2 : 1 }
    @inline(__always) var step: Float { abs(scale) }

    /// Fits a group whose finite values span [lo, hi]; lo > hi means it has none.
    @inline(__always)
    static func fit(lo: Float, hi: Float, levels: Int) -> GroupParams {
        guard lo <= hi else { return GroupParams(minimum: 0, scale: 0) }
        let lo = lo + 0, hi = hi + 0 // -0 becomes +0, whichever order the reduction saw them in
        // Range only (bits 0): the midpoint, which every value decodes to; never overflows.
        if levels == 0 { return GroupParams(minimum: lo * 0.5 + hi * 0.5, scale: 0) }
        let top = Float(levels)
        var params = (hi - lo).isFinite
            ? GroupParams(minimum: lo, scale: (hi - lo) / top)
            // Wide: halve everything; hi/2 - lo/2 <= FLT_MAX and nothing below can overflow.
            : GroupParams(minimum: lo * 0.5, scale: -((hi * 0.5 - lo * 0.5) / top))
        // A subnormal step has few significant bits: rounded down, L steps can fall many ulps
        // short of hi, and the codes of values near hi would clamp far from them. One ulp up
        // (the comparison is exact in Double) keeps every value within half a step.
        if params.scale > 0, params.scale < Float.leastNormalMagnitude,
           Double(params.scale) * Double(top) < Double(hi) - Double(lo) {
            params.scale = params.scale.nextUp
        }
        // The largest code must decode to a finite value: shrink the step by the few ulps that
        // rounding of the multiply-add may need when hi is near FLT_MAX.
        // (A `for ... where` loop would test all 8 times; this stops at the first finite one,
        // which is nearly always the first: the test is on every group's path.)
        var steps = 0
        while steps < 8 && !params.decode(UInt32(levels)).isFinite {
            params.scale = params.scale < 0 ? params.scale.nextUp : params.scale.nextDown
            steps += 1
        }
        return params
    }

    /// Decodes code q (the SIMD decoder computes the same expression lane by lane).
    @inline(__always)
    func decode(_ q: UInt32) -> Float { (minimum + Float(q) * step) * factor }

    /// True when the parameters could have come from `fit`: checked before decoding a blob,
    /// so that a corrupted blob cannot produce non-finite values.
    func isPlausible(levels: Int) -> Bool {
        minimum.isFinite && scale.isFinite && decode(UInt32(levels)).isFinite
    }
}

/// The per-value arithmetic of encoding one group, precomputed once per group.
struct GroupEncoder {
    let minimum: Float
    let step: Float
    /// 0.5 for a wide group, else 1: applied to x before anything else.
    let prescale: Float
    /// 1 / step; when that overflows (denormal step), `divides` is set and t = (x' - min) / step.
    let inverse: Float
    let divides: Bool
    let top: Float

    @inline(__always)
    init(_ params: GroupParams, levels: Int) {
        minimum = params.minimum
        step = params.step
        prescale = params.scale < 0 ? 0.5 : 1 // 1 / factor, without a division
        top = Float(levels)
        let inv: Float = step > 0 ? 1 / step : 0
        divides = !inv.isFinite
        inverse = divides ? 0 : inv
    }

    /// Position of x on the code scale, clamped to [0, levels]; x must be finite.
    @inline(__always)
    func position(_ x: Float) -> Float {
        let shifted = x * prescale - minimum
        var t: Float = divides ? shifted / step : shifted * inverse
        if t < 0 { t = 0 }
        if t > top { t = top }
        return t
    }

    @inline(__always)
    func nearestCode(_ x: Float) -> UInt32 {
        UInt32(position(x).rounded(.toNearestOrEven))
    }

    /// Stochastic rounding as dithering: t + u rounded half to even, with u in (-0.5, 0.5) from
    /// StochasticHash.centered, so q = floor(t) + 1 with probability frac(t) (up to the 2^-16
    /// grid of u), and a t within 2^-17 of a code gives that code. t + u > -0.5 rounds to 0 or
    /// more; the top is clamped.
    @inline(__always)
    func stochasticCode(_ x: Float, _ u: Float) -> UInt32 {
        min(UInt32(max(0, (position(x) + u).rounded(.toNearestOrEven))), UInt32(top))
    }
}
