// SPDX-License-Identifier: MIT
// The 64-byte header of a packed blob: writing it, and reading it back from untrusted bytes
// with every field checked, so that nothing after it can index outside the blob.
import CDAF

struct BlobHeader: Equatable {
    static let magic: [UInt8] = [0x44, 0x41, 0x46, 0x51] // "DAFQ"
    static let formatVersion = Int(DAF_PACKED_FORMAT_VERSION)

    let spec: QuantSpec
    let layout: PackedLayout

    func write(to blob: UnsafeMutableRawPointer) {
        blob.initializeMemory(as: UInt8.self, repeating: 0, count: PackedLayout.headerBytes)
        for (i, byte) in BlobHeader.magic.enumerated() { blob.storeBytes(of: byte, toByteOffset: i, as: UInt8.self) }
        blob.storeBytes(of: UInt16(BlobHeader.formatVersion).littleEndian, toByteOffset: 4, as: UInt16.self)
        blob.storeBytes(of: UInt8(spec.bits), toByteOffset: 6, as: UInt8.self)
        blob.storeBytes(of: spec.rounding.rawValue, toByteOffset: 7, as: UInt8.self)
        blob.storeBytes(of: UInt32(spec.groupSize).littleEndian, toByteOffset: 8, as: UInt32.self)
        blob.storeBytes(of: UInt32(QuantSpec.lanes).littleEndian, toByteOffset: 12, as: UInt32.self)
        blob.storeBytes(of: UInt64(layout.count).littleEndian, toByteOffset: 16, as: UInt64.self)
        blob.storeBytes(of: UInt64(layout.nonfinite).littleEndian, toByteOffset: 24, as: UInt64.self)
        blob.storeBytes(of: spec.seed.littleEndian, toByteOffset: 32, as: UInt64.self)
        blob.storeBytes(of: UInt64(layout.totalSize).littleEndian, toByteOffset: 40, as: UInt64.self)
        let hash = BlobHeader.fnv1a(UnsafeRawBufferPointer(start: blob, count: 60))
        blob.storeBytes(of: hash.littleEndian, toByteOffset: 60, as: UInt32.self)
    }

    /// Reads and validates the header of `size` bytes at `blob` (any alignment).
    static func read(_ blob: UnsafeRawPointer, size: Int) throws(DAFError) -> BlobHeader {
        guard size >= PackedLayout.headerBytes else {
            throw .corrupt("\(size) bytes, shorter than the \(PackedLayout.headerBytes)-byte header")
        }
        for (i, byte) in magic.enumerated() where blob.load(fromByteOffset: i, as: UInt8.self) != byte {
            throw .corrupt("no \"DAFQ\" magic at its start")
        }
        func u16(_ o: Int) -> UInt16 { UInt16(littleEndian: blob.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
        func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
        func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: blob.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
        let hash = fnv1a(UnsafeRawBufferPointer(start: blob, count: 60))
        guard hash == u32(60) else { throw .corrupt("header hash mismatch (stored \(u32(60)), computed \(hash))") }
        let version = Int(u16(4))
        guard version == formatVersion else {
            throw DAFError(DAF_E_UNSUPPORTED_FORMAT, "packed blob has format version \(version); this library reads \(formatVersion)")
        }
        let spec: QuantSpec
        do {
            spec = try QuantSpec(bits: UInt32(blob.load(fromByteOffset: 6, as: UInt8.self)), groupSize: u32(8),
                                 rounding: UInt32(blob.load(fromByteOffset: 7, as: UInt8.self)), seed: u64(32),
                                 allowsRangeOnly: true)
        } catch {
            throw .corrupt(error.detail)
        }
        guard u32(12) == UInt32(QuantSpec.lanes) else { throw .corrupt("lane count \(u32(12)), expected \(QuantSpec.lanes)") }
        let count = u64(16), nonfinite = u64(24), total = u64(40)
        guard count <= UInt64(PackedLayout.maxCount) else { throw .corrupt("count \(count) beyond 2^58") }
        guard nonfinite <= count else { throw .corrupt("\(nonfinite) non-finite values in \(count)") }
        for offset in stride(from: 48, to: 60, by: 4) where u32(offset) != 0 {
            throw .corrupt("reserved header bytes are not zero")
        }
        let layout: PackedLayout
        do {
            layout = try PackedLayout(count: Int(count), spec: spec, nonfinite: Int(nonfinite))
        } catch {
            throw .corrupt("sizes out of range")
        }
        guard UInt64(layout.totalSize) == total else {
            throw .corrupt("header says \(total) bytes, its fields imply \(layout.totalSize)")
        }
        guard layout.totalSize <= size else {
            throw .corrupt("truncated: \(size) bytes given, \(layout.totalSize) needed")
        }
        return BlobHeader(spec: spec, layout: layout)
    }

    /// FNV-1a, 32-bit (Fowler, Noll, Vo): offset basis 2166136261, prime 16777619.
    static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return hash
    }
}
