// SPDX-License-Identifier: MIT
// SIMD16 kernels for one full group (its size a multiple of 16): sixteen neighbouring values
// are sixteen lanes, and a lane's codes are stacked in its own 32-bit words, so packing and
// unpacking need no shuffles ("unified layout", DAF §4.2). Identical bytes and values to
// ScalarGroupKernels, which stays beside them as the reference (and states the sharing rule).
//
// Each group picks a variant once: the common group (all values finite, not wide, 1/scale
// finite) runs a loop with nothing but the arithmetic; any other group runs the general loop
// with the finite masks and the prescale/division of GroupEncoder. Both give the same codes.
//
// This file holds what all of them share: the vector types, the code widths as types (and the
// one switch from a bit count to its width type), a group's rows and the roundings as types.
// The rest, one concern a file: +Encode (the row loops of packing), +RowCoders (values to
// codes, one row or a pair of rows at a time), +PairHashes (stochastic rounding's random
// bits), +RowStore (plain or streaming stores), +Decode (codes back to values).
import DAFPlatform

enum SIMDGroupKernels {
    typealias Floats = SIMD16<Float>
    typealias Words = SIMD16<UInt32>

    /// 2^23: or-ing a small integer into its mantissa gives 2^23 + q exactly.
    static let integerMagicBits = UInt32(0x4B00_0000)
    /// Computed, not stored: a stored static is initialized lazily and checked on every use.
    @inline(__always) static var laneIndices: Words { Words(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) }

    /// Code widths as types, so that a word row's slot loop has constant shifts.
    protocol CodeWidth { static var bits: Int { get } }
    enum CodeWidth1: CodeWidth { static var bits: Int { 1 } }
    enum CodeWidth2: CodeWidth { static var bits: Int { 2 } }
    enum CodeWidth3: CodeWidth { static var bits: Int { 3 } }
    enum CodeWidth4: CodeWidth { static var bits: Int { 4 } }
    enum CodeWidth5: CodeWidth { static var bits: Int { 5 } }
    enum CodeWidth6: CodeWidth { static var bits: Int { 6 } }
    enum CodeWidth7: CodeWidth { static var bits: Int { 7 } }
    enum CodeWidth8: CodeWidth { static var bits: Int { 8 } }

    /// A computation generic over the code width, run by withCodeWidth(bits:_:) for the width
    /// type of a bit count. A struct rather than a closure: Swift has no generic closures, and
    /// the struct's run is specialized and inlined per width.
    protocol WidthGeneric {
        associatedtype Result
        func run<W: CodeWidth>(width: W.Type) -> Result
    }

    /// The one switch from a bit count (1...8; anything else takes 8) to its width type.
    @inline(__always)
    static func withCodeWidth<Body: WidthGeneric>(bits: Int, _ body: Body) -> Body.Result {
        switch bits {
        case 1: body.run(width: CodeWidth1.self)
        case 2: body.run(width: CodeWidth2.self)
        case 3: body.run(width: CodeWidth3.self)
        case 4: body.run(width: CodeWidth4.self)
        case 5: body.run(width: CodeWidth5.self)
        case 6: body.run(width: CodeWidth6.self)
        case 7: body.run(width: CodeWidth7.self)
        default: body.run(width: CodeWidth8.self)
        }
    }

    /// A group's rows: `count` rows of 16 values, the first of them tensor row `first`.
    struct GroupRows {
        let first: Int
        let count: Int

        init(firstIndex: Int, spec: QuantSpec) {
            first = firstIndex / 16
            count = spec.groupSize / 16
        }
    }

    /// Roundings as types, for GroupPacker's loops (one per width and rounding).
    protocol RoundingKind { static var isStochastic: Bool { get } }
    enum NearestRounding: RoundingKind { static var isStochastic: Bool { false } }
    enum StochasticRounding: RoundingKind { static var isStochastic: Bool { true } }
}
