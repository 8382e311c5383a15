// SPDX-License-Identifier: MIT
// How a tensor is quantized: bits, group size, rounding and seed, validated once at the boundary
// so the kernels below never see an out-of-range value. Not the packed format (PackedLayout).
import CDAF

enum Rounding: UInt8 {
    case nearest = 0
    case stochastic = 1
}

struct QuantSpec: Equatable {
    let bits: Int
    let groupSize: Int
    let rounding: Rounding
    let seed: UInt64

    /// Highest code, 2^bits - 1 (0 for a range-only spec).
    var levels: Int { (1 << bits) - 1 }
    /// Codes per 32-bit word; a code never straddles two words. (A range-only spec has no
    /// codes; 32 keeps the arithmetic of GroupRuns meaningful.)
    var codesPerWord: Int { 32 / max(bits, 1) }

    /// Bits 0: "range only", no codes; each group keeps its midpoint. Only DAF_POLICY_DEGRADE
    /// with degrade_floor_bits 0 makes such blobs, and the decoder reads them; the codec's
    /// callers cannot ask for it (daf_quantize_pack takes 1...8).
    static let rangeOnlyBits = 0

    static let lanes = Int(DAF_LANES)
    static let minGroupSize = Int(DAF_MIN_GROUP_SIZE)
    static let maxGroupSize = Int(DAF_MAX_GROUP_SIZE)

    static func isValid(bits: UInt32) -> Bool { bits >= UInt32(DAF_MIN_BITS) && bits <= UInt32(DAF_MAX_BITS) }

    static func isValid(groupSize: UInt32) -> Bool {
        Int(groupSize) >= minGroupSize && Int(groupSize) <= maxGroupSize && Int(groupSize) % lanes == 0
    }

    init(bits: UInt32, groupSize: UInt32, rounding: UInt32, seed: UInt64, allowsRangeOnly: Bool = false) throws(DAFError) {
        guard QuantSpec.isValid(bits: bits) || (allowsRangeOnly && bits == UInt32(QuantSpec.rangeOnlyBits)) else {
            throw .invalid("bits is \(bits); allowed 1...8")
        }
        guard QuantSpec.isValid(groupSize: groupSize) else {
            throw .invalid("group_size is \(groupSize); allowed a multiple of 16 in 16...65536")
        }
        guard let mode = Rounding(rawValue: UInt8(truncatingIfNeeded: rounding)), rounding <= 1 else {
            throw .invalid("rounding is \(rounding); allowed DAF_ROUND_NEAREST (0) or DAF_ROUND_STOCHASTIC (1)")
        }
        self.bits = Int(bits)
        self.groupSize = Int(groupSize)
        self.rounding = mode
        self.seed = mode == .stochastic ? seed : 0
    }

}
