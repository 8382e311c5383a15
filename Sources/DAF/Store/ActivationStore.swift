// The context behind daf_context: saved activations by handle, each a packed blob, with the
// figures of daf_stats. Thread-safe: a mutex guards the table; packing and unpacking run
// outside it, on blobs kept alive by reference counting. Not the pool (budget, eviction).
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
    struct Entry {
        let activation: SavedActivation
        var importance: Float
    }

    struct Figures {
        var liveEntries = 0, livePackedBytes = 0, liveFP32Bytes = 0
        var peakPackedBytes = 0, peakFP32Bytes = 0
        var saves = 0, restores = 0, releases = 0
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var figures = Figures()
    }

    let defaults: QuantSpec
    private let state = Mutex(State())
    private let saveNumber = Atomic<UInt64>(0)

    init(defaults: QuantSpec) {
        self.defaults = defaults
    }

    /// Packs and keeps values[0..<count]; bits 0 means the context's default.
    func save(_ values: UnsafePointer<Float>?, count: Int, bits: UInt32, importance: Float) throws(DAFError) -> UInt64 {
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
        let activation = SavedActivation(blob: blob, size: size, count: count)
        let handle = handleCounter.add(1, ordering: .relaxed).oldValue
        state.withLock { state in
            state.entries[handle] = Entry(activation: activation, importance: importance)
            var f = state.figures
            f.liveEntries += 1
            f.livePackedBytes += size
            f.liveFP32Bytes += count * 4
            f.peakPackedBytes = max(f.peakPackedBytes, f.livePackedBytes)
            f.peakFP32Bytes = max(f.peakFP32Bytes, f.liveFP32Bytes)
            f.saves += 1
            state.figures = f
        }
        return handle
    }

    private func activation(_ handle: UInt64) throws(DAFError) -> SavedActivation {
        guard let entry = state.withLock({ $0.entries[handle] }) else { throw unknown(handle) }
        return entry.activation
    }

    private func unknown(_ handle: UInt64) -> DAFError {
        DAFError(DAF_E_UNKNOWN_HANDLE, "handle \(handle) is not saved in this context (zero, released, or another context's)")
    }

    func restore(_ handle: UInt64, into dst: UnsafeMutablePointer<Float>?, count: Int) throws(DAFError) {
        let saved = try activation(handle)
        guard count == saved.count else {
            throw DAFError(DAF_E_SIZE_MISMATCH, "count is \(count) but handle \(handle) holds \(saved.count) values")
        }
        try Codec.unpack(saved.blob.base, size: saved.size, into: dst, count: count)
        state.withLock { $0.figures.restores += 1 }
    }

    func restoreRange(_ handle: UInt64, first: Int, count: Int, into dst: UnsafeMutablePointer<Float>?) throws(DAFError) {
        let saved = try activation(handle)
        try Codec.unpackRange(saved.blob.base, size: saved.size, first: first, count: count, into: dst)
        state.withLock { $0.figures.restores += 1 }
    }

    func release(_ handle: UInt64) throws(DAFError) {
        let released = state.withLock { state -> Bool in
            guard let entry = state.entries.removeValue(forKey: handle) else { return false }
            state.figures.liveEntries -= 1
            state.figures.livePackedBytes -= entry.activation.size
            state.figures.liveFP32Bytes -= entry.activation.count * 4
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
