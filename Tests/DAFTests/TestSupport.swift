// SPDX-License-Identifier: MIT
// Shared test helpers: a seeded generator (SplitMix64, Steele et al. 2014) so every failure
// names the seed that reproduces it, data generators for awkward inputs, and thin wrappers
// that call the C API the way a C caller would.
import CDAF
import Glibc
@testable import DAF

struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum DataShape: CaseIterable {
    case normal, relu, constant, zeros, tiny, denormal, huge, mixedScale, withNonfinite, allNonfinite

    func values(count: Int, rng: inout SeededGenerator) -> [Float] {
        func gaussian() -> Float {
            let u = Float.random(in: Float.ulpOfOne..<1, using: &rng), v = Float.random(in: 0..<1, using: &rng)
            return (-2 * Float(log(Double(u)))).squareRoot() * Float(cos(2 * Double.pi * Double(v)))
        }
        switch self {
        case .normal: return (0..<count).map { _ in gaussian() * 3 + 0.5 }
        case .relu: return (0..<count).map { _ in max(0, gaussian()) }
        case .constant: let c = Float.random(in: -100...100, using: &rng); return Array(repeating: c, count: count)
        case .zeros: return (0..<count).map { _ in Bool.random(using: &rng) ? 0 : -0.0 }
        case .tiny: return (0..<count).map { _ in gaussian() * 1e-30 }
        case .denormal: return (0..<count).map { _ in Float(bitPattern: UInt32.random(in: 0...0x007F_FFFF, using: &rng) | (Bool.random(using: &rng) ? 0x8000_0000 : 0)) }
        case .huge: return (0..<count).map { _ in Float.random(in: -1...1, using: &rng) * .greatestFiniteMagnitude }
        case .mixedScale: return (0..<count).map { _ in gaussian() * Float.random(in: 1e-6...1e6, using: &rng) }
        case .withNonfinite:
            return (0..<count).map { _ in
                switch Int.random(in: 0..<40, using: &rng) {
                case 0: return .nan
                case 1: return .infinity
                case 2: return -.infinity
                case 3: return Float(bitPattern: 0x7FC0_1234) // NaN with a payload
                default: return gaussian()
                }
            }
        case .allNonfinite: return (0..<count).map { i in [Float.nan, .infinity, -.infinity][i % 3] }
        }
    }
}

/// Packs through the internal codec with the chosen kernels.
func pack(_ values: [Float], _ spec: QuantSpec, kernels: Kernels) throws -> [UInt8] {
    let size = try values.withUnsafeBufferPointer { try Codec.packedSize($0.baseAddress, count: values.count, spec: spec) }
    var blob = [UInt8](repeating: 0xEE, count: size)
    let written = try values.withUnsafeBufferPointer { src in
        try blob.withUnsafeMutableBytes { dst in
            try Codec.pack(src.baseAddress, count: values.count, spec: spec, into: dst.baseAddress!, capacity: size, kernels: kernels)
        }
    }
    precondition(written == size)
    return blob
}

func unpack(_ blob: [UInt8], count: Int, kernels: Kernels) throws -> [Float] {
    var out = [Float](repeating: 0, count: count)
    try blob.withUnsafeBytes { src in
        try out.withUnsafeMutableBufferPointer { dst in
            try Codec.unpack(src.baseAddress!, size: blob.count, into: dst.baseAddress, count: count, kernels: kernels)
        }
    }
    return out
}

func unpackRange(_ blob: [UInt8], first: Int, count: Int, kernels: Kernels) throws -> [Float] {
    var out = [Float](repeating: 0, count: count)
    try blob.withUnsafeBytes { src in
        try out.withUnsafeMutableBufferPointer { dst in
            try Codec.unpackRange(src.baseAddress!, size: blob.count, first: first, count: count, into: dst.baseAddress, kernels: kernels)
        }
    }
    return out
}

/// Same value bit for bit (NaN payloads included).
func sameBits(_ a: Float, _ b: Float) -> Bool { a.bitPattern == b.bitPattern }

/// The documented per-value bound of nearest rounding for group `params`: half a step, plus
/// float rounding of the final multiply-add (a few ulps of the group's magnitude).
func nearestBound(_ p: GroupParams, levels: Int) -> Float {
    let magnitude = max(abs(p.decode(0)), abs(p.decode(UInt32(levels))))
    // Half the real step is step * factor / 2 (wide groups store half units).
    return p.step * (p.factor * 0.5) * (1 + 1e-5) + 4 * magnitude.ulp + Float.leastNonzeroMagnitude * 2
}

/// The group parameters stored in a blob (for error bounds in tests).
func groupParams(of blob: [UInt8], group g: Int) -> GroupParams {
    blob.withUnsafeBytes { raw in
        let offset = PackedLayout.headerBytes + g * 8
        return GroupParams(minimum: Float(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)),
                           scale: Float(bitPattern: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
    }
}

func spec(bits: Int, group: Int = 256, rounding: Rounding = .nearest, seed: UInt64 = 0) -> QuantSpec {
    try! QuantSpec(bits: UInt32(bits), groupSize: UInt32(group), rounding: UInt32(rounding.rawValue), seed: seed)
}

/// Status names for readable failures.
func name(_ status: Int32) -> String { String(cString: daf_status_name(status)) }
