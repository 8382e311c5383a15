// SPDX-License-Identifier: MIT
// Threads change nothing but speed: packed bytes, decoded values (also with a per-run finish)
// and min/max are identical for every thread count and both reduction strategies; the worker
// pool runs every part exactly once, also with callers racing on one pool and workers that
// spun or slept in between; async saves complete, wait, and restore exactly what a sync save
// gives.
import CDAF
import Dispatch
import Glibc
import Synchronization
import Testing
@testable import DAF

@Suite("Threads and async saves", .serialized)
struct ParallelTests {
    @Test("worker pool: every part runs once, also when parts outnumber threads or workers are busy")
    func poolRunsEveryPart() throws {
        let pool = try #require(WorkerPool(workers: 3))
        defer { pool.shutdown() }
        for parts in [1, 2, 3, 7, 100] {
            var counts = [Int](repeating: 0, count: parts)
            counts.withUnsafeMutableBufferPointer { counts in
                pool.parallelFor(parts: parts, helpers: 3) { counts[$0] += 1 } // each part its own slot
            }
            #expect(counts.allSatisfy { $0 == 1 }, "\(parts) parts: \(counts)")
        }
        // A job blocking one worker does not block a parallel loop.
        let gate = Box<Bool>(false)
        let blocker = WorkerPool.Job { while !gate.value.load(ordering: .acquiring) {} }
        pool.submit(blocker)
        let sum = Box<Int>(0)
        pool.parallelFor(parts: 50, helpers: 3) { sum.value.add($0, ordering: .relaxed) }
        #expect(sum.value.load(ordering: .relaxed) == 49 * 50 / 2)
        gate.value.store(true, ordering: .releasing)
        pool.wait(blocker)
        #expect(blocker.finished)
    }

    @Test("pack, unpack and range unpack are identical for 1, 2 and 3 threads", arguments: [1, 2, 4, 8])
    func codecThreads(bits: Int) throws {
        var rng = SeededGenerator(seed: UInt64(bits) * 31)
        let count = 140_003 // several runs of 64 Ki values, a short last group
        let values = DataShape.withNonfinite.values(count: count, rng: &rng)
        for rounding in [Rounding.nearest, .stochastic] {
            let s = spec(bits: bits, group: [48, 256].randomElement(using: &rng)!, rounding: rounding, seed: 77)
            let serial = try pack(values, s, kernels: .simd)
            let serialValues = try unpack(serial, count: count, kernels: .simd)
            for threads in [2, 3] {
                let pool = try #require(WorkerPool(workers: threads - 1))
                defer { pool.shutdown() }
                let parallelism = Parallelism(pool: pool, helpers: threads - 1)
                var blob = [UInt8](repeating: 0, count: serial.count)
                let size = try values.withUnsafeBufferPointer { src in
                    try blob.withUnsafeMutableBytes { dst in
                        try Codec.pack(src.baseAddress, count: count, spec: s, into: dst.baseAddress!, capacity: dst.count, parallelism: parallelism)
                    }
                }
                #expect(size == serial.count && blob == serial, "bits \(bits) \(rounding) threads \(threads)")
                var back = [Float](repeating: 0, count: count)
                try blob.withUnsafeBytes { src in
                    try back.withUnsafeMutableBufferPointer { dst in
                        try Codec.unpack(src.baseAddress!, size: size, into: dst.baseAddress, count: count, parallelism: parallelism)
                    }
                }
                #expect(zip(back, serialValues).allSatisfy { sameBits($0, $1) }, "bits \(bits) threads \(threads)")
                // A finish (the square of companded values) run by run as decoded: the same as
                // squaring the whole decoded tensor afterwards, non-finite values untouched.
                for finishing in [Parallelism.serial, parallelism] {
                    var squared = [Float](repeating: 0, count: count)
                    try blob.withUnsafeBytes { src in
                        try squared.withUnsafeMutableBufferPointer { dst in
                            try Codec.unpack(src.baseAddress!, size: size, into: dst.baseAddress, count: count, parallelism: finishing,
                                             finish: { CompandKernels.expand($0, count: $1) })
                        }
                    }
                    let wrong = (0..<count).first { !sameBits(squared[$0], KindStaging.expand(serialValues[$0])) }
                    #expect(wrong == nil, "finish: bits \(bits) threads \(finishing.threads), first wrong value \(wrong ?? -1)")
                }
                let first = 1234, n = 100_000
                var part = [Float](repeating: 0, count: n)
                try blob.withUnsafeBytes { src in
                    try part.withUnsafeMutableBufferPointer { dst in
                        try Codec.unpackRange(src.baseAddress!, size: size, first: first, count: n, into: dst.baseAddress, parallelism: parallelism)
                    }
                }
                #expect(part.elementsEqual(serialValues[first..<first + n]) { sameBits($0, $1) })
            }
        }
    }

