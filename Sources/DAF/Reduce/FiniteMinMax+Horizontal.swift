// The lanes of FiniteMinMax's accumulators reduced to one value each, written for the AVX2 build:
// halving trees of lowHalf/highHalf. The AVX-512 build has its own form of horizontalMinMax
// (Sources/DAFKernelsAVX512/FiniteMinMax+Horizontal512.swift): each form is the one its code
// generator turns into plain vminps/vmaxps; the other form compiles to shuffles and blends there.

extension FiniteMinMax {
    /// (min of lo's lanes, max of hi's lanes).
    @inline(__always)
    static func horizontalMinMax(_ lo: SIMD16<Float>, _ hi: SIMD16<Float>) -> (Float, Float) {
        (horizontalMin(lo), horizontalMax(hi))
    }

    // Halving trees with replace(where:): SIMD .min()/.max() compile to slow code (TOOLCHAIN.md).
    @inline(__always)
    static func horizontalMin(_ v: SIMD16<Float>) -> Float {
        var a = v.lowHalf, b = v.highHalf
        a.replace(with: b, where: b .< a)
        var c = a.lowHalf, d = a.highHalf
        c.replace(with: d, where: d .< c)
        var e = c.lowHalf, f = c.highHalf
        e.replace(with: f, where: f .< e)
        return e[1] < e[0] ? e[1] : e[0]
    }

    @inline(__always)
    static func horizontalMax(_ v: SIMD16<Float>) -> Float {
        var a = v.lowHalf, b = v.highHalf
        a.replace(with: b, where: b .> a)
        var c = a.lowHalf, d = a.highHalf
        c.replace(with: d, where: d .> c)
        var e = c.lowHalf, f = c.highHalf
        e.replace(with: f, where: f .> e)
        return e[1] > e[0] ? e[1] : e[0]
    }
}
