// SPDX-License-Identifier: MIT
// What a saved tensor is (daf_kind) and how each kind is staged as floats for the packer and
// turned back on restore: companding for non-negative values, exact codes for masks and small
// integers. Not the codec: kinds only change what the codec is given and what it returns.
import CDAF
import Glibc

enum SaveKind: Equatable, Sendable {
    case float
    case nonnegative
    case mask
    /// Stored as v - low, an exact integer in 0...(high - low).
    case integer(low: Int32, high: Int32)

    static let widestIntegerRange: Int64 = 255

    /// Validates daf_save_params.kind and its integer range.
    init(kind: UInt32, intMin: Int32, intMax: Int32) throws(DAFError) {
        switch kind {
        case UInt32(DAF_KIND_FLOAT.rawValue): self = .float
        case UInt32(DAF_KIND_NONNEGATIVE.rawValue): self = .nonnegative
        case UInt32(DAF_KIND_MASK.rawValue): self = .mask
        case UInt32(DAF_KIND_INTEGER.rawValue):
            guard intMin <= intMax, Int64(intMax) - Int64(intMin) <= SaveKind.widestIntegerRange else {
                throw .invalid("daf_save_params.int_min ... int_max is \(intMin) ... \(intMax); "
                               + "need int_min <= int_max and int_max - int_min <= 255")
            }
            self = .integer(low: intMin, high: intMax)
        default:
            throw .invalid("daf_save_params.kind is \(kind); allowed DAF_KIND_FLOAT (0), DAF_KIND_NONNEGATIVE (1), "
                           + "DAF_KIND_MASK (2), DAF_KIND_INTEGER (3)")
        }
    }

    var code: UInt32 {
        switch self {
        case .float: UInt32(DAF_KIND_FLOAT.rawValue)
        case .nonnegative: UInt32(DAF_KIND_NONNEGATIVE.rawValue)
        case .mask: UInt32(DAF_KIND_MASK.rawValue)
        case .integer: UInt32(DAF_KIND_INTEGER.rawValue)
        }
    }

    /// The smallest group of mask and integer entries: their codes are exact whatever the
    /// group, so a group table (8 bytes a group) is pure overhead; at 4096 values it costs
    /// 1/64 bit per value, against 1/4 at the default 256.
    static let exactGroupSize = 4096

    /// Mask and integer entries restore exactly: fixed width, nearest rounding, never degraded.
    var isExact: Bool { exactBits != nil }

    /// The width that holds every value of an exact kind: ceil(log2(range + 1)), at least 1.
    var exactBits: Int? {
        switch self {
        case .float, .nonnegative: return nil
        case .mask: return 1
        case .integer(let low, let high):
            let span = Int(Int64(high) - Int64(low))
            var bits = 1
            while (1 << bits) - 1 < span { bits += 1 }
            return bits
        }
    }

    /// Whether values may be read from an input (or written to an output) of this element type.
    func accepts(_ dtype: ElementType) -> Bool { dtype == .float32 || isExact }
}

/// daf_dtype, checked.
enum ElementType: UInt32, Sendable {
    case float32 = 0
    case uint8 = 1
    case int32 = 2

    init(checking raw: UInt32) throws(DAFError) {
        guard let type = ElementType(rawValue: raw) else {
            throw .invalid("dtype is \(raw); allowed DAF_DTYPE_FLOAT32 (0), DAF_DTYPE_UINT8 (1), DAF_DTYPE_INT32 (2)")
        }
        self = type
    }

    var size: Int { self == .uint8 ? 1 : 4 }
}
