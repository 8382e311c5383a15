// SPDX-License-Identifier: MIT
// The context behind daf_context: saved activations by handle, each a packed blob kept in the
// context's paged pool under its memory budget (StoreState), with the figures of daf_stats.
// Thread-safe: a mutex guards the state; packing and unpacking run outside it, in place in the
// pool's pages while a pin keeps them (StoreState+Pins), or else on a blob packed before storing
// and on a copy fetched for restoring. Recompute callbacks also run outside it. Blob buffers for
// the copies, and staging buffers, are reused between calls (ScratchBlobs). Owns the context's
// worker threads: they split large saves and restores, and run async saves, whose handles wait in
// `pending` until their blob is admitted.
import CDAF
import DAFPlatform
import Glibc
import Synchronization

final class ActivationStore: Sendable {
    let defaults: QuantSpec
    let defaultIsAutomatic: Bool
    let threads: Int
    private let state: Locked<StoreState>
    /// Saves numbered so far (ActivationStore+Planning: the stochastic seeds).
    let saveNumber = Atomic<UInt64>(0)
    private let workers: WorkerPool

    /// An async save not yet admitted: running (or queued), or failed with its error.
    private enum Pending {
        case running(WorkerPool.Job)
        case failed(DAFError)
    }

    private let pending = Locked<[UInt64: Pending]>([:])
    /// Blob buffers kept between calls (outside the budget, see ScratchBlobs).
    let scratch = ScratchBlobs()
    /// Staging buffers (float32 copies of a kind's values) kept between synchronous saves.
    let staging = ScratchBlobs()

    init(_ config: StoreConfig) throws(DAFError) {
        defaults = config.defaults
        defaultIsAutomatic = config.defaultIsAutomatic
        threads = config.threads
        state = Locked(try StoreState(config))
        guard let workers = WorkerPool(workers: max(config.threads - 1, 1)) else {
            throw DAFError(DAF_E_NO_MEMORY, "could not start the context's worker threads")
        }
        self.workers = workers
    }

    /// Finishes queued async saves and joins the workers (daf_destroy).
    func close() { workers.shutdown() }

    private var parallelism: Parallelism { Parallelism(pool: workers, helpers: threads - 1) }

    /// Runs `body` on the locked state (also for tests).
    func withState<Result: Sendable>(_ body: (inout StoreState) throws(DAFError) -> Result) throws(DAFError) -> Result {
        try state.withLock { (state: inout StoreState) throws(DAFError) -> Result in try body(&state) }
    }

    /// Packs values and keeps the blob as `handle` (evicting under the policy if needed):
    /// in place when it can, else through a scratch buffer.
    private func packAndAdmit(_ values: UnsafePointer<Float>?, count: Int, plan: SavePlan, handle: UInt64,
                              parallelism: Parallelism, stage: Codec.Stage? = nil) throws(DAFError) {
        let spec = plan.spec
        // The finite-data size first; NaN/Inf values need a second, exact-size attempt.
        var size = try PackedLayout(count: count, spec: spec, nonfinite: 0).totalSize
        do throws(DAFError) {
            if try packInPlace(values, count: count, plan: plan, size: size, handle: handle, parallelism: parallelism,
                               stage: stage) { return }
        } catch where error.status == DAF_E_DST_TOO_SMALL.code {
            size = error.needed
        }
        try packCopyAndAdmit(values, count: count, plan: plan, size: size, handle: handle, parallelism: parallelism,
                             stage: stage)
    }

    /// Packs straight into a pinned block of the pool and publishes it: no copy of the blob.
    /// False when no contiguous block of `size` bytes can be had without the entry's own last
    /// resort (nothing is left allocated then); DAF_E_DST_TOO_SMALL (with the size needed) when
    /// the values hold NaN/Inf.
    private func packInPlace(_ values: UnsafePointer<Float>?, count: Int, plan: SavePlan, size: Int, handle: UInt64,
                             parallelism: Parallelism, stage: Codec.Stage?) throws(DAFError) -> Bool {
        let spec = plan.spec, importance = plan.request.importance
        guard let reserved = try withState({ state throws(DAFError) in
            state.reserveForPacking(handle: handle, size: size, importance: importance)
        }) else { return false }
        let written: Int
        do throws(DAFError) {
            written = try Codec.pack(values, count: count, spec: spec, into: reserved.base, capacity: size, parallelism: parallelism,
                                     stage: stage)
        } catch {
            try withState { state throws(DAFError) in state.cancelReservation(reserved) }
            throw error
        }
        let measured = ActivationStore.measure(plan, blob: reserved.base, size: written)
        try withState { state throws(DAFError) in
            ActivationStore.observe(plan, count: count, measured, in: &state)
            try state.publish(reserved, size: written, handle: handle, count: count, bits: spec.bits,
                              importance: importance, recompute: plan.request.recompute, kind: plan.request.kind,
                              groupSize: spec.groupSize)
        }
        return true
    }

