// SPDX-License-Identifier: MIT
// The no-copy save and restore (StoreState+Pins): taken when a block is contiguous, also over
// several chunks; restores and daf_stats identical to the copy path's; NaN/Inf data through
// the fallback; and what a pin holds back (eviction, release, a lower budget).
import CDAF
import Testing
@testable import DAF

@Suite("In-place save and restore")
struct InPlaceTests {
    /// Each policy alone, and all three together.
    static let everyPolicy: [[daf_policy]] = [[DAF_POLICY_FAIL], [DAF_POLICY_DEGRADE], [DAF_POLICY_SPILL], [DAF_POLICY_RECOMPUTE],
                                              [DAF_POLICY_DEGRADE, DAF_POLICY_SPILL, DAF_POLICY_RECOMPUTE]]

    /// A context of 4 KiB pages and 16-page chunks, so that a blob of a few hundred KiB runs
    /// over several chunks; `inPlace` false makes it copy as before.
    static func context(inPlace: Bool, bits: UInt32 = 8, policy: [daf_policy] = [DAF_POLICY_FAIL], budget: Int = 0,
                        spill: String? = nil) throws -> TestContext {
        let c = budgetContext(policy: policy, budget: budget, bits: bits, spillDirectory: spill)
        try c.store.withState { $0.inPlace.enabled = inPlace }
        return c
    }

    static func tallies(_ c: TestContext) throws -> (saves: Int, restores: Int) {
        try c.store.withState { ($0.inPlace.saves, $0.inPlace.restores) }
    }

    /// daf_stats as bytes, so two contexts' figures compare field for field.
    static func statsBytes(_ c: TestContext) -> [UInt8] { withUnsafeBytes(of: c.stats) { Array($0) } }

    @Test("steady save, restore, release over several chunks: in place every time, restores equal the codec's",
          arguments: [1, 2, 8])
    func steadyState(bits: UInt32) throws {
        var rng = SeededGenerator(seed: 40 + UInt64(bits))
        let c = try Self.context(inPlace: true, bits: bits)
        let values = normalValues(300_007, &rng) // 8 bits: ~75 pages, five chunks
        let expected = try unpack(pack(values, spec(bits: Int(bits)), kernels: .simd), count: values.count, kernels: .simd)
        let rounds = 6
        for round in 0..<rounds {
            let (saved, handle) = c.save(values)
            try #require(saved == 0, "round \(round): save \(name(saved))")
            let (restored, back) = c.restore(handle, count: values.count)
            let mismatches = zip(back, expected).enumerated().filter { !sameBits($0.element.0, $0.element.1) }
            #expect(restored == 0 && mismatches.isEmpty, "round \(round): \(mismatches.count) mismatches, first \(mismatches.prefix(3))")
            var part = [Float](repeating: .nan, count: 1000)
            #expect(daf_restore_range(c.ctx, handle, 123_456, 1000, &part) == 0)
            #expect(zip(part, expected[123_456..<124_456]).allSatisfy { sameBits($0, $1) }, "round \(round): range restore")
            #expect(daf_release(c.ctx, handle) == 0)
        }
        let (saves, restores) = try Self.tallies(c)
        // Fails when the in-place paths are off, or when steady-state blocks are not contiguous.
        #expect(saves == rounds && restores == 2 * rounds, "in place: \(saves) saves, \(restores) restores of \(rounds)")
        let violations = try c.store.withState { $0.pool.invariantViolations() }
        #expect(violations.isEmpty, "\(violations.prefix(3))")
    }

