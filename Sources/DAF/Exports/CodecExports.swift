// SPDX-License-Identifier: MIT
// Exports: the stateless quantize-pack codec of include/daf.h. Each checks its arguments and
// calls Codec; the detail message of a failure goes to daf_last_error(NULL).
import CDAF

@c @implementation
public func daf_quantize_params_init(_ params: UnsafeMutablePointer<daf_quantize_params>?) -> Int32 {
    daf_quantize_params_init_sized(params, StructLayouts.quantizeParams.oldest)
}

@c @implementation
public func daf_quantize_params_init_sized(_ params: UnsafeMutablePointer<daf_quantize_params>?, _ size: Int) -> Int32 {
    boundary { () throws(DAFError) in
        try initVersioned(params, size: size, layout: StructLayouts.quantizeParams, defaults: QuantSpec.defaultParams)
    }
}

@c @implementation
public func daf_packed_bound(_ count: Int, _ bits: UInt32, _ groupSize: UInt32) -> Int {
    packedSize(count: count, bits: bits, groupSize: groupSize, nonfinite: count)
}

@c @implementation
public func daf_packed_bound_finite(_ count: Int, _ bits: UInt32, _ groupSize: UInt32) -> Int {
    packedSize(count: count, bits: bits, groupSize: groupSize, nonfinite: 0)
}

/// The blob size for `count` values of which `nonfinite` are NaN or ±Inf; 0 when the
/// arguments are out of range or the size overflows.
private func packedSize(count: Int, bits: UInt32, groupSize: UInt32, nonfinite: Int) -> Int {
    guard QuantSpec.isValid(bits: bits), QuantSpec.isValid(groupSize: groupSize), count >= 0,
          let layout = try? PackedLayout(count: count, bits: Int(bits), groupSize: Int(groupSize), nonfinite: nonfinite)
    else { return 0 }
    return layout.totalSize
}

/// The spec of a codec call: params NULL means the defaults.
private func codecSpec(_ params: UnsafePointer<daf_quantize_params>?) throws(DAFError) -> QuantSpec {
    try QuantSpec(readOptional(params, defaults: QuantSpec.defaultParams, layout: StructLayouts.quantizeParams))
}

@c @implementation
public func daf_packed_size(_ src: UnsafePointer<Float>?, _ count: Int, _ params: UnsafePointer<daf_quantize_params>?,
                            _ outSize: UnsafeMutablePointer<Int>?) -> Int32 {
    floatBoundary { () throws(DAFError) in
        let count = try checkedFloats(src, count: count, "src")
        let spec = try codecSpec(params)
        let out = try required(outSize, "out_size")
        out.pointee = try Codec.packedSize(src, count: count, spec: spec, parallelism: CodecThreads.parallelism)
    }
}

@c @implementation
public func daf_quantize_pack(_ src: UnsafePointer<Float>?, _ count: Int, _ params: UnsafePointer<daf_quantize_params>?,
                              _ dst: UnsafeMutableRawPointer?, _ dstCapacity: Int, _ dstSize: UnsafeMutablePointer<Int>?) -> Int32 {
    floatBoundary { () throws(DAFError) in
        let count = try checkedFloats(src, count: count, "src")
        let spec = try codecSpec(params)
        let dst = try required(dst, "dst")
        guard dstCapacity >= 0 else { throw .overflow("dst_capacity is \(UInt(bitPattern: dstCapacity))") }
        let size = try required(dstSize, "dst_size")
        do throws(DAFError) {
            size.pointee = try Codec.pack(src, count: count, spec: spec, into: dst, capacity: dstCapacity,
                                          parallelism: CodecThreads.parallelism)
        } catch where error.status == DAF_E_DST_TOO_SMALL.code {
            size.pointee = error.needed
            throw error
        }
    }
}

/// src_size as given by C; SIZE_MAX (-1 here) is as good as "large enough".
private func blobSize(_ size: Int) -> Int { size < 0 ? Int.max : size }

@c @implementation
public func daf_unpack_dequantize(_ src: UnsafeRawPointer?, _ srcSize: Int, _ dst: UnsafeMutablePointer<Float>?, _ count: Int) -> Int32 {
    floatBoundary { () throws(DAFError) in
        let src = try required(src, "src")
        let count = try checkedFloats(dst, count: count, "dst")
        try Codec.unpack(src, size: blobSize(srcSize), into: dst, count: count, parallelism: CodecThreads.parallelism)
    }
}

@c @implementation
public func daf_unpack_dequantize_range(_ src: UnsafeRawPointer?, _ srcSize: Int, _ first: Int, _ count: Int,
                                        _ dst: UnsafeMutablePointer<Float>?) -> Int32 {
    floatBoundary { () throws(DAFError) in
        let src = try required(src, "src")
        let count = try checkedCount(count, "count")
        guard first >= 0 else {
            throw DAFError(DAF_E_OUT_OF_RANGE, "first is \(UInt(bitPattern: first)), beyond any tensor")
        }
        do throws(DAFError) {
            try checkFloats(dst, count: count, "dst")
        } catch {
            // The range comes before dst: a readable header's count decides it first.
            if let total = try? BlobHeader.read(src, size: blobSize(srcSize)).layout.count {
                try checkRange(first: first, count: count, total: total)
            }
            throw error
        }
        try Codec.unpackRange(src, size: blobSize(srcSize), first: first, count: count, into: dst,
                              parallelism: CodecThreads.parallelism)
    }
}

@c @implementation
public func daf_packed_info(_ src: UnsafeRawPointer?, _ srcSize: Int, _ info: UnsafeMutablePointer<daf_packed_information>?) -> Int32 {
    boundary { () throws(DAFError) in
        let src = try required(src, "src")
        let info = try required(info, "info")
        let header = try BlobHeader.read(src, size: blobSize(srcSize))
        let value = daf_packed_information(
            struct_size: 0, format_version: UInt32(BlobHeader.formatVersion), bits: UInt32(header.spec.bits),
            group_size: UInt32(header.spec.groupSize), rounding: UInt32(header.spec.rounding.rawValue), reserved: 0,
            count: UInt64(header.layout.count), nonfinite_count: UInt64(header.layout.nonfinite),
            seed: header.spec.seed, packed_size: UInt64(header.layout.totalSize))
        try StructLayouts.blobInfo.write(value, to: UnsafeMutableRawPointer(info))
    }
}

@c @implementation
public func daf_minmax(_ src: UnsafePointer<Float>?, _ count: Int, _ outMin: UnsafeMutablePointer<Float>?,
                       _ outMax: UnsafeMutablePointer<Float>?) -> Int32 {
    floatBoundary { () throws(DAFError) in
        let count = try checkedFloats(src, count: count, "src")
        let outMin = try requiredFloat(outMin, "out_min"), outMax = try requiredFloat(outMax, "out_max")
        let range = count == 0 ? FiniteMinMax() : HybridMinMax.reduce(src!, count: count, parallelism: CodecThreads.parallelism)
        outMin.pointee = range.hasFinite ? range.lo + 0 : .nan
        outMax.pointee = range.hasFinite ? range.hi + 0 : .nan
    }
}

@c @implementation
public func daf_codec_set_threads(_ threads: UInt32) -> Int32 {
    boundary { () throws(DAFError) in try CodecThreads.set(Int(threads)) }
}

@c @implementation
public func daf_codec_threads() -> UInt32 {
    UInt32(CodecThreads.threads)
}
