// SPDX-License-Identifier: MIT
// Helpers for the budget, eviction and pool tests: budgeted contexts, a recompute callback
// backed by the test's own copy of the data, the documented error bound of degraded entries,
// and private spill directories.
import CDAF
import Glibc
import Synchronization
@testable import DAF

/// The data a recompute callback hands back (the test keeps it alive while the entry lives).
final class RecomputeSource: @unchecked Sendable {
    let values: [Float]
    let calls = Atomic<Int>(0)
    let failing = Atomic<Bool>(false)

    init(_ values: [Float]) { self.values = values }

    var user: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }
}

/// The recompute callback of the tests: copies the source's values, or fails (returns 1) when
/// the source says so or the count is wrong.
let recomputeFromSource: daf_recompute_fn = { user, _, dst, count in
    guard let user else { return 1 }
    let source = Unmanaged<RecomputeSource>.fromOpaque(user).takeUnretainedValue()
    source.calls.add(1, ordering: .relaxed)
    guard !source.failing.load(ordering: .relaxed), count == source.values.count else { return 1 }
    if count > 0, let dst { source.values.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: count) } }
    return 0
}

let pageBytes = PoolConfig.osPageSize

/// A context with a budget, the smallest pages and chunks of 16 pages.
func budgetContext(policy: [daf_policy], budget: Int, bits: UInt32 = 8, floor: UInt32 = 1,
                   spillDirectory: String? = nil) -> TestContext {
    let directory = spillDirectory.map { strdup($0) } ?? nil
    defer { free(directory) }
    return TestContext(bits: bits) { o in
        o.policy = policy.reduce(0) { $0 | UInt32($1.rawValue) }
        o.budget_bytes = UInt64(budget)
        o.page_size = UInt32(pageBytes)
        o.chunk_bytes = UInt64(16 * pageBytes)
        o.degrade_floor_bits = floor
        o.spill_dir = UnsafePointer(directory)
    }
}

extension TestContext {
    func info(_ handle: daf_handle) -> daf_handle_information {
        var info = daf_handle_information()
        info.struct_size = UInt32(MemoryLayout<daf_handle_information>.size)
        precondition(daf_handle_info(ctx, handle, &info) == 0)
        return info
    }

    var store: ActivationStore { contexts.lookup(UInt(bitPattern: ctx))! }
}

/// A fresh private directory for spill files; `removeEmpty` checks that nothing was left in it.
struct SpillDirectory {
    let path: String

    init() {
        var template = Array("/tmp/daf-spill-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in mkdtemp(buffer.baseAddress!) != nil }
        precondition(made, "mkdtemp failed")
        path = String(cString: template)
    }

    /// Names of the files in the directory.
    var files: [String] {
        guard let dir = opendir(path) else { return ["(cannot open)"] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes the directory; false if it was not empty.
    func removeEmpty() -> Bool { rmdir(path) == 0 }
}

/// The widths a degraded entry went through: saved, halved (not below floor) ..., now.
func degradeChain(saved: Int, now: Int, floor: Int) -> [Int] {
    var chain = [saved]
    while let last = chain.last, last > now { chain.append(max(floor, last / 2)) }
    return chain
}

/// Values over the documented bound (nearest rounding): per group, the sum over the chain of
/// half steps of the original group's range (at 0 bits the step is the whole range), plus float
/// rounding; non-finite values exact.
/// Returns a description of the first few problems (empty if none).
func overBound(_ source: [Float], _ restored: [Float], group: Int, chain: [Int]) -> [String] {
    guard source.count == restored.count else { return ["count \(restored.count), expected \(source.count)"] }
    var problems: [String] = []
    for first in stride(from: 0, to: source.count, by: group) {
        let slice = source[first..<min(first + group, source.count)].filter(\.isFinite)
        let lo = slice.min() ?? 0, hi = slice.max() ?? 0
        let allowed = chain.reduce(Float(0)) { $0 + (hi - lo) / Float(max(1, (1 << $1) - 1)) / 2 } * (1 + 1e-5)
            + 8 * max(abs(lo), abs(hi)).ulp + Float.leastNonzeroMagnitude * 4
        for i in first..<min(first + group, source.count) {
            let ok = source[i].isFinite ? abs(source[i] - restored[i]) <= allowed : sameBits(source[i], restored[i])
            if !ok && problems.count < 5 {
                problems.append("value \(i): \(source[i]) came back \(restored[i]), allowed \(allowed) (chain \(chain))")
            }
        }
    }
    return problems
}

func normalValues(_ count: Int, _ rng: inout SeededGenerator) -> [Float] {
    DataShape.normal.values(count: count, rng: &rng)
}
