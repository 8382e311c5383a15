// SPDX-License-Identifier: MIT
// Threads racing on one context of a small budget while restores decode in place: any thread
// may restore or release any entry, move the budget or re-weight entries, under each policy.
// Every restore is checked against the values saved (or is a documented status), nothing
// crashes and no entry is lost. Without the pins, decoding reads pages that a release handed
// to another save, that eviction rewrote, or that a lower budget moved.
import CDAF
import Dispatch
import Testing
@testable import DAF

@Suite("In-place restores racing releases, eviction and budgets")
struct InPlaceRaceTests {
    /// One saved tensor, shared by the threads.
    final class Saved: @unchecked Sendable {
        let handle: daf_handle
        let values: [Float]
        let source: RecomputeSource
        init(handle: daf_handle, values: [Float], source: RecomputeSource) {
            self.handle = handle
            self.values = values
            self.source = source
        }

        /// values[first..<first + count] of the same handle, to check a range restore.
        func part(first: Int, count: Int) -> Saved {
            Saved(handle: handle, values: Array(values[first..<(first + count)]), source: source)
        }
    }

    /// The entries every thread sees: live ones, and those released (never restored again).
    struct Shared {
        var live: [Saved] = []
        var released: Set<daf_handle> = []
        var problems: [String] = []
        var restoresChecked = 0
        mutating func add(_ problem: String) { if problems.count < 40 { problems.append(problem) } }
    }

    /// Checks one restore of `entry` (status and values); the entry may have been released by
    /// another thread meanwhile, which must then be what the status says.
    static func check(_ c: TestContext, _ entry: Saved, status: Int32, back: [Float], shared: Locked<Shared>, floor: Int) {
        if status == DAF_E_UNKNOWN_HANDLE.rawValue {
            let released = shared.withLock { $0.released.contains(entry.handle) }
            if !released { shared.withLock { $0.add("handle \(entry.handle) unknown but never released") } }
            return
        }
        guard status == 0 else { return shared.withLock { $0.add("restore of \(entry.handle): \(name(status))") } }
        // Exact (rebuilt by its callback), or within the bound of the widths it has had so far.
        if zip(back, entry.values).allSatisfy({ sameBits($0, $1) }) { return shared.withLock { $0.restoresChecked += 1 } }
        var info = daf_handle_information()
        info.struct_size = UInt32(MemoryLayout<daf_handle_information>.size)
        let now = daf_handle_info(c.ctx, entry.handle, &info) == 0 ? Int(info.bits) : floor // released: the loosest
        let problems = overBound(entry.values, back, group: 256, chain: degradeChain(saved: 8, now: now, floor: floor))
        shared.withLock { state in
            if let first = problems.first { state.add("handle \(entry.handle): \(problems.count) values off, first \(first)") }
            state.restoresChecked += 1
        }
    }

