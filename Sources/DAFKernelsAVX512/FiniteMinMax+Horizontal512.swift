// horizontalMinMax for the AVX-512 build (the AVX2 build's halving trees compile to permutes and
// mask moves here): lo and hi halved to 8 lanes, then lo's and -hi's lanes share one vector
// whose neighbouring lanes are combined (even/odd halves) three times, one chain of vminps for
// both reductions (min(-hi) = -max(hi); negation is exact).

extension FiniteMinMax {
    @inline(__always)
    static func horizontalMinMax(_ lo: SIMD16<Float>, _ hi: SIMD16<Float>) -> (Float, Float) {
        var low8 = lo.lowHalf
        low8.replace(with: lo.highHalf, where: lo.highHalf .< low8)
        var high8 = hi.lowHalf
        high8.replace(with: hi.highHalf, where: hi.highHalf .> high8)
        let both = SIMD16<Float>(lowHalf: low8, highHalf: -high8)
        var m8 = both.evenHalf
        m8.replace(with: both.oddHalf, where: both.oddHalf .< m8)
        var m4 = m8.evenHalf
        m4.replace(with: m8.oddHalf, where: m8.oddHalf .< m4)
        var m2 = m4.evenHalf
        m2.replace(with: m4.oddHalf, where: m4.oddHalf .< m2)
        return (m2[0], -m2[1])
    }
}
