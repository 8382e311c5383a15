// SPDX-License-Identifier: MIT
// The context under a memory budget: each policy's round trip, the saving loop whose float32
// activations need 4x (and 16x) the budget, eviction order against "sort by importance, evict
// lowest", lowering and raising the budget, and the spill file (created privately, checksummed,
// never left behind, damage reported as DAF_E_CORRUPT).
import CDAF
import Glibc
import Testing
@testable import DAF

@Suite("Budget and eviction")
struct EvictionTests {
    /// Saves tensors whose float32 bytes are `factor` x the budget; returns what was saved.
    struct Saved {
        var handle: daf_handle
        var values: [Float]
        var source: RecomputeSource?
    }

    static func tensors(_ n: Int, seed: UInt64, sizes: ClosedRange<Int> = 3000...9000) -> [[Float]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<n).map { _ in normalValues(Int.random(in: sizes, using: &rng), &rng) }
    }

    /// A budget (whole pages) that the tensors' float32 bytes exceed `factor` times.
    static func budget(_ values: [[Float]], over factor: Int) -> Int {
        values.reduce(0) { $0 + $1.count * 4 } / factor / pageBytes * pageBytes
    }

    /// Restores every entry and checks it: exact for a dropped entry (its callback), within the
    /// degrade chain's bound otherwise. Returns problems.
    static func checkAll(_ c: TestContext, _ saved: [Saved], floor: Int = 1) -> [String] {
        var problems: [String] = []
        for entry in saved {
            let (status, back) = c.restore(entry.handle, count: entry.values.count)
            guard status == 0 else { problems.append("restore of \(entry.handle): \(name(status))"); continue }
            let info = c.info(entry.handle)
            if info.state == DAF_ENTRY_DROPPED.rawValue {
                if !zip(back, entry.values).allSatisfy({ sameBits($0, $1) }) { problems.append("dropped \(entry.handle) not rebuilt exactly") }
            } else {
                let chain = degradeChain(saved: Int(info.saved_bits), now: Int(info.bits), floor: floor)
                problems += overBound(entry.values, back, group: 256, chain: chain).map { "handle \(entry.handle): \($0)" }
            }
        }
        return problems
    }

    @Test("the saving loop completes under every policy but FAIL, capacity never above the budget, every restore checked",
          arguments: [(4, [DAF_POLICY_DEGRADE]), (4, [DAF_POLICY_SPILL]), (4, [DAF_POLICY_RECOMPUTE]),
                      (4, [DAF_POLICY_DEGRADE, DAF_POLICY_SPILL]), (16, [DAF_POLICY_SPILL]), (16, [DAF_POLICY_RECOMPUTE]),
                      (16, [DAF_POLICY_DEGRADE, DAF_POLICY_SPILL, DAF_POLICY_RECOMPUTE])])
    func savingLoop(factor: Int, policy: [daf_policy]) throws {
        let values = Self.tensors(40, seed: UInt64(factor) * 31 + UInt64(policy.count))
        let budget = Self.budget(values, over: factor)
        let spill = SpillDirectory()
        defer { #expect(spill.removeEmpty(), "the spill directory is empty after destroy") }
        var saved: [Saved] = []
        do {
            let c = budgetContext(policy: policy, budget: budget, spillDirectory: spill.path)
            var rng = SeededGenerator(seed: 3)
            for (i, v) in values.enumerated() {
                let source = RecomputeSource(v)
                let (status, handle) = c.save(v, importance: Float(Int.random(in: 0...4, using: &rng)),
                                              recompute: recomputeFromSource, user: source.user)
                try #require(status == 0, "save \(i) under \(policy) at \(factor)x: \(name(status)) \(String(cString: daf_last_error(c.ctx)))")
                saved.append(Saved(handle: handle, values: v, source: source))
                try #require(c.stats.pool_capacity_bytes <= UInt64(budget), "capacity above the budget after save \(i)")
            }
            let before = c.stats
            let problems = Self.checkAll(c, saved)
            #expect(problems.isEmpty, "\(problems.count) problems: \(problems.prefix(4))")
            let s = c.stats
            #expect(s.pool_peak_capacity_bytes <= UInt64(budget) && s.budget_bytes == UInt64(budget))
            #expect(s.restores == UInt64(saved.count), "every restore accounted for")
            #expect(s.spill_restores == before.spilled_entries && s.recompute_restores == before.dropped_entries)
            #expect(s.evictions_degrade + s.evictions_spill + s.evictions_recompute > 0, "the loop needed evictions")
            #expect(s.budget_refusals == 0 && s.recompute_failures == 0)
            #expect(spill.files.isEmpty, "the spill file has no name while the context lives")
            for entry in saved { #expect(daf_release(c.ctx, entry.handle) == 0) }
            #expect(c.stats.spill_file_bytes == 0 && c.stats.live_packed_bytes == 0)
        }
    }

    @Test("FAIL refuses the save that does not fit, evicts nothing, and loses nothing")
    func failPolicy() {
        let values = Self.tensors(40, seed: 8)
        let budget = Self.budget(values, over: 4)
        let c = budgetContext(policy: [DAF_POLICY_FAIL], budget: budget)
        var saved: [Saved] = []
        var refused: Int32 = 0
        for v in values {
            let (status, handle) = c.save(v)
            if status != 0 {
                refused = status
                #expect(handle == 0)
                break
            }
            saved.append(Saved(handle: handle, values: v))
        }
        #expect(refused == DAF_E_BUDGET_EXCEEDED.rawValue && !saved.isEmpty && saved.count < values.count)
        let s = c.stats
        #expect(s.budget_refusals == 1 && s.evictions_degrade + s.evictions_spill + s.evictions_recompute == 0)
        #expect(s.pool_capacity_bytes <= UInt64(budget))
        #expect(Self.checkAll(c, saved).isEmpty)
        // A blob larger than the whole budget is refused at once.
        let small = budgetContext(policy: [DAF_POLICY_FAIL], budget: pageBytes)
        #expect(small.save(values[0]).0 == DAF_E_BUDGET_EXCEEDED.rawValue)
        #expect(small.stats.budget_refusals == 1)
    }

    @Test("an entry larger than the whole budget: the entry itself is the last resort under the policy")
    func oversizeEntry() throws {
        var rng = SeededGenerator(seed: 77)
        let big = normalValues(6 * pageBytes + 1000, &rng) // 8 bits: 7 pages packed, 4 at 4 bits
        let budget = 4 * pageBytes
        let spill = SpillDirectory()
        defer { #expect(spill.removeEmpty()) }
        do {
            // SPILL: straight into the file, restored exactly as memory would have.
            let c = budgetContext(policy: [DAF_POLICY_SPILL], budget: budget, spillDirectory: spill.path)
            let (status, h) = c.save(big)
            try #require(status == 0, "\(name(status)) \(String(cString: daf_last_error(c.ctx)))")
            #expect(c.info(h).state == DAF_ENTRY_SPILLED.rawValue && c.info(h).bits == 8)
            #expect(c.stats.evictions_spill == 1 && c.stats.spilled_entries == 1 && c.stats.live_packed_bytes == 0)
            let reference = TestContext(bits: 8)
            let (_, r) = reference.save(big)
            #expect(c.restore(h, count: big.count).1.map(\.bitPattern) == reference.restore(r, count: big.count).1.map(\.bitPattern))
            #expect(c.stats.pool_peak_capacity_bytes <= UInt64(budget))
        }
        // DEGRADE: halved until it fits (8 -> 4 -> 2 bits here), within the chain's bound.
        let degrade = budgetContext(policy: [DAF_POLICY_DEGRADE], budget: budget)
        let (status, h) = degrade.save(big)
        try #require(status == 0, "\(name(status))")
        let info = degrade.info(h)
        #expect(info.state == DAF_ENTRY_IN_POOL.rawValue && info.saved_bits == 8 && info.bits < 8)
        #expect(degrade.stats.degraded_entries == 1 && degrade.stats.evictions_degrade > 0)
        let chain = degradeChain(saved: 8, now: Int(info.bits), floor: 1)
        #expect(overBound(big, degrade.restore(h, count: big.count).1, group: 256, chain: chain).isEmpty)
        // Even the floor does not fit one page: refused, counted, nothing kept.
        let tiny = budgetContext(policy: [DAF_POLICY_DEGRADE], budget: pageBytes, floor: 4)
        #expect(tiny.save(big).0 == DAF_E_BUDGET_EXCEEDED.rawValue)
        #expect(tiny.stats.budget_refusals == 1 && tiny.stats.live_entries == 0)
        // RECOMPUTE: with a callback only the callback is kept; without one, refused.
        let recompute = budgetContext(policy: [DAF_POLICY_RECOMPUTE], budget: budget)
        #expect(recompute.save(big).0 == DAF_E_BUDGET_EXCEEDED.rawValue)
        let source = RecomputeSource(big)
        let (dropped, d) = recompute.save(big, recompute: recomputeFromSource, user: source.user)
        #expect(dropped == 0 && recompute.info(d).state == DAF_ENTRY_DROPPED.rawValue)
        #expect(recompute.restore(d, count: big.count).1.map(\.bitPattern) == big.map(\.bitPattern) && source.calls.load(ordering: .relaxed) == 1)
        #expect(recompute.stats.budget_refusals == 1 && recompute.stats.evictions_recompute == 1)
    }

    @Test("degrade floor 0: range only, each group comes back as its midpoint, within half its range")
    func rangeOnlyFloor() throws {
        let values = Self.tensors(30, seed: 41, sizes: 60_000...90_000)
        let budget = Self.budget(values, over: 30) // below what 1 bit needs (25.6x)
        let c = budgetContext(policy: [DAF_POLICY_DEGRADE], budget: budget, bits: 2, floor: 0)
        var saved: [Saved] = []
        for (i, v) in values.enumerated() {
            let (status, h) = c.save(v, importance: Float(i))
            try #require(status == 0, "save \(i): \(name(status)) \(String(cString: daf_last_error(c.ctx)))")
            saved.append(Saved(handle: h, values: v))
        }
        let infos = saved.map { c.info($0.handle) }
        #expect(infos.contains { $0.bits == 0 }, "some entries went down to range only")
        #expect(c.stats.pool_peak_capacity_bytes <= UInt64(budget))
        #expect(Self.checkAll(c, saved, floor: 0).isEmpty)
        // A range-only entry's values are constant per group: its group's midpoint.
        let zero = try #require(saved.indices.first { infos[$0].bits == 0 })
        let back = c.restore(saved[zero].handle, count: saved[zero].values.count).1
        for first in stride(from: 0, to: back.count, by: 256) {
            let group = back[first..<min(first + 256, back.count)]
            #expect(group.allSatisfy { $0 == group.first! })
        }
    }

    @Test("DEGRADE re-quantizes the least important first, in place, down to the floor")
    func degradeOrder() {
        let values = Self.tensors(30, seed: 21)
        let budget = Self.budget(values, over: 5)
        let c = budgetContext(policy: [DAF_POLICY_DEGRADE], budget: budget, floor: 2)
        var saved: [(Saved, Float)] = []
        var rng = SeededGenerator(seed: 4)
        for v in values {
            let importance = Float(Int.random(in: 0...9, using: &rng))
            let (status, handle) = c.save(v, importance: importance)
            #expect(status == 0)
            saved.append((Saved(handle: handle, values: v), importance))
        }
        // Raise importances afterwards: future victims follow the new order.
        #expect(Self.checkAll(c, saved.map(\.0), floor: 2).isEmpty)
        let infos = saved.map { c.info($0.0.handle) }
        #expect(infos.allSatisfy { $0.bits >= 2 && $0.state == DAF_ENTRY_IN_POOL.rawValue }, "never below the floor, never out of the pool")
        #expect(infos.contains { $0.bits < $0.saved_bits }, "something was degraded")
        let s = c.stats
        #expect(s.degraded_entries == UInt64(infos.filter { $0.bits < $0.saved_bits }.count) && s.evictions_degrade > 0)
        #expect(s.live_packed_bytes == infos.reduce(0) { $0 + $1.packed_bytes })
    }

    @Test("eviction order equals sort by importance (then age), evict lowest: lowering the budget step by step")
    func contextEvictionOrder() {
        let values = Self.tensors(32, seed: 12)
        let c = budgetContext(policy: [DAF_POLICY_SPILL], budget: 0)
        var rng = SeededGenerator(seed: 99)
        var entries: [(handle: daf_handle, importance: Float, age: Int)] = []
        for (age, v) in values.enumerated() {
            let importance = Float(Int.random(in: 0...5, using: &rng))
            let (_, h) = c.save(v, importance: importance)
            entries.append((h, importance, age))
        }
        for _ in 0..<10 { // re-weight some: the order follows
            let i = Int.random(in: 0..<entries.count, using: &rng)
            entries[i].importance = Float(Int.random(in: 0...5, using: &rng))
            #expect(daf_set_importance(c.ctx, entries[i].handle, entries[i].importance) == 0)
        }
        let order = entries.sorted { ($0.importance, $0.age) < ($1.importance, $1.age) }.map(\.handle)
        var budget = Int(c.stats.pool_capacity_bytes)
        var spilledSoFar = 0
        while budget > 0 {
            budget = max(0, budget - 3 * pageBytes)
            #expect(daf_set_budget(c.ctx, UInt64(max(budget, 1))) == 0)
            let spilled = order.filter { c.info($0).state == DAF_ENTRY_SPILLED.rawValue }
            #expect(spilled == Array(order.prefix(spilled.count)), "spilled entries are the least important ones")
            #expect(spilled.count >= spilledSoFar && c.stats.pool_capacity_bytes <= UInt64(max(budget, 1)))
            spilledSoFar = spilled.count
        }
        #expect(spilledSoFar == values.count)
        #expect(Self.checkAll(c, values.indices.map { Saved(handle: entries[$0].handle, values: values[$0]) }).isEmpty)
    }

    @Test("SPILL restores exactly what memory would have; the file is private, unlinked, checksummed")
    func spillFile() throws {
        let values = Self.tensors(24, seed: 5)
        let reference = TestContext(bits: 8)
        let spill = SpillDirectory()
        defer { #expect(spill.removeEmpty()) }
        let c = budgetContext(policy: [DAF_POLICY_SPILL], budget: 24 * pageBytes, spillDirectory: spill.path)
        var handles: [daf_handle] = []
        for v in values {
            let (status, h) = c.save(v)
            #expect(status == 0)
            handles.append(h)
        }
        #expect(c.stats.spilled_entries > 0 && c.stats.spill_file_bytes > 0)
        for (h, v) in zip(handles, values) {
            let (_, expected) = reference.restore(reference.save(v).1, count: v.count)
            let (status, back) = c.restore(h, count: v.count)
            #expect(status == 0 && zip(back, expected).allSatisfy { sameBits($0, $1) }, "bit-identical to an unbudgeted restore")
        }
        // The file: opened O_EXCL with mode 0600, unlinked at once.
        let fd = try c.store.withState { $0.spill.descriptor }
        var info = stat()
        #expect(fstat(fd, &info) == 0 && info.st_mode & 0o777 == 0o600 && info.st_nlink == 0)
        #expect(spill.files.isEmpty)
        // Damage: a payload byte, a header byte, then the tail of the file.
        let spilled = handles.filter { c.info($0).state == DAF_ENTRY_SPILLED.rawValue }
        try #require(spilled.count >= 3)
        func extent(_ h: daf_handle) throws -> SpillFile.Extent {
            try c.store.withState { state throws(DAFError) in
                guard case .spilled(let e) = state.entries[h]?.residence else { throw DAFError(DAF_E_INTERNAL, "not spilled") }
                return e
            }
        }
        var byte: UInt8 = 0x5A
        let e0 = try extent(spilled[0]), e1 = try extent(spilled[1])
        #expect(pwrite(fd, &byte, 1, off_t(e0.offset + e0.length - 7)) == 1)
        #expect(pwrite(fd, &byte, 1, off_t(e1.offset + 9)) == 1)
        let n0 = c.info(spilled[0]).count, n1 = c.info(spilled[1]).count
        #expect(c.restore(spilled[0], count: Int(n0)).0 == DAF_E_CORRUPT.rawValue)
        #expect(c.restore(spilled[1], count: Int(n1)).0 == DAF_E_CORRUPT.rawValue)
        let last = try spilled.max { try extent($0).offset < extent($1).offset }!
        let eLast = try extent(last)
        #expect(ftruncate(fd, off_t(eLast.offset + eLast.length / 2)) == 0)
        #expect(c.restore(last, count: Int(c.info(last).count)).0 == DAF_E_CORRUPT.rawValue, "truncated")
        let intact = spilled.filter { ![spilled[0], spilled[1], last].contains($0) }
        for h in intact { #expect(c.restore(h, count: Int(c.info(h).count)).0 == 0, "other records are unaffected") }
        for h in handles { #expect(daf_release(c.ctx, h) == 0) }
        #expect(c.stats.spill_file_bytes == 0, "the file shrinks to nothing when no record is left")
    }

    @Test("RECOMPUTE drops only entries with a callback, rebuilds them exactly, reports failures")
    func recompute() {
        let values = Self.tensors(20, seed: 6)
        let budget = Self.budget(values, over: 4)
        let c = budgetContext(policy: [DAF_POLICY_RECOMPUTE], budget: budget)
        var saved: [Saved] = []
        for (i, v) in values.enumerated() {
            let source = i % 2 == 0 ? RecomputeSource(v) : nil
            let (status, h) = c.save(v, importance: Float(i % 3), recompute: source == nil ? nil : recomputeFromSource, user: source?.user)
            if status != 0 {
                // Only entries without a callback are left to evict: the save is refused, nothing dropped.
                #expect(status == DAF_E_BUDGET_EXCEEDED.rawValue)
                #expect(saved.filter { $0.source == nil }.allSatisfy { c.info($0.handle).state == DAF_ENTRY_IN_POOL.rawValue })
                break
            }
            saved.append(Saved(handle: h, values: v, source: source))
        }
        let dropped = saved.filter { c.info($0.handle).state == DAF_ENTRY_DROPPED.rawValue }
        #expect(!dropped.isEmpty && dropped.allSatisfy { $0.source != nil })
        #expect(Self.checkAll(c, saved).isEmpty)
        #expect(dropped.allSatisfy { $0.source!.calls.load(ordering: .relaxed) == 1 })
        // A range of a dropped entry, and a failing callback.
        let d = dropped[0]
        var part = [Float](repeating: 0, count: 100)
        #expect(daf_restore_range(c.ctx, d.handle, 50, 100, &part) == 0 && part == Array(d.values[50..<150]))
        d.source!.failing.store(true, ordering: .relaxed)
        #expect(c.restore(d.handle, count: d.values.count).0 == DAF_E_RECOMPUTE_FAILED.rawValue)
        #expect(c.stats.recompute_failures == 1)
        d.source!.failing.store(false, ordering: .relaxed)
        #expect(c.restore(d.handle, count: d.values.count).0 == 0, "the entry stays restorable")
    }

    @Test("DEGRADE then SPILL: victims go down to the floor, then to the file")
    func degradeThenSpill() {
        // A victim whose degrading would free no page is spilled as it is.
        let values = Self.tensors(30, seed: 14, sizes: 6000...9000)
        let budget = Self.budget(values, over: 12)
        let c = budgetContext(policy: [DAF_POLICY_DEGRADE, DAF_POLICY_SPILL], budget: budget, floor: 4)
        let saved = values.map { v in Saved(handle: c.save(v).1, values: v) }
        #expect(saved.allSatisfy { $0.handle != 0 })
        let infos = saved.map { c.info($0.handle) }
        func pages(_ bytes: Int) -> Int { (bytes + pageBytes - 1) / pageBytes }
        for info in infos where info.state == DAF_ENTRY_SPILLED.rawValue && info.bits != 4 {
            let atFloor = daf_packed_bound_finite(Int(info.count), 4, 256)
            #expect(pages(atFloor) == pages(Int(info.packed_bytes)), "spilled at \(info.bits) bits though degrading would have freed a page")
        }
        #expect(infos.contains { $0.state == DAF_ENTRY_SPILLED.rawValue && $0.bits == 4 })
        #expect(c.stats.evictions_spill > 0 && c.stats.evictions_degrade > 0)
        #expect(Self.checkAll(c, saved, floor: 4).isEmpty)
    }

    @Test("daf_set_budget: lower evicts and shrinks the pool, higher is immediate, FAIL refuses and keeps the old budget")
    func setBudget() {
        let values = Self.tensors(16, seed: 2)
        let c = budgetContext(policy: [DAF_POLICY_SPILL], budget: 0)
        let saved = values.map { v in Saved(handle: c.save(v).1, values: v) }
        let used = Int(c.stats.pool_capacity_bytes)
        #expect(daf_set_budget(c.ctx, UInt64(used / 3)) == 0)
        #expect(c.stats.pool_capacity_bytes <= UInt64(used / 3) && c.stats.spilled_entries > 0 && c.stats.pool_trims > 0)
        #expect(daf_set_budget(c.ctx, UInt64(used * 2)) == 0 && c.stats.budget_bytes == UInt64(used * 2))
        #expect(Self.checkAll(c, saved).isEmpty)
        let f = budgetContext(policy: [DAF_POLICY_FAIL], budget: 0)
        for v in values { _ = f.save(v) }
        #expect(daf_set_budget(f.ctx, UInt64(pageBytes)) == DAF_E_BUDGET_EXCEEDED.rawValue)
        #expect(f.stats.budget_bytes == 0 && f.stats.budget_refusals == 1)
        #expect(daf_set_budget(nil, 0) == DAF_E_INVALID_CONTEXT.rawValue)
    }

    @Test("options: policy, floor, page size, chunk size, flags, reserved, spill directory")
    func options() {
        func create(_ configure: (inout daf_options) -> Void) -> Int32 {
            var o = daf_options()
            _ = daf_options_init(&o)
            configure(&o)
            var ctx: OpaquePointer?
            let status = daf_create(&o, &ctx)
            _ = daf_destroy(ctx)
            return status
        }
        let invalid = DAF_E_INVALID_ARGUMENT.rawValue
        #expect(create { _ in } == 0)
        #expect(create { $0.policy = 8 } == invalid)
        #expect(create { $0.degrade_floor_bits = 0 } == 0, "0: range only")
        #expect(create { $0.degrade_floor_bits = 9 } == invalid)
        #expect(create { $0.page_size = 3000 } == invalid)
        #expect(create { $0.page_size = 2048 } == invalid, "below the OS page")
        #expect(create { $0.page_size = 1 << 25 } == invalid)
        #expect(create { $0.chunk_bytes = UInt64(pageBytes) * 3 / 2 } == invalid)
        #expect(create { $0.chunk_bytes = 0 } == 0, "0: the default growth step")
        #expect(create { $0.pool_flags = 2 } == invalid)
        #expect(create { $0.reserved = 1 } == invalid)
        "/nonexistent/daf".withCString { dir in
            #expect(create { $0.spill_dir = dir; $0.policy = UInt32(DAF_POLICY_SPILL.rawValue) } == invalid)
            #expect(create { $0.spill_dir = dir } == 0, "only checked when the policy spills")
        }
        "".withCString { dir in #expect(create { $0.spill_dir = dir } == invalid) }
        #expect(!String(cString: daf_last_error(nil)).isEmpty)
    }

    @Test("daf_handle_info and save params: states, bits, bad arguments")
    func handleInfo() {
        let c = budgetContext(policy: [DAF_POLICY_SPILL], budget: 0)
        let (_, h) = c.save([1, 2, 3], importance: 2)
        let i = c.info(h)
        #expect(i.state == DAF_ENTRY_IN_POOL.rawValue && i.bits == 8 && i.saved_bits == 8 && i.count == 3 && i.importance == 2)
        var info = daf_handle_information()
        #expect(daf_handle_info(c.ctx, h, &info) == DAF_E_STRUCT_SIZE.rawValue)
        #expect(daf_handle_info(c.ctx, h, nil) == DAF_E_NULL_ARGUMENT.rawValue)
        info.struct_size = UInt32(MemoryLayout<daf_handle_information>.size)
        #expect(daf_handle_info(c.ctx, 0, &info) == DAF_E_UNKNOWN_HANDLE.rawValue)
        #expect(daf_handle_info(nil, h, &info) == DAF_E_INVALID_CONTEXT.rawValue)
        var params = daf_save_params()
        _ = daf_save_params_init(&params)
        params.reserved = 7
        var handle: daf_handle = 1
        #expect(daf_save(c.ctx, [1, 2], 2, &params, &handle) == DAF_E_INVALID_ARGUMENT.rawValue && handle == 0)
    }
}
