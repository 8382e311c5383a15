// The context behind daf_context: saved activations by handle, each a packed blob kept in the
// context's paged pool under its memory budget (StoreState), with the figures of daf_stats.
// Thread-safe: a mutex guards the state; packing and unpacking run outside it, on a blob
// packed before storing and on a copy fetched for restoring. Recompute callbacks also run
// outside it.
import CDAF
import Synchronization

final class ActivationStore: Sendable {
    let defaults: QuantSpec
    private let state: Mutex<StoreState>
    private let saveNumber = Atomic<UInt64>(0)

    init(_ config: StoreConfig) throws(DAFError) {
        defaults = config.defaults
        state = Mutex(try StoreState(config))
    }

    /// Runs `body` on the locked state (also for tests).
    func withState<Result: Sendable>(_ body: (inout StoreState) throws(DAFError) -> Result) throws(DAFError) -> Result {
        try state.withLock { (state: inout StoreState) throws(DAFError) -> Result in try body(&state) }
    }

    /// Packs and keeps values[0..<count]; bits 0 means the context's default.
    func save(_ values: UnsafePointer<Float>?, count: Int, bits: UInt32, importance: Float,
              recompute: RecomputeHook? = nil) throws(DAFError) -> UInt64 {
        let spec = try QuantSpec(bits: bits == 0 ? UInt32(defaults.bits) : bits, groupSize: UInt32(defaults.groupSize),
                                 rounding: UInt32(defaults.rounding.rawValue),
                                 seed: defaults.seed &+ saveNumber.add(1, ordering: .relaxed).oldValue)
        // The finite-data size first; NaN/Inf values need a second, exact-size attempt.
        var blob = try AlignedBytes(count: PackedLayout(count: count, spec: spec, nonfinite: 0).totalSize)
        let size: Int
        do {
            size = try Codec.pack(values, count: count, spec: spec, into: blob.base, capacity: blob.count)
        } catch where error.status == DAF_E_DST_TOO_SMALL.code {
            blob = try AlignedBytes(count: error.needed)
            size = try Codec.pack(values, count: count, spec: spec, into: blob.base, capacity: blob.count)
        }
        let handle = handleCounter.add(1, ordering: .relaxed).oldValue
        try withState { state throws(DAFError) in
            try state.admit(handle: handle, blob: blob.base, size: size, count: count, bits: spec.bits,
                            importance: importance, recompute: recompute)
        }
        return handle
    }

    func restore(_ handle: UInt64, into dst: UnsafeMutablePointer<Float>?, count: Int) throws(DAFError) {
        let source = try withState { state throws(DAFError) in try state.fetch(handle, count: count) }
        switch source {
        case .packed(let blob, let size, _):
            try Codec.unpack(blob.base, size: size, into: dst, count: count)
        case .recompute(let hook, _):
            try rebuild(hook, handle, into: dst, count: count)
        }
        try withState { state throws(DAFError) in state.noteRestore(source) }
    }

    func restoreRange(_ handle: UInt64, first: Int, count: Int, into dst: UnsafeMutablePointer<Float>?) throws(DAFError) {
        let source = try withState { state throws(DAFError) in try state.fetch(handle, count: nil) }
        switch source {
        case .packed(let blob, let size, _):
            try Codec.unpackRange(blob.base, size: size, first: first, count: count, into: dst)
        case .recompute(let hook, let total):
            guard first <= total, count <= total - first else {
                throw DAFError(DAF_E_OUT_OF_RANGE, "range [\(first), \(first) + \(count)) exceeds the \(total) values of handle \(handle)")
            }
            // The callback rebuilds the whole tensor; the range is copied out of it.
            let whole = try AlignedBytes(count: total * MemoryLayout<Float>.stride)
            let values = whole.base.bindMemory(to: Float.self, capacity: total)
            try rebuild(hook, handle, into: values, count: total)
            if count > 0, let dst { dst.update(from: values + first, count: count) }
        }
        try withState { state throws(DAFError) in state.noteRestore(source) }
    }

    private func rebuild(_ hook: RecomputeHook, _ handle: UInt64, into dst: UnsafeMutablePointer<Float>?, count: Int) throws(DAFError) {
        guard hook.rebuild(handle, into: dst, count: count) else {
            try withState { state throws(DAFError) in state.figures.recomputeFailures += 1 }
            throw DAFError(DAF_E_RECOMPUTE_FAILED, "the recompute callback of handle \(handle) returned nonzero")
        }
    }

    func release(_ handle: UInt64) throws(DAFError) {
        try withState { state throws(DAFError) in try state.release(handle) }
    }

    func setImportance(_ handle: UInt64, _ importance: Float) throws(DAFError) {
        try withState { state throws(DAFError) in try state.setImportance(handle, importance) }
    }

    func setBudget(_ bytes: UInt64) throws(DAFError) {
        try withState { state throws(DAFError) in try state.setBudget(bytes) }
    }

    func info(_ handle: UInt64) throws(DAFError) -> daf_entry_info {
        try withState { state throws(DAFError) in try state.info(handle) }
    }

    /// The figures, the pool's and the spill file's size, in one snapshot.
    var snapshot: (figures: Figures, pool: daf_pool_statistics, spillFileBytes: Int) {
        state.withLock { ($0.figures, $0.pool.statistics, $0.spill.end) }
    }

    var figures: Figures { snapshot.figures }
}
