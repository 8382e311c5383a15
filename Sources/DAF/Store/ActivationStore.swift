// The context behind daf_context: saved activations by handle, each a packed blob, with the
// figures of daf_stats. Thread-safe: a mutex guards the table; packing and unpacking run
// outside it, on blobs kept alive by reference counting. Owns the context's worker threads,
// which split large saves and restores and run async saves. Not the pool (budget, eviction).
import CDAF
import Synchronization

final class SavedActivation: Sendable {
    let blob: AlignedBytes
    let size: Int
    let count: Int

    init(blob: AlignedBytes, size: Int, count: Int) {
        self.blob = blob
        self.size = size
        self.count = count
    }
}

final class ActivationStore: Sendable {
    /// A handle's state: packed, or being packed by a worker (async), or failed while packing.
    enum Content {
        case saved(SavedActivation)
        case pending(WorkerPool.Job)
        case failed(DAFError)
    }

    struct Entry {
        var content: Content
        var importance: Float
        let count: Int
    }

    struct Figures {
        var liveEntries = 0, livePackedBytes = 0, liveFP32Bytes = 0
        var peakPackedBytes = 0, peakFP32Bytes = 0
        var saves = 0, restores = 0, releases = 0
    }

    private struct State: @unchecked Sendable {
        var entries: [UInt64: Entry] = [:]
        var figures = Figures()
    }

    let defaults: QuantSpec
    let threads: Int
    private let workers: WorkerPool
    private let state = Locked(State())
    private let saveNumber = Atomic<UInt64>(0)

    static let maximumThreads = 256

    /// threads: per call, the caller included (already resolved: 1...256).
    init?(defaults: QuantSpec, threads: Int) {
        guard let workers = WorkerPool(workers: max(threads - 1, 1)) else { return nil }
        self.defaults = defaults
        self.threads = threads
        self.workers = workers
    }

    /// Finishes queued async saves and joins the workers (daf_destroy).
    func close() { workers.shutdown() }

    private var parallelism: Parallelism { Parallelism(pool: workers, helpers: threads - 1) }

    private func spec(bits: UInt32) throws(DAFError) -> QuantSpec {
        try QuantSpec(bits: bits == 0 ? UInt32(defaults.bits) : bits, groupSize: UInt32(defaults.groupSize),
                      rounding: UInt32(defaults.rounding.rawValue),
                      seed: defaults.seed &+ saveNumber.add(1, ordering: .relaxed).oldValue)
    }

    /// Packs values into a blob of exactly the right size.
    private static func pack(_ values: UnsafePointer<Float>?, count: Int, spec: QuantSpec,
                             parallelism: Parallelism) throws(DAFError) -> SavedActivation {
        // The finite-data size first; NaN/Inf values need a second, exact-size attempt.
        var blob = try AlignedBytes(count: PackedLayout(count: count, spec: spec, nonfinite: 0).totalSize)
        let size: Int
        do {
            size = try Codec.pack(values, count: count, spec: spec, into: blob.base, capacity: blob.count, parallelism: parallelism)
        } catch where error.status == DAF_E_DST_TOO_SMALL.code {
            blob = try AlignedBytes(count: error.needed)
            size = try Codec.pack(values, count: count, spec: spec, into: blob.base, capacity: blob.count, parallelism: parallelism)
        }
        return SavedActivation(blob: blob, size: size, count: count)
    }

    /// Packs and keeps values[0..<count]; bits 0 means the context's default.
    func save(_ values: UnsafePointer<Float>?, count: Int, bits: UInt32, importance: Float) throws(DAFError) -> UInt64 {
        let activation = try ActivationStore.pack(values, count: count, spec: spec(bits: bits), parallelism: parallelism)
        let handle = handleCounter.add(1, ordering: .relaxed).oldValue
        state.withLock { state in
            state.entries[handle] = Entry(content: .saved(activation), importance: importance, count: count)
            state.figures.saves += 1
            ActivationStore.account(activation, into: &state.figures)
        }
        return handle
    }

