// SPDX-License-Identifier: MIT
// The kernel cases of daf-bench: minmax, quantize_pack, unpack_dequantize,
// unpack_dequantize_range, save_restore and save_restore_kinds, each timed against the bandwidth baseline it is
// judged by (read pass for kernels that read fp32, fill pass for those that write it), in the
// same run and on the same buffer. GB/s always counts float32 bytes (in for quantize and
// minmax, out for dequantize), never packed bytes.
import BenchBaselines
import CDAF
import Glibc

struct BenchSettings {
    var sizeMiB: Int
    var reps: Int
    var threads: Int
}

/// A 64-byte aligned float buffer filled with activation-like values (ReLU of a normal-ish
/// mixture, deterministic), touched before any timing.
final class FloatBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int, seed: UInt64) {
        var raw: UnsafeMutableRawPointer? = nil
        precondition(posix_memalign(&raw, 64, count * 4) == 0, "out of memory for the benchmark buffer")
        pointer = raw!.bindMemory(to: Float.self, capacity: count)
        self.count = count
        var state = seed
        for i in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Float(UInt32(truncatingIfNeeded: state >> 40)) / Float(1 << 24) // [0, 1)
            let v = Float(UInt32(truncatingIfNeeded: state >> 16) & 0xFFFF) / 65536
            pointer[i] = max(0, (u + v - 1) * 3) // triangular around 0, then ReLU
        }
    }

    deinit { free(pointer) }
}

struct CodecCases {
    let settings: BenchSettings
    let input: FloatBuffer
    let output: FloatBuffer

    init(settings: BenchSettings) {
        self.settings = settings
        let count = settings.sizeMiB * 1024 * 1024 / 4
        input = FloatBuffer(count: count, seed: 1)
        output = FloatBuffer(count: count, seed: 2)
    }

    var gigabytes: Double { Double(input.count * 4) / 1e9 }

    func row(kernel: String, bits: Int? = nil, rounding: String? = nil, seconds: (kernel: Double, baseline: Double),
             baseline: String, extra: [(String, JSONValue)] = []) -> BenchResult {
        let gbps = gigabytes / seconds.kernel, baseGBps = gigabytes / seconds.baseline
        var fields: [(String, JSONValue)] = [("kernel", .string(kernel))]
        if let bits { fields.append(("bits", .integer(bits))) }
        if let rounding { fields.append(("rounding", .string(rounding))) }
        fields += [("threads", .integer(settings.threads)), ("size_mib", .integer(settings.sizeMiB)),
                   ("gbps", .number(gbps)), ("baseline", .string(baseline)), ("baseline_gbps", .number(baseGBps)),
                   ("ratio", .number(gbps / baseGBps))]
        return BenchResult(fields: fields + extra)
    }

    func readPass() {
        var lo: Float = 0, hi: Float = 0
        bench_read_minmax(input.pointer, input.count, Int32(settings.threads), &lo, &hi)
    }

    func fillPass() { bench_fill(output.pointer, output.count, 1.5, Int32(settings.threads)) }

    func minmax() -> BenchResult {
        var lo: Float = 0, hi: Float = 0
        let t = pairedMedians(reps: settings.reps, kernel: { check(daf_minmax(input.pointer, input.count, &lo, &hi)) }, baseline: readPass)
        return row(kernel: "minmax", seconds: t, baseline: "read")
    }

    static let roundings: [(String, daf_rounding)] = [("nearest", DAF_ROUND_NEAREST), ("stochastic", DAF_ROUND_STOCHASTIC)]

    func packed(bits: Int, rounding: daf_rounding) -> (blob: UnsafeMutableRawPointer, size: Int, params: daf_quantize_params) {
        var params = daf_quantize_params()
        check(daf_quantize_params_init_sized(&params, MemoryLayout<daf_quantize_params>.size))
        params.bits = UInt32(bits)
        params.rounding = UInt32(rounding.rawValue)
        let capacity = daf_packed_bound_finite(input.count, UInt32(bits), params.group_size)
        let blob = malloc(capacity)!
        var size = 0
        check(daf_quantize_pack(input.pointer, input.count, &params, blob, capacity, &size))
        return (blob, size, params)
    }

    func quantizePack(bits: Int, rounding: (String, daf_rounding)) -> BenchResult {
        var (blob, size, params) = packed(bits: bits, rounding: rounding.1)
        defer { free(blob) }
        let t = pairedMedians(reps: settings.reps, kernel: {
            check(daf_quantize_pack(input.pointer, input.count, &params, blob, size, &size))
        }, baseline: readPass)
        return row(kernel: "quantize_pack", bits: bits, rounding: rounding.0, seconds: t, baseline: "read")
    }

