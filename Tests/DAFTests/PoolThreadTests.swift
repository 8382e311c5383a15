// SPDX-License-Identifier: MIT
// Threads at once on one budgeted context (saving, restoring, releasing, re-weighting and
// changing the budget, under a policy that degrades, spills and recomputes) and on one
// standalone pool; every restored tensor is checked against its source within the codec's
// documented bound, every pool read against what its thread wrote, and the invariants of the
// pool and the tree hold at the end.
import CDAF
import Dispatch
import Synchronization
import Testing
@testable import DAF

@Suite("Threads on a pool")
struct PoolThreadTests {
    final class Problems: @unchecked Sendable {
        private let list = Mutex<[String]>([])
        func add(_ text: String) { list.withLock { if $0.count < 50 { $0.append(text) } } }
        var all: [String] { list.withLock { $0 } }
    }

    @Test("threads save, restore, release, re-weight and move the budget on one context; every restore checked")
    func contextStress() throws {
        let spill = SpillDirectory()
        defer { #expect(spill.removeEmpty()) }
        let problems = Problems()
        let threads = 4, rounds = 120
        do {
            let c = budgetContext(policy: [DAF_POLICY_DEGRADE, DAF_POLICY_SPILL, DAF_POLICY_RECOMPUTE], budget: 40 * pageBytes,
                                  floor: 2, spillDirectory: spill.path)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                var rng = SeededGenerator(seed: 500 + UInt64(t))
                var mine: [(handle: daf_handle, values: [Float], source: RecomputeSource?)] = []
                func check(_ i: Int, _ what: String) {
                    let entry = mine[i]
                    let (status, back) = c.restore(entry.handle, count: entry.values.count)
                    guard status == 0 else { return problems.add("thread \(t) \(what): restore \(name(status))") }
                    let info = c.info(entry.handle)
                    let chain = degradeChain(saved: Int(info.saved_bits), now: Int(info.bits), floor: 2)
                    for p in overBound(entry.values, back, group: 256, chain: chain).prefix(2) { problems.add("thread \(t) \(what): \(p)") }
                }
                for round in 0..<rounds {
                    switch Int.random(in: 0..<10, using: &rng) {
                    case 0..<4:
                        let values = normalValues(Int.random(in: 500...6000, using: &rng), &rng)
                        let source = Bool.random(using: &rng) ? RecomputeSource(values) : nil
                        let (status, h) = c.save(values, importance: Float(Int.random(in: 0...3, using: &rng)),
                                                 recompute: source == nil ? nil : recomputeFromSource, user: source?.user)
                        if status == 0 {
                            mine.append((h, values, source))
                        } else if status != DAF_E_BUDGET_EXCEEDED.rawValue {
                            problems.add("thread \(t) round \(round): save \(name(status))")
                        }
                    case 4, 5:
                        if !mine.isEmpty { check(Int.random(in: 0..<mine.count, using: &rng), "round \(round)") }
                    case 6:
                        if !mine.isEmpty {
                            let i = Int.random(in: 0..<mine.count, using: &rng)
                            check(i, "round \(round) before release")
                            if daf_release(c.ctx, mine.remove(at: i).handle) != 0 { problems.add("thread \(t): release failed") }
                        }
                    case 7:
                        if let entry = mine.randomElement(using: &rng),
                           daf_set_importance(c.ctx, entry.handle, Float(Int.random(in: 0...3, using: &rng))) != 0 {
                            problems.add("thread \(t): set_importance failed")
                        }
                    case 8:
                        let pages = Int.random(in: 0..<5, using: &rng) == 0 ? 0 : Int.random(in: 12...80, using: &rng)
                        let status = daf_set_budget(c.ctx, UInt64(pages * pageBytes))
                        if status != 0 && status != DAF_E_BUDGET_EXCEEDED.rawValue { problems.add("thread \(t): set_budget \(name(status))") }
                    default:
                        let s = c.stats
                        if s.budget_bytes != 0 && s.pool_capacity_bytes > s.budget_bytes {
                            problems.add("thread \(t): capacity \(s.pool_capacity_bytes) above the budget \(s.budget_bytes)")
                        }
                    }
                }
                for i in mine.indices { check(i, "final") }
                for entry in mine where daf_release(c.ctx, entry.handle) != 0 { problems.add("thread \(t): final release failed") }
            }
            let s = c.stats
            #expect(s.live_entries == 0 && s.live_packed_bytes == 0 && s.spill_file_bytes == 0)
            #expect(s.evictions_degrade > 0 && s.evictions_spill > 0 && s.evictions_recompute > 0, "every kind of eviction happened")
            let violations = try c.store.withState { $0.pool.invariantViolations() }
            #expect(violations.isEmpty, "\(violations.prefix(3))")
        }
        #expect(problems.all.isEmpty, "\(problems.all.count) problems, first \(problems.all.prefix(5))")
    }

