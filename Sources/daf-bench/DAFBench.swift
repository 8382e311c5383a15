// SPDX-License-Identifier: MIT
// daf-bench: libdaf's kernels against memory-bandwidth passes measured in the same run.
// `swift run -c release daf-bench` prints a table; `--json` prints one JSON object.
import ArgumentParser
import CDAF
import Glibc

@main
struct DAFBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daf-bench",
        abstract: "Benchmark libdaf's kernels as ratios to a read or fill pass over the same buffer.")

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Threads for the kernels and their baselines.")
    var threads = 1

    @Option(name: .customLong("size-mib"), help: "Buffer size in MiB of float32 (default 256; use at least 4x the last-level cache).")
    var sizeMiB = 256

    @Option(help: "Timed repetitions per case after one warm-up; medians are reported.")
    var reps = 5

    @Option(help: "Comma-separated kernels to run (minmax, quantize_pack, unpack_dequantize, unpack_dequantize_range, save_restore, save_restore_kinds, layer_step, pool_alloc_free).")
    var only: String?

    @Option(name: .customLong("pool-page-size"), help: "pool_alloc_free: the pool's page size in bytes (default: the library's).")
    var poolPageSize: Int?

    @Option(name: .customLong("pool-case"), help: .hidden)
    var poolCase: String?

    static let allKernels = ["minmax", "quantize_pack", "unpack_dequantize", "unpack_dequantize_range", "save_restore",
                             "save_restore_kinds", "layer_step", "pool_alloc_free"]

    func validate() throws {
        guard threads >= 1, threads <= 64 else { throw ValidationError("--threads must be 1...64") }
        guard sizeMiB >= 1, sizeMiB <= 16384 else { throw ValidationError("--size-mib must be 1...16384") }
        guard reps >= 1 else { throw ValidationError("--reps must be at least 1") }
        for name in selected where !Self.allKernels.contains(name) {
            throw ValidationError("unknown kernel '\(name)'; known: \(Self.allKernels.joined(separator: ", "))")
        }
    }

    var selected: [String] {
        only.map { $0.split(separator: ",").map { String($0).trimmingSpaces } } ?? Self.allKernels
    }

    func run() throws {
        if let poolCase { return PoolCases.runCase(poolCase, pageSize: poolPageSize) } // a child of pool_alloc_free
        let settings = BenchSettings(sizeMiB: sizeMiB, reps: reps, threads: threads)
        check(daf_codec_set_threads(UInt32(threads)))
        // Built on first use: its buffers are large, and pool_alloc_free alone does not need them.
        var codecCases: CodecCases? = nil
        func cases() -> CodecCases {
            if codecCases == nil { codecCases = CodecCases(settings: settings) }
            return codecCases.unsafelyUnwrapped
        }
        var results: [BenchResult] = []
        func record(_ result: BenchResult) {
            results.append(result)
            if !json { Report.printRow(result) }
        }
        if !json { Report.printHeader(settings) }
        for kernel in selected {
            switch kernel {
            case "minmax":
                record(cases().minmax())
            case "quantize_pack":
                for bits in [1, 2, 4, 8] {
                    for rounding in CodecCases.roundings { record(cases().quantizePack(bits: bits, rounding: rounding)) }
                }
            case "unpack_dequantize":
                for bits in [1, 2, 4, 8] { record(cases().unpackDequantize(bits: bits)) }
            case "unpack_dequantize_range":
                for bits in [2, 8] { record(cases().unpackRange(bits: bits)) }
                if threads > 1 { for bits in [2, 8] { record(cases().unpackRange(bits: bits, callers: true)) } }
            case "layer_step":
                LayerCase(reps: reps, threads: threads).run().forEach(record)
            case "save_restore":
                for bits in [2, 8] { record(cases().saveRestore(bits: bits)) }
            case "save_restore_kinds":
                for bits in [2, 8] {
                    for kind in CodecCases.floatKinds { record(cases().saveRestore(bits: bits, kind: kind)) }
                }
            case "pool_alloc_free":
                let pool = PoolCases.rows(pageSize: poolPageSize)
                results += pool.results
                if !json {
                    Report.printHeader(columns: Report.poolColumns)
                    for row in pool.results { Report.printRow(row, columns: Report.poolColumns) }
                    for line in pool.details { print(line) }
                }
            default:
                break
            }
        }
        if json {
            print(JSONValue.object([("machine", Machine.json), ("results", .array(results.map { .object($0.fields) }))]).json)
        }
    }
}

enum Report {
    static let columns = ["kernel", "bits", "rounding", "threads", "gbps", "baseline", "baseline_gbps", "ratio", "mode", "kind", "step_ms"]
    static let poolColumns = ["kernel", "allocator", "order", "touch", "ns_per_op", "faults_per_step", "peak_rss_over_live"]

    static func printHeader(_ settings: BenchSettings) {
        print("daf-bench: \(settings.sizeMiB) MiB float32, median of \(settings.reps) after a warm-up; GB/s of float32 data")
        print(columns.map { pad($0) }.joined())
    }

    static func printHeader(columns: [String]) {
        print(columns.map { pad($0) }.joined())
    }

    static func printRow(_ result: BenchResult, columns: [String] = columns) {
        print(columns.map { pad(result[$0]?.text ?? "-") }.joined())
        fflush(nil)
    }

    static func pad(_ s: String) -> String { s.count >= 15 ? s + " " : s + String(repeating: " ", count: 15 - s.count) }
}
