// SPDX-License-Identifier: MIT
// FNV-1a, 64-bit (Fowler, Noll, Vo; offset basis 14695981039346656037, prime 1099511628211):
// the per-entry checksum of the spill file. Not cryptographic; it catches truncation and
// accidental damage, which is what the spill file has to fear.

enum FNV1a64 {
    static let offsetBasis: UInt64 = 14_695_981_039_346_656_037
    static let prime: UInt64 = 1_099_511_628_211

    /// Continues `hash` over `bytes` (start with `offsetBasis`).
    static func hash(_ bytes: UnsafeRawBufferPointer, continuing hash: UInt64 = offsetBasis) -> UInt64 {
        var h = hash
        for byte in bytes {
            h ^= UInt64(byte)
            h = h &* prime
        }
        return h
    }
}