    /// Packs into a scratch buffer (`size` bytes first, the exact size if that is short) and
    /// admits a copy of the blob.
    private func packCopyAndAdmit(_ values: UnsafePointer<Float>?, count: Int, plan: SavePlan, size expected: Int, handle: UInt64,
                                  parallelism: Parallelism, stage: Codec.Stage?) throws(DAFError) {
        let spec = plan.spec
        var blob = try scratch.take(atLeast: expected)
        defer { scratch.give(blob) }
        let size: Int
        do throws(DAFError) {
            size = try Codec.pack(values, count: count, spec: spec, into: blob.base, capacity: blob.count, parallelism: parallelism,
                                  stage: stage)
        } catch where error.status == DAF_E_DST_TOO_SMALL.code {
            let larger = try scratch.take(atLeast: error.needed)
            scratch.give(blob)
            blob = larger
            size = try Codec.pack(values, count: count, spec: spec, into: blob.base, capacity: blob.count, parallelism: parallelism,
                                  stage: stage)
        }
        let measured = ActivationStore.measure(plan, blob: blob.base, size: size)
        try withState { state throws(DAFError) in
            ActivationStore.observe(plan, count: count, measured, in: &state)
            try state.admit(handle: handle, blob: blob.base, size: size, count: count, bits: spec.bits,
                            importance: plan.request.importance, recompute: plan.request.recompute,
                            kind: plan.request.kind, groupSize: spec.groupSize, parallelism: parallelism)
        }
    }

    /// Packs and keeps values[0..<count]; bits 0 means the context's default.
    func save(_ values: UnsafePointer<Float>?, count: Int, bits: UInt32, importance: Float,
              recompute: RecomputeHook? = nil) throws(DAFError) -> UInt64 {
        try save(values, count: count, dtype: .float32,
                 request: SaveRequest(bits: bits, importance: importance, recompute: recompute))
    }

    /// Packs and keeps src[0..<count] (elements of `dtype`) as the request says.
    func save(_ src: UnsafeRawPointer?, count: Int, dtype: ElementType, request: SaveRequest) throws(DAFError) -> UInt64 {
        let (staged, plan) = try stagedAndPlanned(src, count: count, dtype: dtype, request: request, reusing: true)
        defer { giveStaging(staged) }
        // Relaxed: an indivisible add gives each handle once; the entry it names is published
        // through the store's lock, not through the counter.
        let handle = handleCounter.add(1, ordering: .relaxed).oldValue
        do throws(DAFError) {
            try packAndAdmit(staged.values, count: count, plan: plan, handle: handle, parallelism: parallelism, stage: staged.stage)
        } catch {
            giveBack(plan.number)
            throw error
        }
        return handle
    }

    func saveAsync(_ values: UnsafePointer<Float>?, count: Int, bits: UInt32, importance: Float,
                   recompute: RecomputeHook? = nil) throws(DAFError) -> UInt64 {
        try saveAsync(values, count: count, request: SaveRequest(bits: bits, importance: importance, recompute: recompute))
    }

    /// Registers the handle now and packs on a worker; values must stay valid until it is done
    /// (a kind that is staged is staged here, and the worker packs the staged copy).
    func saveAsync(_ values: UnsafePointer<Float>?, count: Int, request: SaveRequest) throws(DAFError) -> UInt64 {
        let (staged, plan) = try stagedAndPlanned(values.map { UnsafeRawPointer($0) }, count: count, dtype: .float32,
                                                  request: request)
        do throws(DAFError) {
            _ = try PackedLayout(count: count, spec: plan.spec, nonfinite: 0) // size errors belong to the caller
        } catch {
            giveBack(plan.number)
            throw error
        }
        let handle = handleCounter.add(1, ordering: .relaxed).oldValue // relaxed: as in save
        let address = UInt(bitPattern: staged.values)
        let job = WorkerPool.Job { [self] in
            do throws(DAFError) {
                defer { withExtendedLifetime(staged) {} }
                // One thread per async save: the caller's other cores stay free for its compute.
                try packAndAdmit(UnsafePointer<Float>(bitPattern: address), count: count, plan: plan,
                                 handle: handle, parallelism: .serial)
                // Admitted first, then no longer pending: a reader that misses it here finds it there.
                pending.withLock { _ = $0.removeValue(forKey: handle) }
            } catch {
                pending.withLock { $0[handle] = .failed(error) }
            }
        }
        pending.withLock { $0[handle] = .running(job) }
        workers.submit(job)
        return handle
    }