    /// Registers the handle now and packs on a worker; values must stay valid until it is done.
    func saveAsync(_ values: UnsafePointer<Float>?, count: Int, bits: UInt32, importance: Float) throws(DAFError) -> UInt64 {
        let spec = try spec(bits: bits)
        _ = try PackedLayout(count: count, spec: spec, nonfinite: 0) // size errors belong to the caller
        let handle = handleCounter.add(1, ordering: .relaxed).oldValue
        let address = UInt(bitPattern: values)
        let job = WorkerPool.Job { [self] in
            let values = UnsafePointer<Float>(bitPattern: address)
            let outcome: Content
            do throws(DAFError) {
                outcome = .saved(try ActivationStore.pack(values, count: count, spec: spec, parallelism: .serial))
            } catch {
                outcome = .failed(error)
            }
            state.withLock { state in
                // Released meanwhile? Then the entry is gone and the result is simply dropped.
                guard state.entries[handle] != nil else { return }
                state.entries[handle]!.content = outcome
                if case .saved(let activation) = outcome {
                    state.figures.saves += 1
                    ActivationStore.account(activation, into: &state.figures)
                }
            }
        }
        state.withLock { $0.entries[handle] = Entry(content: .pending(job), importance: importance, count: count) }
        workers.submit(job)
        return handle
    }

    private static func account(_ activation: SavedActivation, into f: inout Figures) {
        f.liveEntries += 1
        f.livePackedBytes += activation.size
        f.liveFP32Bytes += activation.count * 4
        f.peakPackedBytes = max(f.peakPackedBytes, f.livePackedBytes)
        f.peakFP32Bytes = max(f.peakFP32Bytes, f.liveFP32Bytes)
    }

    private func unknown(_ handle: UInt64) -> DAFError {
        DAFError(DAF_E_UNKNOWN_HANDLE, "handle \(handle) is not saved in this context (zero, released, or another context's)")
    }

    /// The handle's packed data, after waiting for a pending async save. A failed save is
    /// reported (and forgotten) here.
    private func completed(_ handle: UInt64) throws(DAFError) -> SavedActivation {
        while true {
            guard let content = state.withLock({ $0.entries[handle]?.content }) else { throw unknown(handle) }
            switch content {
            case .saved(let activation):
                return activation
            case .pending(let job):
                workers.wait(job)
            case .failed(let error):
                state.withLock { _ = $0.entries.removeValue(forKey: handle) }
                throw error
            }
        }
    }

    func wait(_ handle: UInt64) throws(DAFError) {
        _ = try completed(handle)
    }

    func restore(_ handle: UInt64, into dst: UnsafeMutablePointer<Float>?, count: Int) throws(DAFError) {
        let saved = try completed(handle)
        guard count == saved.count else {
            throw DAFError(DAF_E_SIZE_MISMATCH, "count is \(count) but handle \(handle) holds \(saved.count) values")
        }
        try Codec.unpack(saved.blob.base, size: saved.size, into: dst, count: count, parallelism: parallelism)
        state.withLock { $0.figures.restores += 1 }
    }

    func restoreRange(_ handle: UInt64, first: Int, count: Int, into dst: UnsafeMutablePointer<Float>?) throws(DAFError) {
        let saved = try completed(handle)
        try Codec.unpackRange(saved.blob.base, size: saved.size, first: first, count: count, into: dst, parallelism: parallelism)
        state.withLock { $0.figures.restores += 1 }
    }

    func release(_ handle: UInt64) throws(DAFError) {
        // The caller's source buffer may be reused after this returns: finish the save first.
        _ = try completed(handle)
        let released = state.withLock { state -> Bool in
            guard let entry = state.entries.removeValue(forKey: handle), case .saved(let activation) = entry.content else {
                return false
            }
            state.figures.liveEntries -= 1
            state.figures.livePackedBytes -= activation.size
            state.figures.liveFP32Bytes -= activation.count * 4
            state.figures.releases += 1
            return true
        }
        guard released else { throw unknown(handle) }
    }

    func setImportance(_ handle: UInt64, _ importance: Float) throws(DAFError) {
        let found = state.withLock { state -> Bool in
            guard state.entries[handle] != nil else { return false }
            state.entries[handle]!.importance = importance
            return true
        }
        guard found else { throw unknown(handle) }
    }

    var figures: Figures { state.withLock { $0.figures } }
}