    @Test("hybrid min/max: tree and atomic equal the serial reduction; the tuner settles")
    func hybridReduction() throws {
        var rng = SeededGenerator(seed: 4)
        let pool = try #require(WorkerPool(workers: 2))
        defer { pool.shutdown() }
        let parallelism = Parallelism(pool: pool, helpers: 2)
        for shape in [DataShape.normal, .withNonfinite, .allNonfinite, .huge] {
            let values = shape.values(count: 150_003, rng: &rng)
            values.withUnsafeBufferPointer { v in
                let serial = FiniteMinMax.scalar(v.baseAddress!, count: v.count)
                for strategy in ReductionStrategy.allCases {
                    let r = HybridMinMax.reduce(v.baseAddress!, count: v.count, parallelism: parallelism, strategy: strategy)
                    #expect(r.lo == serial.lo && r.hi == serial.hi && r.nonfinite == serial.nonfinite, "\(shape) \(strategy): \(r) vs \(serial)")
                }
                for _ in 0..<6 { _ = HybridMinMax.reduce(v.baseAddress!, count: v.count, parallelism: parallelism) }
            }
        }
        let sizeClass = Int.bitWidth - 150_003.leadingZeroBitCount
        #expect(HybridMinMax.tuner.choices[sizeClass] != nil, "the size class was measured and decided")
        for x: Float in [-.greatestFiniteMagnitude, -1, -0.0, 0, 1e-45, 3, .greatestFiniteMagnitude] {
            #expect(HybridMinMax.float(fromOrderedKey: HybridMinMax.orderedKey(x)).bitPattern == x.bitPattern)
        }
        #expect(HybridMinMax.orderedKey(-2) < HybridMinMax.orderedKey(-1) && HybridMinMax.orderedKey(-0.0) < HybridMinMax.orderedKey(0)
                && HybridMinMax.orderedKey(0) < HybridMinMax.orderedKey(1))
    }

    @Test("codec thread setting through the C API: results unchanged, bad counts refused")
    func codecThreadSetting() {
        #expect(daf_codec_threads() == 1)
        #expect(daf_codec_set_threads(257) == DAF_E_INVALID_ARGUMENT.rawValue)
        #expect(daf_codec_threads() == 1, "a refused setting leaves the old one")
        var rng = SeededGenerator(seed: 8)
        let values = DataShape.relu.values(count: 500_000, rng: &rng)
        func packed() -> [UInt8] {
            let bound = daf_packed_bound_finite(values.count, 2, 256)
            var blob = [UInt8](repeating: 0, count: bound)
            var size = 0
            #expect(daf_quantize_pack(values, values.count, nil, &blob, bound, &size) == 0)
            return blob
        }
        let one = packed()
        #expect(daf_codec_set_threads(0) == 0 && daf_codec_threads() == UInt32(CodecThreads.onlineCores))
        #expect(daf_codec_set_threads(3) == 0 && daf_codec_threads() == 3)
        #expect(packed() == one)
        var lo: Float = 0, hi: Float = 0
        #expect(daf_minmax(values, values.count, &lo, &hi) == 0 && lo == 0 && hi == values.max()!)
        #expect(daf_codec_set_threads(1) == 0 && daf_codec_threads() == 1)
    }

    @Test("async saves: restore waits, wait reports, release of a pending save, results equal sync saves")
    func asyncSaves() {
        for threads: UInt32 in [1, 2, 4] {
            var options = daf_options()
            _ = daf_options_init(&options)
            options.threads = threads
            options.rounding = UInt32(DAF_ROUND_NEAREST.rawValue) // sync and async saves compared below
            var ctx: OpaquePointer?
            #expect(daf_create(&options, &ctx) == 0)
            var rng = SeededGenerator(seed: UInt64(threads))
            let tensors = (0..<12).map { _ in DataShape.normal.values(count: Int.random(in: 1...100_000, using: &rng), rng: &rng) }
            var handles: [daf_handle] = []
            for t in tensors {
                var h: daf_handle = 0
                #expect(daf_save_async(ctx, t, t.count, nil, &h) == 0 && h != 0)
                handles.append(h)
            }
            for (i, (h, t)) in zip(handles, tensors).enumerated() {
                if i % 3 == 0 { #expect(daf_wait(ctx, h) == 0) }
                if i % 4 == 1 {
                    #expect(daf_release(ctx, h) == 0, "release of a possibly pending save")
                    continue
                }
                var back = [Float](repeating: 0, count: t.count)
                #expect(daf_restore(ctx, h, &back, t.count) == 0)
                var sync: daf_handle = 0
                var again = [Float](repeating: 0, count: t.count)
                // Same bits and group; stochastic seeds would differ, nearest does not.
                #expect(daf_save(ctx, t, t.count, nil, &sync) == 0 && daf_restore(ctx, sync, &again, t.count) == 0)
                #expect(back == again, "threads \(threads) tensor \(i)")
                #expect(daf_release(ctx, sync) == 0 && daf_release(ctx, h) == 0)
                #expect(daf_wait(ctx, h) == DAF_E_UNKNOWN_HANDLE.rawValue)
            }
            var s = daf_context_statistics()
            s.struct_size = UInt32(MemoryLayout<daf_context_statistics>.size)
            #expect(daf_stats(ctx, &s) == 0 && s.live_entries == 0 && s.live_packed_bytes == 0)
            // Pending saves at destroy are finished, not abandoned mid-write.
            for t in tensors.prefix(4) {
                var h: daf_handle = 0
                _ = daf_save_async(ctx, t, t.count, nil, &h)
            }
            #expect(daf_destroy(ctx) == 0)
        }
        var h: daf_handle = 5
        #expect(daf_save_async(nil, nil, 0, nil, &h) == DAF_E_INVALID_CONTEXT.rawValue && h == 0)
        var options = daf_options()
        _ = daf_options_init(&options)
        options.threads = 1000
        var ctx: OpaquePointer?
        #expect(daf_create(&options, &ctx) == DAF_E_INVALID_ARGUMENT.rawValue)
    }
}

