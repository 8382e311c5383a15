// SPDX-License-Identifier: MIT
// Every bad argument of every exported call returns its documented status and leaves a detail
// message — called through the C declarations of daf.h, exactly as a C caller would.
import CDAF
import Testing
@testable import DAF

@Suite("C boundary: bad arguments get statuses, never traps")
struct BoundaryTests {
    let values: [Float] = (0..<1000).map { Float($0 % 37) - 18 }

    func expectStatus(_ got: Int32, _ expected: daf_status, _ what: String, owner ctx: OpaquePointer? = nil,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got == expected.rawValue, "\(what): got \(name(got)), expected \(name(expected.rawValue))", sourceLocation: sourceLocation)
        if expected != DAF_OK {
            let detail = String(cString: daf_last_error(ctx))
            #expect(!detail.isEmpty, "\(what): no detail message", sourceLocation: sourceLocation)
        }
    }

    func packed(bits: UInt32 = 2) -> [UInt8] {
        var p = daf_quantize_params()
        _ = daf_quantize_params_init(&p)
        p.bits = bits
        let bound = daf_packed_bound_finite(values.count, bits, 256)
        var blob = [UInt8](repeating: 0, count: bound)
        var size = 0
        let status = daf_quantize_pack(values, values.count, &p, &blob, bound, &size)
        precondition(status == 0 && size == bound)
        return blob
    }

    @Test("status names and messages cover the list; unknown codes are named so")
    func statusText() {
        // The frozen codes, as released: a renumbering or a rename fails here.
        let frozen: [(daf_status, String)] = [
            (DAF_OK, "DAF_OK"), (DAF_E_NULL_ARGUMENT, "DAF_E_NULL_ARGUMENT"), (DAF_E_INVALID_ARGUMENT, "DAF_E_INVALID_ARGUMENT"),
            (DAF_E_STRUCT_SIZE, "DAF_E_STRUCT_SIZE"), (DAF_E_OVERFLOW, "DAF_E_OVERFLOW"), (DAF_E_MISALIGNED, "DAF_E_MISALIGNED"),
            (DAF_E_DST_TOO_SMALL, "DAF_E_DST_TOO_SMALL"), (DAF_E_CORRUPT, "DAF_E_CORRUPT"),
            (DAF_E_UNSUPPORTED_FORMAT, "DAF_E_UNSUPPORTED_FORMAT"), (DAF_E_SIZE_MISMATCH, "DAF_E_SIZE_MISMATCH"),
            (DAF_E_OUT_OF_RANGE, "DAF_E_OUT_OF_RANGE"), (DAF_E_NO_MEMORY, "DAF_E_NO_MEMORY"),
            (DAF_E_INVALID_CONTEXT, "DAF_E_INVALID_CONTEXT"), (DAF_E_UNKNOWN_HANDLE, "DAF_E_UNKNOWN_HANDLE"),
            (DAF_E_INTERNAL, "DAF_E_INTERNAL"), (DAF_E_BUDGET_EXCEEDED, "DAF_E_BUDGET_EXCEEDED"), (DAF_E_IO, "DAF_E_IO"),
            (DAF_E_RECOMPUTE_FAILED, "DAF_E_RECOMPUTE_FAILED"), (DAF_E_INVALID_POOL, "DAF_E_INVALID_POOL"),
        ]
        #expect(frozen.map(\.0.rawValue) == Array((-18...0).reversed()), "codes are contiguous and frozen")
        for (code, name) in frozen {
            #expect(String(cString: daf_status_name(code.rawValue)) == name)
            #expect(!String(cString: daf_status_message(code.rawValue)).isEmpty)
        }
        for bogus: Int32 in [1, 12345, -19, .min, .max] {
            #expect(String(cString: daf_status_name(bogus)) == "DAF_E_UNKNOWN_STATUS")
            #expect(!String(cString: daf_status_message(bogus)).isEmpty)
        }
        #expect(daf_version_number() == UInt32(DAF_VERSION_MAJOR * 10000 + DAF_VERSION_MINOR * 100 + DAF_VERSION_PATCH))
        #expect(String(cString: daf_version_string()) == DAF_VERSION_STRING)
    }

    @Test("codec: NULL, counts, ranges, alignment, params")
    func codecArguments() {
        var p = daf_quantize_params()
        expectStatus(daf_quantize_params_init(nil), DAF_E_NULL_ARGUMENT, "params_init(NULL)")
        expectStatus(daf_quantize_params_init(&p), DAF_OK, "params_init")
        var size = 0
        var dst = [UInt8](repeating: 0, count: 4096)
        expectStatus(daf_quantize_pack(nil, 10, &p, &dst, dst.count, &size), DAF_E_NULL_ARGUMENT, "pack src NULL")
        expectStatus(daf_quantize_pack(values, 10, &p, nil, dst.count, &size), DAF_E_NULL_ARGUMENT, "pack dst NULL")
        expectStatus(daf_quantize_pack(values, 10, &p, &dst, dst.count, nil), DAF_E_NULL_ARGUMENT, "pack dst_size NULL")
        expectStatus(daf_quantize_pack(nil, 0, nil, &dst, dst.count, &size), DAF_OK, "pack of 0 values, NULL src and params")
        expectStatus(daf_quantize_pack(values, Int(bitPattern: UInt.max), &p, &dst, dst.count, &size), DAF_E_OVERFLOW, "pack count SIZE_MAX")
        expectStatus(daf_quantize_pack(values, (1 << 58) + 1, &p, &dst, dst.count, &size), DAF_E_OVERFLOW, "pack count 2^58+1")
        var lo: Float = 0, hi: Float = 0
        values.withUnsafeBytes { raw in
            let odd = (raw.baseAddress! + 2).assumingMemoryBound(to: Float.self)
            expectStatus(daf_quantize_pack(odd, 4, &p, &dst, dst.count, &size), DAF_E_MISALIGNED, "pack misaligned src")
            expectStatus(daf_minmax(odd, 4, &lo, &hi), DAF_E_MISALIGNED, "minmax misaligned")
        }
        for (field, value) in [("bits", 0), ("bits", 9), ("group", 0), ("group", 8), ("group", 24), ("group", 65552), ("rounding", 2)] {
            var bad = p
            switch field {
            case "bits": bad.bits = UInt32(value)
            case "group": bad.group_size = UInt32(value)
            default: bad.rounding = UInt32(value)
            }
            expectStatus(daf_quantize_pack(values, 10, &bad, &dst, dst.count, &size), DAF_E_INVALID_ARGUMENT, "pack \(field) \(value)")
            expectStatus(daf_packed_size(values, 10, &bad, &size), DAF_E_INVALID_ARGUMENT, "packed_size \(field) \(value)")
            #expect(daf_packed_bound(10, bad.bits, bad.group_size) == 0 || field == "rounding")
        }
        #expect(daf_packed_bound(Int(bitPattern: UInt.max), 2, 256) == 0)
        for structSize: UInt32 in [0, 4, 23, 5000] {
            var bad = p
            bad.struct_size = structSize
            expectStatus(daf_quantize_pack(values, 10, &bad, &dst, dst.count, &size), DAF_E_STRUCT_SIZE, "pack struct_size \(structSize)")
        }
        // Too small: the needed size comes back.
        let bound = daf_packed_bound_finite(values.count, 2, 256)
        expectStatus(daf_quantize_pack(values, values.count, &p, &dst, bound - 1, &size), DAF_E_DST_TOO_SMALL, "pack into bound-1")
        #expect(size == bound)
        expectStatus(daf_packed_size(values, 10, &p, nil), DAF_E_NULL_ARGUMENT, "packed_size out NULL")
        expectStatus(daf_packed_size(nil, 10, &p, &size), DAF_E_NULL_ARGUMENT, "packed_size src NULL")
        expectStatus(daf_minmax(values, 10, nil, &hi), DAF_E_NULL_ARGUMENT, "minmax min NULL")
        expectStatus(daf_minmax(values, 10, &lo, nil), DAF_E_NULL_ARGUMENT, "minmax max NULL")
        expectStatus(daf_minmax(nil, 0, &lo, &hi), DAF_OK, "minmax of nothing")
        #expect(lo.isNaN && hi.isNaN)
        expectStatus(daf_minmax(values, values.count, &lo, &hi), DAF_OK, "minmax")
        #expect(lo == -18 && hi == 18)
    }

    @Test("unpack: NULL, size mismatch, ranges, corrupt and truncated blobs")
    func unpackArguments() {
        var blob = packed()
        var out = [Float](repeating: 0, count: values.count)
        expectStatus(daf_unpack_dequantize(nil, blob.count, &out, out.count), DAF_E_NULL_ARGUMENT, "unpack src NULL")
        expectStatus(daf_unpack_dequantize(blob, blob.count, nil, out.count), DAF_E_NULL_ARGUMENT, "unpack dst NULL")
        expectStatus(daf_unpack_dequantize(blob, blob.count, &out, out.count - 1), DAF_E_SIZE_MISMATCH, "unpack count-1")
        expectStatus(daf_unpack_dequantize(blob, blob.count, &out, out.count), DAF_OK, "unpack")
        expectStatus(daf_unpack_dequantize(blob, Int(bitPattern: UInt.max), &out, out.count), DAF_OK, "unpack src_size SIZE_MAX")
        expectStatus(daf_unpack_dequantize_range(blob, blob.count, 999, 2, &out), DAF_E_OUT_OF_RANGE, "range past end")
        expectStatus(daf_unpack_dequantize_range(blob, blob.count, Int(bitPattern: UInt.max), 1, &out), DAF_E_OUT_OF_RANGE, "range first SIZE_MAX")
        expectStatus(daf_unpack_dequantize_range(blob, blob.count, 1, Int(bitPattern: UInt.max), &out), DAF_E_OVERFLOW, "range count SIZE_MAX")
        expectStatus(daf_unpack_dequantize_range(blob, blob.count, 1000, 0, nil), DAF_OK, "empty range at the end")
        for length in [0, 1, 63, 64, blob.count / 2, blob.count - 1] {
            expectStatus(daf_unpack_dequantize(blob, length, &out, out.count), DAF_E_CORRUPT, "truncated to \(length)")
        }
        var info = daf_packed_information()
        info.struct_size = UInt32(MemoryLayout<daf_packed_information>.size)
        expectStatus(daf_packed_info(blob, blob.count, &info), DAF_OK, "info")
        #expect(info.count == 1000 && info.bits == 2 && info.group_size == 256 && info.packed_size == UInt64(blob.count))
        expectStatus(daf_packed_info(blob, blob.count, nil), DAF_E_NULL_ARGUMENT, "info NULL")
        info.struct_size = 8
        expectStatus(daf_packed_info(blob, blob.count, &info), DAF_E_STRUCT_SIZE, "info struct_size 8")
        // Every single-byte change of the header is caught by its hash or its checks.
        for offset in 0..<64 {
            var bad = blob
            bad[offset] ^= 0x5A
            let status = daf_unpack_dequantize(bad, bad.count, &out, out.count)
            #expect(status == DAF_E_CORRUPT.rawValue || status == DAF_E_UNSUPPORTED_FORMAT.rawValue, "header byte \(offset): \(name(status))")
        }
        // A group entry made impossible (NaN scale) is refused before anything is written.
        blob[64 + 4 ..< 64 + 8] = [0, 0, 0xC0, 0x7F][...]
        expectStatus(daf_unpack_dequantize(blob, blob.count, &out, out.count), DAF_E_CORRUPT, "NaN scale")
        // A newer format version with a valid hash is "unsupported", not "corrupt".
        var newer = packed()
        newer[4] = 2
        newer.withUnsafeMutableBytes { raw in
            let hash = BlobHeader.fnv1a(UnsafeRawBufferPointer(rebasing: raw[0..<60]))
            raw.storeBytes(of: hash.littleEndian, toByteOffset: 60, as: UInt32.self)
        }
        expectStatus(daf_unpack_dequantize(newer, newer.count, &out, out.count), DAF_E_UNSUPPORTED_FORMAT, "format version 2")
    }

    @Test("random bytes and mutated blobs never trap, and what decodes is finite or a listed non-finite")
    func fuzzedBlobs() {
        var rng = SeededGenerator(seed: 2026)
        let clean = packed(bits: 3)
        var out = [Float](repeating: 0, count: values.count)
        for round in 0..<3000 {
            var blob = clean
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                blob[Int.random(in: 64..<blob.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            let status = daf_unpack_dequantize(blob, blob.count, &out, out.count)
            #expect(status == 0 || status == DAF_E_CORRUPT.rawValue, "round \(round): \(name(status))")
            if status == 0 { #expect(out.allSatisfy { $0.isFinite }, "round \(round)") }
        }
        for length in [0, 10, 64, 100, 1000] {
            let junk = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var info = daf_packed_information()
            info.struct_size = UInt32(MemoryLayout<daf_packed_information>.size)
            #expect(daf_packed_info(junk, junk.count, &info) == DAF_E_CORRUPT.rawValue)
        }
    }

    @Test("versioned structs: larger with a zero tail is accepted, a non-zero tail refused, outputs zero their tail")
    func structSizes() {
        // A "newer" daf_quantize_params: 8 extra bytes.
        var bigger = [UInt8](repeating: 0, count: 32)
        var p = daf_quantize_params()
        _ = daf_quantize_params_init(&p)
        withUnsafeBytes(of: p) { bigger.replaceSubrange(0..<24, with: $0) }
        bigger.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(32), as: UInt32.self) }
        var dst = [UInt8](repeating: 0, count: 4096)
        var size = 0
        let ok = bigger.withUnsafeBytes { daf_quantize_pack(values, 100, $0.baseAddress!.assumingMemoryBound(to: daf_quantize_params.self), &dst, dst.count, &size) }
        #expect(ok == 0)
        bigger[30] = 1
        let refused = bigger.withUnsafeBytes { daf_quantize_pack(values, 100, $0.baseAddress!.assumingMemoryBound(to: daf_quantize_params.self), &dst, dst.count, &size) }
        #expect(refused == DAF_E_STRUCT_SIZE.rawValue)
        // Output: a daf_packed_information with 16 unknown bytes gets them zeroed.
        let blob = packed()
        var info = [UInt8](repeating: 0xAB, count: 72)
        info.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(72), as: UInt32.self) }
        let status = info.withUnsafeMutableBytes { daf_packed_info(blob, blob.count, $0.baseAddress!.assumingMemoryBound(to: daf_packed_information.self)) }
        #expect(status == 0)
        #expect(info[56...].allSatisfy { $0 == 0 })
        #expect(info.withUnsafeBytes { $0.load(fromByteOffset: 24, as: UInt64.self) } == 1000)
    }
}