    @Test("the same calls with and without the in-place paths: identical restores and daf_stats, under each policy",
          arguments: InPlaceTests.everyPolicy)
    func sameAsCopyPath(policy: [daf_policy]) throws {
        let spill = SpillDirectory()
        defer { #expect(spill.removeEmpty()) }
        let tensors = EvictionTests.tensors(30, seed: 61, sizes: 3000...40_000)
        let budget = 60 * pageBytes
        var results: [(stats: [UInt8], restored: [[Float]], statuses: [Int32])] = []
        var tallies: [(Int, Int)] = []
        for inPlace in [false, true] {
            let c = try Self.context(inPlace: inPlace, policy: policy, budget: budget, spill: spill.path)
            var rng = SeededGenerator(seed: 5)
            var handles: [daf_handle] = [], restored: [[Float]] = [], statuses: [Int32] = []
            var sources: [RecomputeSource] = []
            for (i, v) in tensors.enumerated() {
                let source = RecomputeSource(v)
                sources.append(source)
                var values = v
                if i % 7 == 3 { values[i] = .nan; values[i + 1] = -.infinity } // the fallback, mid-sequence
                let (status, h) = c.save(values, importance: Float(Int.random(in: 0...3, using: &rng)),
                                         recompute: recomputeFromSource, user: source.user)
                statuses.append(status)
                if status == 0 { handles.append(h) }
                if i % 5 == 4, let h = handles.randomElement(using: &rng) {
                    #expect(daf_set_importance(c.ctx, h, Float(Int.random(in: 0...3, using: &rng))) == 0)
                }
                if i % 6 == 5, !handles.isEmpty { #expect(daf_release(c.ctx, handles.remove(at: 0)) == 0) }
            }
            for h in handles {
                var out = [Float](repeating: 0, count: Int(c.info(h).count))
                statuses.append(daf_restore(c.ctx, h, &out, out.count))
                restored.append(out)
            }
            results.append((Self.statsBytes(c), restored, statuses))
            tallies.append(try Self.tallies(c))
            for h in handles { #expect(daf_release(c.ctx, h) == 0) }
        }
        #expect(results[0].statuses == results[1].statuses, "statuses differ")
        #expect(results[0].stats == results[1].stats, "daf_stats differ: \(results[0].stats) vs \(results[1].stats)")
        let same = zip(results[0].restored, results[1].restored).allSatisfy { zip($0, $1).allSatisfy { sameBits($0, $1) } }
        #expect(same && results[0].restored.count == results[1].restored.count, "restored values differ")
        #expect(tallies[0] == (0, 0) && tallies[1].0 > 0 && tallies[1].1 > 0, "in-place tallies \(tallies)")
    }

    @Test("NaN/Inf data: the save falls back to the copy path and round-trips them exactly")
    func nonfiniteFallback() throws {
        var rng = SeededGenerator(seed: 77)
        let c = try Self.context(inPlace: true)
        let values = DataShape.withNonfinite.values(count: 100_003, rng: &rng)
        let expected = try unpack(pack(values, spec(bits: 8), kernels: .simd), count: values.count, kernels: .simd)
        let (saved, handle) = c.save(values)
        try #require(saved == 0)
        let (restored, back) = c.restore(handle, count: values.count)
        #expect(restored == 0 && zip(back, expected).allSatisfy { sameBits($0, $1) })
        #expect(zip(back, values).allSatisfy { $1.isFinite || sameBits($0, $1) }, "every NaN and Inf where it was")
        let (saves, _) = try Self.tallies(c)
        #expect(saves == 0, "the packer found NaN/Inf: the blob was packed elsewhere")
        #expect(c.stats.live_packed_bytes == UInt64(c.info(handle).packed_bytes))
        let violations = try c.store.withState { $0.pool.invariantViolations() }
        #expect(violations.isEmpty, "\(violations.prefix(3))")
    }

    /// Pins `handle`'s block as a restore does (and returns it), without decoding.
    static func pin(_ c: TestContext, _ handle: daf_handle) throws -> PinnedBlob {
        let fetched = try c.store.withState { state throws(DAFError) in
            try state.fetch(handle, count: nil, scratch: c.store.scratch)
        }
        guard case .pinned(let blob) = fetched else { throw DAFError(DAF_E_INTERNAL, "not pinned") }
        return blob
    }

    @Test("a pinned entry is no victim: a save that needs its room takes its own last resort; a lower budget waits")
    func pinnedEntryStays() throws {
        let spill = SpillDirectory()
        defer { #expect(spill.removeEmpty()) }
        var rng = SeededGenerator(seed: 9)
        let a = normalValues(20_000, &rng), b = normalValues(20_000, &rng) // 8 bits: 6 pages each (4 KiB)
        do {
            let c = try Self.context(inPlace: true, policy: [DAF_POLICY_SPILL], budget: 10 * pageBytes, spill: spill.path)
            let (_, ha) = c.save(a)
            let pinned = try Self.pin(c, ha)
            let copy = Array(UnsafeRawBufferPointer(start: pinned.base, count: pinned.size))
            // Without the pin, a would be spilled for b; pinned, b goes to the file itself.
            let (status, hb) = c.save(b)
            #expect(status == 0 && c.info(ha).state == DAF_ENTRY_IN_POOL.rawValue && c.info(hb).state == DAF_ENTRY_SPILLED.rawValue)
            #expect(Array(UnsafeRawBufferPointer(start: pinned.base, count: pinned.size)) == copy, "pinned bytes unchanged")
            // A budget below the capacity waits for the pin; raising it does not.
            #expect(daf_set_budget(c.ctx, UInt64(16 * pageBytes)) == 0)
            // Released while pinned: gone for callers at once, its pages freed by the unpin.
            #expect(daf_release(c.ctx, ha) == 0)
            #expect(c.restore(ha, count: a.count).0 == DAF_E_UNKNOWN_HANDLE.rawValue)
            let usedPinned = try c.store.withState { $0.pool.usedPages }
            #expect(usedPinned == 6, "the released block's pages stay until the unpin")
            try c.store.withState { state throws(DAFError) in state.unpin(pinned.block) }
            let used = try c.store.withState { $0.pool.usedPages }
            #expect(used == 0 && c.stats.live_entries == 1)
            #expect(daf_release(c.ctx, hb) == 0)
            let violations = try c.store.withState { $0.pool.invariantViolations() }
            #expect(violations.isEmpty, "\(violations.prefix(3))")
        }
    }

    @Test("a training-like loop (saves forward, restores and releases backward, sizes varying): blocks stay contiguous")
    func trainingLoop() throws {
        var rng = SeededGenerator(seed: 123)
        // Chunks of 4 MiB hold many blocks, as the default 64 MiB chunks do.
        let c = TestContext(bits: 8) { $0.page_size = UInt32(pageBytes); $0.chunk_bytes = UInt64(1024 * pageBytes) }
        let layers = [30_000, 70_000, 12_000, 50_000, 90_000, 20_000]
        var restores = 0
        for _ in 0..<20 {
            var handles: [(daf_handle, Int)] = []
            for base in layers {
                let n = base + Int.random(in: -base / 10...base / 10, using: &rng)
                let (status, h) = c.save(normalValues(n, &rng))
                try #require(status == 0)
                handles.append((h, n))
            }
            for (h, n) in handles.reversed() {
                #expect(c.restore(h, count: n).0 == 0)
                restores += 1
                #expect(daf_release(c.ctx, h) == 0)
            }
        }
        let (saves, inPlace) = try Self.tallies(c)
        print("training loop: \(saves) of \(restores) saves, \(inPlace) of \(restores) restores in place")
        #expect(saves * 10 >= restores * 9 && inPlace * 10 >= restores * 9, "\(saves), \(inPlace) of \(restores) in place")
    }
}