extension ParallelTests {
    @Test("an async save that cannot fit the budget reports it through daf_wait, then the handle is gone")
    func asyncSaveOverBudget() {
        var options = daf_options()
        _ = daf_options_init(&options)
        options.budget_bytes = 1 << 20
        options.policy = UInt32(DAF_POLICY_FAIL.rawValue)
        options.threads = 1
        var ctx: OpaquePointer?
        #expect(daf_create(&options, &ctx) == 0)
        defer { _ = daf_destroy(ctx) }
        let big = [Float](repeating: 1.25, count: 4 << 20) // ~2.3 MB packed at 2 bits, over 1 MiB
        var h: daf_handle = 0
        #expect(daf_save_async(ctx, big, big.count, nil, &h) == 0 && h != 0)
        #expect(daf_wait(ctx, h) == DAF_E_BUDGET_EXCEEDED.rawValue)
        #expect(daf_wait(ctx, h) == DAF_E_UNKNOWN_HANDLE.rawValue)
        let small = [Float](repeating: 2, count: 1000)
        #expect(daf_save_async(ctx, small, small.count, nil, &h) == 0)
        var back = [Float](repeating: 0, count: 1000)
        #expect(daf_restore(ctx, h, &back, 1000) == 0 && back == small)
        #expect(daf_release(ctx, h) == 0)
    }
}

/// An atomic that closures can share.
/// The spinning, batch-claiming worker pool (WorkerPool.spinSeconds, maxBatch).
extension ParallelTests {
    @Test("racing callers of one pool, back to back and after the workers slept: every part once")
    func racingParallelLoops() throws {
        let pool = try #require(WorkerPool(workers: 1))
        defer { pool.shutdown() }
        let callers = 4, calls = 300
        let problems = Box<Int>(0)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            var rng = SeededGenerator(seed: 40 + UInt64(caller))
            for call in 0..<calls {
                // Part counts around and far beyond the batch limit.
                let parts = [1, 2, 3, WorkerPool.maxBatch + 1, Int.random(in: 1...3000, using: &rng)].randomElement(using: &rng)!
                let counts = UnsafeMutablePointer<Int>.allocate(capacity: parts)
                counts.initialize(repeating: 0, count: parts)
                pool.parallelFor(parts: parts, helpers: 1) { counts[$0] += 1 } // each part its own slot
                if (0..<parts).contains(where: { counts[$0] != 1 }) { problems.value.add(1, ordering: .relaxed) }
                counts.deallocate()
                // Now and then long enough for the worker to stop spinning and sleep.
                if call % 50 == 49 { usleep(UInt32(WorkerPool.spinSeconds * 4e6)) }
            }
        }
        #expect(problems.value.load(ordering: .relaxed) == 0)
    }

    @Test("a job longer than the spin: its waiter sleeps and is woken; jobs queued behind it run")
    func longJobWakesSleepingWaiter() throws {
        let pool = try #require(WorkerPool(workers: 1))
        defer { pool.shutdown() }
        let ran = Box<Int>(0), running = Box<Bool>(false)
        let long = WorkerPool.Job {
            running.value.store(true, ordering: .releasing)
            usleep(UInt32(WorkerPool.spinSeconds * 40e6))
            ran.value.add(1, ordering: .relaxed)
        }
        pool.submit(long)
        // Until the worker has it, so that wait() must spin and then sleep, not take it back.
        while !running.value.load(ordering: .acquiring) { sched_yield() }
        let queuedBehind = (0..<3).map { _ in WorkerPool.Job { ran.value.add(1, ordering: .relaxed) } }
        for job in queuedBehind { pool.submit(job) }
        pool.wait(long)
        #expect(long.finished)
        for job in queuedBehind { pool.wait(job) }
        #expect(ran.value.load(ordering: .relaxed) == 4)
    }
}

final class Box<Value: AtomicRepresentable>: Sendable where Value: Sendable {
    let value: Atomic<Value>
    init(_ initial: Value) { value = Atomic(initial) }
}