    @Test("threads allocate, write, read, re-weight, free, trim and move the budget on one daf_pool")
    func poolStress() {
        var options = daf_pool_options()
        _ = daf_pool_options_init(&options)
        options.page_size = UInt32(pageBytes)
        options.chunk_bytes = UInt64(8 * pageBytes)
        var created: OpaquePointer?
        #expect(daf_pool_create(&options, &created) == 0)
        guard let created else { return }
        nonisolated(unsafe) let pool = created // the pool is thread-safe; the pointer is an id
        defer { #expect(daf_pool_destroy(pool) == 0) }
        let problems = Problems()
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            var rng = SeededGenerator(seed: 900 + UInt64(t))
            var mine: [(block: daf_pool_block, byte: UInt8, size: Int)] = []
            for round in 0..<400 {
                switch Int.random(in: 0..<10, using: &rng) {
                case 0..<4:
                    let size = Int.random(in: 0...(5 * pageBytes), using: &rng), byte = UInt8.random(in: 0...255, using: &rng)
                    var block: daf_pool_block = 0
                    let status = daf_pool_alloc(pool, size, Float(round % 7), &block)
                    guard status == 0 else {
                        if status != DAF_E_BUDGET_EXCEEDED.rawValue { problems.add("thread \(t): alloc \(name(status))") }
                        continue
                    }
                    let data = [UInt8](repeating: byte, count: size)
                    if daf_pool_write(pool, block, 0, data, size) != 0 { problems.add("thread \(t): write failed") }
                    mine.append((block, byte, size))
                case 4, 5:
                    if let entry = mine.randomElement(using: &rng) {
                        var back = [UInt8](repeating: ~entry.byte, count: entry.size)
                        let status = daf_pool_read(pool, entry.block, 0, &back, entry.size)
                        if status != 0 || back.contains(where: { $0 != entry.byte }) { problems.add("thread \(t) round \(round): read \(name(status)) or wrong bytes") }
                    }
                case 6:
                    if !mine.isEmpty, daf_pool_free(pool, mine.remove(at: Int.random(in: 0..<mine.count, using: &rng)).block) != 0 {
                        problems.add("thread \(t): free failed")
                    }
                case 7:
                    if let entry = mine.randomElement(using: &rng), daf_pool_set_importance(pool, entry.block, Float(round)) != 0 {
                        problems.add("thread \(t): set_importance failed")
                    }
                case 8:
                    if daf_pool_trim(pool) != 0 { problems.add("thread \(t): trim failed") }
                default:
                    let pages = Bool.random(using: &rng) ? 0 : Int.random(in: 40...160, using: &rng)
                    let status = daf_pool_set_budget(pool, UInt64(pages * pageBytes))
                    if status != 0 && status != DAF_E_BUDGET_EXCEEDED.rawValue { problems.add("thread \(t): set_budget \(name(status))") }
                }
            }
            for entry in mine {
                var back = [UInt8](repeating: ~entry.byte, count: entry.size)
                if daf_pool_read(pool, entry.block, 0, &back, entry.size) != 0 || back.contains(where: { $0 != entry.byte }) {
                    problems.add("thread \(t): final read wrong")
                }
                if daf_pool_free(pool, entry.block) != 0 { problems.add("thread \(t): final free failed") }
            }
        }
        #expect(problems.all.isEmpty, "\(problems.all.count) problems, first \(problems.all.prefix(5))")
        var s = daf_pool_statistics()
        s.struct_size = UInt32(MemoryLayout<daf_pool_statistics>.size)
        #expect(daf_pool_stats(pool, &s) == 0 && s.live_blocks == 0 && s.live_bytes == 0 && s.pages_free == s.pages_total)
    }
}
