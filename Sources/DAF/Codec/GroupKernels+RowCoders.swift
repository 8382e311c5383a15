// SPDX-License-Identifier: MIT
// The row coders of the SIMD16 kernels: one row (or a pair of rows) of values to codes, one
// variant per rounding and group kind, and the lane-wise position, rounding and finite mask
// they share. The row loops that call them are GroupKernels+Encode.swift.
import DAFPlatform

extension SIMDGroupKernels {
    // The row encoders, one per variant. Structs behind a protocol rather than closures: the
    // compiler specializes and inlines them into the row loop (a closure was called per row).
    //
    // Every encoder returns its codes as 32-bit integers, rounded half to even by one
    // conversion (`rounded`), and the packer ORs them into word rows.

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
        func codes(_ x: Floats) -> Words { rounded(positions(x)) }
    }

    struct GeneralNearest: RowEncoder {
        let encoder: GroupEncoder

        @inline(__always)
        func codes(_ x: Floats) -> Words {
            finiteOrZero(rounded(SIMDGroupKernels.positions(x, encoder)), x)
        }
    }

    /// Stochastic variants: a row's codes from its values and its random offsets u in [-0.5, 0.5),
    /// given as u * 2^32 (StochasticHash.scaledHigh, scaledLow).
    protocol DitheredRowEncoder {
        func codes(_ x: Floats, scaledOffsets f: Floats) -> Words
    }

    /// 2^-32, which takes scaled offsets back to u exactly.
    static let offsetUnscale: Float = 0x1p-32

    struct PlainStochastic: DitheredRowEncoder {
        let plain: PlainNearest
        let top: Floats
        /// top + 1/2 - 2^-16, a float below top + 1/2 for every top <= 255: a sum clamped to
        /// it rounds to the top.
        let ceiling: Floats

        init(plain: PlainNearest, top: Float) {
            self.plain = plain
            self.top = Floats(repeating: top)
            ceiling = Floats(repeating: top + 0.5 - 0x1p-16)
        }

        /// min(t, top) + u rounded, then clamped to the top, as GroupEncoder.stochasticCode: t
        /// may lie a few ulps above the top (PlainNearest.positions), and t + u would then
        /// round differently from top + u where it meets a half. min(t, top) + u is at most
        /// top + 1/2 - 2^-17, which for an 8-bit top (255) is a tie that rounds up to 255.5
        /// and past the top: the min with `ceiling` clamps exactly those sums (smaller ones
        /// round to the same code either way). The add of u is an FMA of the scaled offset by
        /// 2^-32 (exact, so the same bits).
        @inline(__always)
        func codes(_ x: Floats, scaledOffsets f: Floats) -> Words {
            let t = daf_platform_min16(plain.positions(x), top)
            return rounded(daf_platform_min16(daf_platform_fma_exact16(f, Floats(repeating: offsetUnscale), t), ceiling))
        }
    }

    struct GeneralStochastic: DitheredRowEncoder {
        let encoder: GroupEncoder

        @inline(__always)
        func codes(_ x: Floats, scaledOffsets f: Floats) -> Words {
            var v = SIMDGroupKernels.positions(x, encoder) + f * offsetUnscale
            v.replace(with: encoder.top, where: v .> encoder.top)
            return finiteOrZero(rounded(v), x)
        }
    }

    /// Row codes two rows at a time (stochastic rounding draws one hash per row pair).
    protocol PairEncoder {
        /// Whether `pair(_:_:hashes:)` needs its pair's hashes.
        static var usesHashes: Bool { get }
        /// The stochastic keys (unused by nearest rounding).
        var keys: StochasticHash.KeyCache { get }
        func pair(_ x0: Floats, _ x1: Floats, hashes: Words) -> (Words, Words)
        /// A row whose pair is cut by the group's start or end: the pair's hashes, row parity.
        func single(_ x: Floats, hashes: Words, oddRow: Bool) -> Words
    }

    struct NearestPairs<Coder: RowEncoder>: PairEncoder {
        let coder: Coder
        static var usesHashes: Bool { false }
        var keys: StochasticHash.KeyCache { StochasticHash.KeyCache(seed: 0, firstIndex: 0) }

        @inline(__always)
        func pair(_ x0: Floats, _ x1: Floats, hashes: Words) -> (Words, Words) {
            (coder.codes(x0), coder.codes(x1))
        }

        @inline(__always)
        func single(_ x: Floats, hashes: Words, oddRow: Bool) -> Words { coder.codes(x) }
    }

    struct DitheredPairs<Coder: DitheredRowEncoder>: PairEncoder {
        let coder: Coder
        let keys: StochasticHash.KeyCache
        static var usesHashes: Bool { true }

        @inline(__always)
        func pair(_ x0: Floats, _ x1: Floats, hashes h: Words) -> (Words, Words) {
            (coder.codes(x0, scaledOffsets: StochasticHash.scaledHigh(h)),
             coder.codes(x1, scaledOffsets: StochasticHash.scaledLow(h)))
        }

        @inline(__always)
        func single(_ x: Floats, hashes h: Words, oddRow: Bool) -> Words {
            coder.codes(x, scaledOffsets: oddRow ? StochasticHash.scaledLow(h) : StochasticHash.scaledHigh(h))
        }
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

    /// t in [-0.5, 2^22) rounded half to even (daf_platform_round16: one vcvtps2dq where the
    /// CPU has it; TOOLCHAIN.md: Swift's own SIMD float-to-int conversion is per lane).
    @inline(__always)
    static func rounded(_ t: Floats) -> Words { daf_platform_round16(t) }

    /// Codes with code 0 in the lanes where x is NaN or ±Inf.
    @inline(__always)
    static func finiteOrZero(_ codes: Words, _ x: Floats) -> Words { codes & FiniteMinMax.finiteBits(x) }
}
