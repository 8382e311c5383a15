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
        self.init(params, levels: levels, reciprocal: 1 / params.step)
    }

    /// With 1 / params.step computed by the caller (GroupFits divides sixteen groups at once).
    @inline(__always)
    init(_ params: GroupParams, levels: Int, reciprocal: Float) {
        minimum = params.minimum
        step = params.step
        prescale = params.scale < 0 ? 0.5 : 1 // 1 / factor, without a division
        top = Float(levels)
        let inv: Float = step > 0 ? reciprocal : 0
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

    /// Stochastic rounding as dithering: t + u rounded half to even, with u in [-0.5, 0.5) from
    /// StochasticHash.centered, so q = floor(t) + 1 with probability frac(t) (up to the 2^-23
    /// grid of u). t + u >= -0.5 rounds to 0 or more; the top is clamped.
    @inline(__always)
    func stochasticCode(_ x: Float, _ u: Float) -> UInt32 {
        min(UInt32(max(0, (position(x) + u).rounded(.toNearestOrEven))), UInt32(top))
    }
}

/// GroupParams.fit and the encoder's reciprocal for up to sixteen groups at once: one vector
/// division each for the scales and their reciprocals, where fitting group by group chained two
/// scalar divisions per group (about a tenth of packing's time in L2, perf). The arithmetic is
/// the scalar fit's, lane by lane (IEEE division is correctly rounded either way); a group the
/// common case does not cover (no finite value, a range beyond FLT_MAX, a top code that would
/// decode past it, or range-only codes) is fitted by GroupParams.fit. Lanes live in memory,
/// not in SIMD vectors: a vector lane picked by a variable index compiled to a lane loop.
struct GroupFits {
    typealias Floats = SIMD16<Float>
    static let lanes = 16
    /// lo, hi (the groups' finite ranges, lo > hi for none), then scale, reciprocal and the
    /// top code decoded: 16 floats each.
    private let storage: UnsafeMutablePointer<Float>
    let levels: Int

    init(storage: UnsafeMutablePointer<Float>, levels: Int) {
        self.storage = storage
        self.levels = levels
    }

    /// Where lane `lane`'s range goes before `fitAll`.
    @inline(__always)
    func setRange(lane: Int, lo: Float, hi: Float) {
        storage[lane] = lo
        storage[16 + lane] = hi
    }

    @inline(__always)
    private func vector(_ row: Int) -> Floats {
        UnsafeRawPointer(storage + 16 * row).loadUnaligned(as: Floats.self)
    }

    @inline(__always)
    private func setVector(_ row: Int, _ value: Floats) {
        UnsafeMutableRawPointer(storage + 16 * row).storeBytes(of: value, as: Floats.self)
    }

    /// Divides for all sixteen lanes (lanes not set hold stale ranges; their results are unused).
    @inline(__always)
    func fitAll() {
        let lo = vector(0) + 0, hi = vector(1) + 0 // -0 becomes +0, as in fit
        let top = Floats(repeating: Float(levels))
        let scale = (hi - lo) / top
        setVector(0, lo)
        setVector(1, hi)
        setVector(2, scale)
        setVector(3, 1 / scale)
        setVector(4, lo + top * scale) // decode(levels), factor 1
    }

    /// Group `lane`'s parameters and encoder, after fitAll.
    @inline(__always)
    func fit(lane: Int) -> (params: GroupParams, encoder: GroupEncoder) {
        let l = storage[lane], h = storage[16 + lane]
        if levels > 0, l <= h, (h - l).isFinite, storage[64 + lane].isFinite {
            let params = GroupParams(minimum: l, scale: storage[32 + lane])
            return (params, GroupEncoder(params, levels: levels, reciprocal: storage[48 + lane]))
        }
        return referenceFit(lane: lane)
    }

    /// Group `lane`'s parameters and encoder by GroupParams.fit alone: the scalar reference
    /// (and the oracle that tests hold `fit(lane:)` to, through the reference kernels).
    @inline(__always)
    func referenceFit(lane: Int) -> (params: GroupParams, encoder: GroupEncoder) {
        let params = GroupParams.fit(lo: storage[lane], hi: storage[16 + lane], levels: levels)
        return (params, GroupEncoder(params, levels: levels))
    }
}