    func unpackDequantize(bits: Int) -> BenchResult {
        let (blob, size, _) = packed(bits: bits, rounding: DAF_ROUND_NEAREST)
        defer { free(blob) }
        let t = pairedMedians(reps: settings.reps, kernel: {
            check(daf_unpack_dequantize(blob, size, output.pointer, output.count))
        }, baseline: fillPass)
        return row(kernel: "unpack_dequantize", bits: bits, rounding: "nearest", seconds: t, baseline: "fill")
    }

    /// The tiles of unpack_dequantize_range: 64 Ki values each (a 256-row tile of a 256-wide
    /// layer), each restored by its own call into the matching slice of the output.
    static let rangeTile = 65_536

    /// What one tile restore needs, passed through C to the caller threads.
    struct RangeJob {
        let blob: UnsafeMutableRawPointer
        let size: Int
        let count: Int
        let output: UnsafeMutablePointer<Float>

        func restore(tile: Int) {
            let first = tile * CodecCases.rangeTile, n = min(CodecCases.rangeTile, count - first)
            check(daf_unpack_dequantize_range(blob, size, first, n, output + first))
        }
    }

    /// Restores the whole tensor tile by tile. `callers` false: one caller, each call spread
    /// over the codec's `threads` threads. `callers` true (threads > 1): `threads` caller
    /// threads each restore their own share of the tiles with a one-thread codec, as a training
    /// loop's compute threads restoring the tiles they work on would.
    func unpackRange(bits: Int, callers: Bool = false) -> BenchResult {
        let (blob, size, _) = packed(bits: bits, rounding: DAF_ROUND_NEAREST)
        defer { free(blob) }
        var job = RangeJob(blob: blob, size: size, count: input.count, output: output.pointer)
        let tiles = (input.count + Self.rangeTile - 1) / Self.rangeTile
        if callers { check(daf_codec_set_threads(1)) }
        defer { if callers { check(daf_codec_set_threads(UInt32(settings.threads))) } }
        let t = withUnsafeMutablePointer(to: &job) { job in
            pairedMedians(reps: settings.reps, kernel: {
                if callers {
                    bench_split_parts(Int32(settings.threads), tiles, { context, tile in
                        context!.assumingMemoryBound(to: RangeJob.self).pointee.restore(tile: tile)
                    }, job)
                } else {
                    for tile in 0..<tiles { job.pointee.restore(tile: tile) }
                }
            }, baseline: fillPass)
        }
        return row(kernel: "unpack_dequantize_range", bits: bits, rounding: "nearest", seconds: t, baseline: "fill",
                   extra: [("tile_values", .integer(Self.rangeTile)), ("mode", .string(callers ? "callers" : "split"))])
    }

    /// The kinds of save_restore_kinds: plain floats, and companded non-negative values.
    static let floatKinds: [(String, daf_kind)] = [("float", DAF_KIND_FLOAT), ("nonnegative", DAF_KIND_NONNEGATIVE)]

    /// daf_save + daf_restore + daf_release of the whole buffer, against a read pass plus a
    /// fill pass (what keeping and copying back fp32 would at least cost). `kind` (a row's
    /// "kind" field when given): the save's kind.
    func saveRestore(bits: Int, kind: (String, daf_kind)? = nil) -> BenchResult {
        var options = daf_options()
        check(daf_options_init_sized(&options, MemoryLayout<daf_options>.size))
        options.bits = UInt32(bits)
        options.rounding = UInt32(DAF_ROUND_NEAREST.rawValue) // the rows say so (contexts default to stochastic)
        options.threads = UInt32(settings.threads)
        var ctx: OpaquePointer?
        check(daf_create(&options, &ctx))
        defer { check(daf_destroy(ctx)) }
        var params = daf_save_params()
        check(daf_save_params_init_sized(&params, MemoryLayout<daf_save_params>.size))
        params.kind = UInt32((kind?.1 ?? DAF_KIND_FLOAT).rawValue)
        let t = pairedMedians(reps: settings.reps, kernel: {
            var handle: daf_handle = 0
            check(daf_save(ctx, input.pointer, input.count, &params, &handle))
            check(daf_restore(ctx, handle, output.pointer, output.count))
            check(daf_release(ctx, handle))
        }, baseline: { readPass(); fillPass() })
        return row(kernel: kind == nil ? "save_restore" : "save_restore_kinds", bits: bits, rounding: "nearest",
                   seconds: t, baseline: "read+fill", extra: kind.map { [("kind", .string($0.0))] } ?? [])
    }
}

/// A benchmark never continues past a failed call: its figures would be meaningless.
func check(_ status: Int32, file: StaticString = #file, line: UInt = #line) {
    guard status != 0 else { return }
    printToStandardError("daf-bench: libdaf call failed at \(file):\(line): \(String(cString: daf_status_name(status))): "
                         + "\(String(cString: daf_last_error(nil)))")
    exit(2)
}

func printToStandardError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
