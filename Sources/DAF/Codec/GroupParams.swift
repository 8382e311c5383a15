// One group's quantization: its stored (minimum, scale) and the exact per-value arithmetic of
// encoding and decoding, shared by the scalar reference and the SIMD kernels so that both give
// identical bytes. The formulas are the ones include/daf.h documents.

struct GroupParams: Equatable {
    var minimum: Float
    var scale: Float

    /// Fits a group whose finite values span [lo, hi]; lo > hi means it has none.
    static func fit(lo: Float, hi: Float, levels: Int) -> GroupParams {
        guard lo <= hi else { return GroupParams(minimum: 0, scale: 0) }
        let lo = lo + 0, hi = hi + 0 // -0 becomes +0, whichever order the reduction saw them in
        let top = Float(levels)
        var scale = (hi - lo) / top
        if !scale.isFinite { scale = hi / top - lo / top }
        // The largest code must decode to a finite value, also for ranges near FLT_MAX: cap the
        // scale, then step down the few ulps that rounding of lo + top * scale may still need.
        scale = min(scale, Float.greatestFiniteMagnitude / top)
        for _ in 0..<64 where !(lo + top * scale).isFinite { scale = scale.nextDown }
        if !(lo + top * scale).isFinite { scale = 0 }
        return GroupParams(minimum: lo, scale: scale)
    }

    /// Decodes code q (the decoder in both kernels is this expression, lane by lane).
    @inline(__always)
    func decode(_ q: UInt32) -> Float { minimum + Float(q) * scale }

    /// True when the parameters could have come from `fit`: checked before decoding a blob,
    /// so that a corrupted blob cannot produce non-finite values.
    func isPlausible(levels: Int) -> Bool {
        minimum.isFinite && scale.isFinite && scale >= 0 && (minimum + Float(levels) * scale).isFinite
    }
}

/// The per-value arithmetic of encoding one group, precomputed once per group.
struct GroupEncoder {
    let minimum: Float
    let scale: Float
    /// 1 / scale; when that overflows (denormal scale), `divides` is set and t = (x - min) / scale.
    let inverse: Float
    let divides: Bool
    let top: Float

    init(_ params: GroupParams, levels: Int) {
        minimum = params.minimum
        scale = params.scale
        top = Float(levels)
        let inv: Float = scale > 0 ? 1 / scale : 0
        divides = !inv.isFinite
        inverse = divides ? 0 : inv
    }

    /// Position of x on the code scale, clamped to [0, levels]; x must be finite.
    @inline(__always)
    func position(_ x: Float) -> Float {
        var t: Float = divides ? (x - minimum) / scale : (x - minimum) * inverse
        if t < 0 { t = 0 }
        if t > top { t = top }
        return t
    }

    @inline(__always)
    func nearestCode(_ x: Float) -> UInt32 {
        UInt32(position(x).rounded(.toNearestOrEven))
    }

    /// u in [0, 1) from StochasticHash.
    @inline(__always)
    func stochasticCode(_ x: Float, _ u: Float) -> UInt32 {
        min(UInt32((position(x) + u).rounded(.down)), UInt32(top))
    }
}