    /// Waits for a pending async save of `handle`; a failed one is reported (and forgotten).
    private func settle(_ handle: UInt64) throws(DAFError) {
        while true {
            guard let entry = pending.withLock({ $0[handle] }) else { return }
            switch entry {
            case .running(let job):
                workers.wait(job)
            case .failed(let error):
                pending.withLock { _ = $0.removeValue(forKey: handle) }
                throw error
            }
        }
    }

    /// daf_wait: the save's status.
    func wait(_ handle: UInt64) throws(DAFError) {
        try settle(handle)
        try withState { state throws(DAFError) in _ = try state.entry(handle) }
    }

    /// Writes the entry's values (its kind's floats) to dst[0..<count].
    func restore(_ handle: UInt64, into dst: UnsafeMutablePointer<Float>?, count: Int) throws(DAFError) {
        let decoded = try restoreStored(handle, into: dst, count: count, expanding: true)
        if let decoded, let dst { KindStaging.finishFloats(dst, count: count, kind: decoded) }
    }

    /// Writes what the entry stores to dst[0..<count]: its decoded floats (then returns the
    /// kind whose finishing is left to the caller), or its callback's values (then returns
    /// nil). With `expanding`, companded values are squared run by run as they are decoded
    /// (then the finishing left is a plain float's: none).
    func restoreStored(_ handle: UInt64, into dst: UnsafeMutablePointer<Float>?, count: Int,
                       expanding: Bool = false) throws(DAFError) -> SaveKind? {
        try settle(handle)
        var (source, kind) = try withState { state throws(DAFError) in
            (try state.fetch(handle, count: count, scratch: scratch, parallelism: parallelism), state.entries[handle]?.kind ?? .float)
        }
        var finish: Codec.Finish? = nil
        if expanding, case .nonnegative = kind {
            finish = { values, n in CompandKernels.expand(values, count: n) }
            kind = .float
        }
        switch source {
        case .pinned(let blob):
            try unpinning(blob) { () throws(DAFError) in
                try Codec.unpack(blob.base, size: blob.size, into: dst, count: count, parallelism: parallelism, finish: finish)
            }
            return kind
        case .packed(let blob, let size, _):
            defer { scratch.give(blob) }
            try Codec.unpack(blob.base, size: size, into: dst, count: count, parallelism: parallelism, finish: finish)
        case .recompute(let hook, _):
            try rebuild(hook, handle, into: dst, count: count)
        }
        try withState { state throws(DAFError) in state.noteRestore(source) }
        if case .recompute = source { return nil }
        return kind
    }

    /// The kind of a saved entry (after its pending save, if any).
    func kind(of handle: UInt64) throws(DAFError) -> SaveKind {
        try settle(handle)
        return try withState { state throws(DAFError) in
            guard let entry = state.entries[handle] else { throw state.unknown(handle) }
            return entry.kind
        }
    }

    func restoreRange(_ handle: UInt64, first: Int, count: Int, into dst: UnsafeMutablePointer<Float>?) throws(DAFError) {
        try settle(handle)
        let (source, kind) = try withState { state throws(DAFError) in
            (try state.fetch(handle, count: nil, scratch: scratch, parallelism: parallelism), state.entries[handle]?.kind ?? .float)
        }
        switch source {
        case .pinned(let blob):
            try unpinning(blob) { () throws(DAFError) in
                try Codec.unpackRange(blob.base, size: blob.size, first: first, count: count, into: dst, parallelism: parallelism)
            }
            if let dst { KindStaging.finishFloats(dst, count: count, kind: kind) }
            return
        case .packed(let blob, let size, _):
            defer { scratch.give(blob) }
            try Codec.unpackRange(blob.base, size: size, first: first, count: count, into: dst, parallelism: parallelism)
            if let dst { KindStaging.finishFloats(dst, count: count, kind: kind) }
        case .recompute(let hook, let total):
            try checkRange(first: first, count: count, total: total)
            // The callback rebuilds the whole tensor; the range is copied out of it.
            let whole = try AlignedBytes(count: total * MemoryLayout<Float>.stride)
            let values = whole.base.bindMemory(to: Float.self, capacity: total)
            try rebuild(hook, handle, into: values, count: total)
            if count > 0, let dst { dst.update(from: values + first, count: count) }
        }
        try withState { state throws(DAFError) in state.noteRestore(source) }
    }