    @Test("four threads save, restore and release each other's entries, move the budget and re-weight, under each policy",
          arguments: InPlaceTests.everyPolicy)
    func race(policy: [daf_policy]) throws {
        let spill = SpillDirectory()
        defer { #expect(spill.removeEmpty()) }
        let shared = Locked(Shared())
        let floor = 2, threads = 4, rounds = 400
        do {
            let c = budgetContext(policy: policy, budget: 48 * pageBytes, floor: UInt32(floor), spillDirectory: spill.path)
            // Each in-place decode waits a little after its pin: the other threads' releases,
            // evictions and budget moves then fall inside the pinned window, not just near it.
            c.store.pinnedPauseMicroseconds.store(300, ordering: .relaxed)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                var rng = SeededGenerator(seed: 7100 + UInt64(t) + UInt64(policy.count) * 16 + UInt64(policy[0].rawValue) * 64)
                for round in 0..<rounds {
                    // Mostly the newest few entries: the threads then meet on the same handles.
                    let pick = shared.withLock { state in
                        Int.random(in: 0..<4, using: &rng) == 0 ? state.live.randomElement(using: &rng)
                                                                : state.live.suffix(3).randomElement(using: &rng)
                    }
                    switch Int.random(in: 0..<12, using: &rng) {
                    case 0..<3:
                        // 8 bits: 2 to 7 pages of 4 KiB, so blocks have several pages to get wrong.
                        let values = normalValues(Int.random(in: 6000...28_000, using: &rng), &rng)
                        let source = RecomputeSource(values)
                        let (status, h) = c.save(values, importance: Float(Int.random(in: 0...3, using: &rng)),
                                                 recompute: recomputeFromSource, user: source.user)
                        if status == 0 {
                            shared.withLock { $0.live.append(Saved(handle: h, values: values, source: source)) }
                        } else if status != DAF_E_BUDGET_EXCEEDED.rawValue {
                            shared.withLock { $0.add("thread \(t) round \(round): save \(name(status))") }
                        }
                    case 3..<7:
                        guard let entry = pick else { continue }
                        let (status, back) = c.restore(entry.handle, count: entry.values.count)
                        Self.check(c, entry, status: status, back: back, shared: shared, floor: floor)
                    case 7:
                        guard let entry = pick else { continue }
                        // Whole groups, so that the bound's groups are the blob's.
                        var part = [Float](repeating: .nan, count: 3072)
                        let status = daf_restore_range(c.ctx, entry.handle, 1024, 3072, &part)
                        Self.check(c, entry.part(first: 1024, count: 3072), status: status, back: part, shared: shared, floor: floor)
                    case 8, 9:
                        // Released by whoever takes it off the list first; restores may still be running.
                        guard let entry = pick else { continue }
                        let mine = shared.withLock { state -> Bool in
                            guard let i = state.live.firstIndex(where: { $0 === entry }) else { return false }
                            state.live.remove(at: i)
                            state.released.insert(entry.handle)
                            return true
                        }
                        if mine, daf_release(c.ctx, entry.handle) != 0 { shared.withLock { $0.add("thread \(t): release failed") } }
                    case 10:
                        let pages = [24, 48, 96, 32][Int.random(in: 0..<4, using: &rng)]
                        let status = daf_set_budget(c.ctx, UInt64(pages * pageBytes))
                        if status != 0 && status != DAF_E_BUDGET_EXCEEDED.rawValue {
                            shared.withLock { $0.add("thread \(t): set_budget \(name(status))") }
                        }
                    default:
                        guard let entry = pick else { continue }
                        let status = daf_set_importance(c.ctx, entry.handle, Float(Int.random(in: 0...3, using: &rng)))
                        if status != 0 && status != DAF_E_UNKNOWN_HANDLE.rawValue {
                            shared.withLock { $0.add("thread \(t): set_importance \(name(status))") }
                        }
                    }
                }
            }
            // Nothing lost: every entry still listed restores, and the context counts exactly them.
            let live = shared.withLock { $0.live }
            for entry in live {
                let (status, back) = c.restore(entry.handle, count: entry.values.count)
                Self.check(c, entry, status: status, back: back, shared: shared, floor: floor)
                #expect(daf_release(c.ctx, entry.handle) == 0)
            }
            let s = c.stats
            #expect(s.live_entries == 0 && s.live_packed_bytes == 0 && s.spill_file_bytes == 0)
            let (pins, used, violations) = try c.store.withState { ($0.pins.count, $0.pool.usedPages, $0.pool.invariantViolations()) }
            #expect(pins == 0 && used == 0, "\(pins) pins, \(used) pages left")
            #expect(violations.isEmpty, "\(violations.prefix(3))")
            let (saves, restores) = try c.store.withState { ($0.inPlace.saves, $0.inPlace.restores) }
            print("race \(policy.map(\.rawValue)): \(saves) saves, \(restores) restores in place")
            #expect(saves > 20 && restores > 20, "only \(saves) saves, \(restores) restores in place")
        }
        let (problems, checked) = shared.withLock { ($0.problems, $0.restoresChecked) }
        #expect(problems.isEmpty, "\(problems.count) problems, first \(problems.prefix(4))")
        #expect(checked > 200, "only \(checked) restores checked")
    }
}