    #if DEBUG
    /// Tests only (debug builds): how long an in-place restore waits between its pin and its
    /// decode, so that racing calls land inside the pinned window (0: no wait).
    let pinnedPauseMicroseconds = Atomic<Int>(0)
    #endif

    /// Runs `decode` on a pinned blob, then unpins it, counting the restore if it succeeded.
    private func unpinning(_ blob: PinnedBlob, _ decode: () throws(DAFError) -> Void) throws(DAFError) {
        #if DEBUG
        // Relaxed: a test's delay, a value on its own; nothing is read through it.
        let pause = pinnedPauseMicroseconds.load(ordering: .relaxed)
        if pause > 0 { usleep(UInt32(pause)) }
        #endif
        do throws(DAFError) {
            try decode()
        } catch {
            try withState { state throws(DAFError) in state.unpin(blob.block) }
            throw error
        }
        try withState { state throws(DAFError) in
            state.unpin(blob.block)
            state.noteRestore(.pinned(blob))
        }
    }

    private func rebuild(_ hook: RecomputeHook, _ handle: UInt64, into dst: UnsafeMutablePointer<Float>?, count: Int) throws(DAFError) {
        // The callback is the caller's code: it runs in the caller's floating-point environment.
        daf_platform_fp_caller_begin()
        let rebuilt = hook.rebuild(handle, into: dst, count: count)
        daf_platform_fp_caller_end()
        guard rebuilt else {
            try withState { state throws(DAFError) in state.figures.recomputeFailures += 1 }
            throw DAFError(DAF_E_RECOMPUTE_FAILED, "the recompute callback of handle \(handle) returned nonzero")
        }
    }

    /// The value count of a saved entry (after a pending save of it has finished): for
    /// argument checks that come after the handle.
    func savedCount(_ handle: UInt64) throws(DAFError) -> Int {
        try settle(handle)
        return try withState { state throws(DAFError) in
            guard let entry = state.entries[handle] else { throw state.unknown(handle) }
            return entry.count
        }
    }

    func release(_ handle: UInt64) throws(DAFError) {
        // The caller may reuse the source buffer once this returns: finish the save first.
        try settle(handle)
        try withState { state throws(DAFError) in try state.release(handle) }
    }

    /// daf_wait_all: every pending save settled; the failure of the lowest handle, if any.
    func waitAll() throws(DAFError) {
        var firstFailure: DAFError?
        for handle in pending.withLock({ $0.keys.sorted() }) {
            do throws(DAFError) {
                try settle(handle)
            } catch {
                if firstFailure == nil { firstFailure = error }
            }
        }
        if let firstFailure { throw firstFailure }
    }

    /// daf_release_all: pending saves finished (their failures dropped), then every entry
    /// released; returns how many were.
    func releaseAll() throws(DAFError) -> Int {
        for handle in pending.withLock({ Array($0.keys) }) { try? settle(handle) }
        return try withState { state throws(DAFError) -> Int in
            let handles = Array(state.entries.keys)
            for handle in handles { try state.release(handle) }
            return handles.count
        }
    }

    func setImportance(_ handle: UInt64, _ importance: Float) throws(DAFError) {
        try settle(handle)
        try withState { state throws(DAFError) in try state.setImportance(handle, importance) }
    }

    /// A budget below the capacity may evict and move pages, which no pin allows: it waits
    /// for the pins to end (each lasts one pack or decode, never a user callback), and bars
    /// new ones meanwhile so that a stream of restores cannot starve it.
    func setBudget(_ bytes: UInt64) throws(DAFError) {
        var barred = false
        defer { if barred { state.withLock { $0.pinsBarred -= 1 } } }
        while true {
            let done = try withState { state throws(DAFError) -> Bool in
                guard state.pins.isEmpty || !state.budgetMovesPages(bytes) else {
                    if !barred { state.pinsBarred += 1 }
                    barred = true
                    return false
                }
                try state.setBudget(bytes)
                return true
            }
            if done { return }
            sched_yield()
        }
    }

    func entry(_ handle: UInt64) throws(DAFError) -> Entry {
        try settle(handle)
        return try withState { state throws(DAFError) in try state.entry(handle) }
    }

    /// The figures, the pool's and the spill file's size, in one snapshot.
    var snapshot: (figures: Figures, pool: PoolFigures, spillFileBytes: Int) {
        state.withLock { ($0.figures, $0.pool.statistics, $0.spill.end) }
    }

    var figures: Figures { snapshot.figures }
}
