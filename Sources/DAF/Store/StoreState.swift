// SPDX-License-Identifier: MIT
// What a context guards with its lock: the saved entries by handle, the pool holding their
// packed blobs, the spill file, and the figures of daf_stats. Storage only: packing and
// unpacking happen outside the lock (ActivationStore); eviction is in StoreState+Eviction.
import CDAF

/// The user's way to rebuild a dropped entry: the C callback and its user pointer, which
/// libdaf never dereferences (hence Sendable by fiat).
struct RecomputeHook: @unchecked Sendable {
    let function: daf_recompute_fn
    let user: UnsafeMutableRawPointer?

    /// Runs the callback into dst[0..<count]; true on success.
    func rebuild(_ handle: UInt64, into dst: UnsafeMutablePointer<Float>?, count: Int) -> Bool {
        function(user, handle, dst, count) == 0
    }
}

/// Where an entry's data is.
enum Residence {
    case pool(block: UInt64)
    case spilled(SpillFile.Extent)
    case dropped
}

struct Entry {
    let count: Int
    /// Bytes of its packed blob (smaller once degraded).
    var size: Int
    var bits: Int
    let savedBits: Int
    var importance: Float
    var residence: Residence
    let recompute: RecomputeHook?
    /// What the tensor is (kinds change how it is staged and restored; exact ones never degrade).
    var kind = SaveKind.float
    /// Its blob's group size.
    var groupSize = 0
}

/// What a restore needs, taken out of the lock.
enum FetchedEntry: Sendable {
    /// The blob in the pool's pages, pinned: the caller unpins it.
    case pinned(PinnedBlob)
    case packed(AlignedBytes, size: Int, fromSpill: Bool)
    case recompute(RecomputeHook, count: Int)
}

struct Figures {
    var liveEntries = 0, livePackedBytes = 0, liveFP32Bytes = 0
    var peakPackedBytes = 0, peakFP32Bytes = 0
    var saves = 0, restores = 0, releases = 0
    var evictionsDegrade = 0, evictionsSpill = 0, evictionsRecompute = 0, budgetRefusals = 0
    var degradedEntries = 0, spilledEntries = 0, spilledBytes = 0, droppedEntries = 0
    var spillRestores = 0, recomputeRestores = 0, recomputeFailures = 0

    /// Evictions of any kind and budget refusals so far.
    var reactions: Int { evictionsDegrade + evictionsSpill + evictionsRecompute + budgetRefusals }
}

struct StoreState: ~Copyable {
    let config: StoreConfig
    var entries: [UInt64: Entry] = [:]
    var figures = Figures()
    var pool: PagePool
    let spill: SpillFile
    /// Blocks in use outside the lock, by block (StoreState+Pins).
    var pins: [UInt64: Pin] = [:]
    /// Lowerings of the budget waiting for the pins to end: no new pin is taken meanwhile.
    var pinsBarred = 0
    var inPlace = InPlaceAccess()
    var planner: SlotPlanner
    /// Figures.reactions when the first plan was made (nil before).
    var reactionsAtFirstPlan: Int? = nil

    init(_ config: StoreConfig) throws(DAFError) {
        self.config = config
        planner = SlotPlanner(config.plan)
        pool = try PagePool(config.pool)
        spill = SpillFile(directory: config.spillDirectory)
    }

    func unknown(_ handle: UInt64) -> DAFError {
        DAFError(DAF_E_UNKNOWN_HANDLE, "handle \(handle) is not saved in this context (zero, released, or another context's)")
    }

    /// Keeps blob[0..<size] as entry `handle`, evicting others first if the budget needs it.
    /// When they cannot make room, the entry itself is the last resort, under the same policy:
    /// degraded in `blob` (which it may overwrite), dropped if it has a recompute callback, or
    /// written straight to the spill file. Only then is the save refused.
    /// `parallelism` copies a large blob into the pool's pages.
    mutating func admit(handle: UInt64, blob: UnsafeMutableRawPointer, size: Int, count: Int, bits: Int,
                        importance: Float, recompute: RecomputeHook?, kind: SaveKind = .float, groupSize: Int? = nil,
                        parallelism: Parallelism = .serial) throws(DAFError) {
        var size = size, bits = bits
        let savedBits = bits, groupSize = groupSize ?? config.defaults.groupSize
        func entry(_ residence: Residence) -> Entry {
            Entry(count: count, size: size, bits: bits, savedBits: savedBits, importance: importance,
                  residence: residence, recompute: recompute, kind: kind, groupSize: groupSize)
        }
        while true {
            let failure: DAFError
            do {
                let block = try allocateRoom(handle: handle, size: size, importance: importance)
                try pool.write(block, offset: 0, from: blob, count: size, parallelism: parallelism)
                figures.livePackedBytes += size
                record(handle, entry(.pool(block: block)))
                return
            } catch where error.status == DAF_E_BUDGET_EXCEEDED.code || error.status == DAF_E_IO.code {
                failure = error
            }
            if config.policy.contains(.degrade), !kind.isExact,
               let lower = degradedBits(count: count, bits: bits, size: size, groupSize: groupSize) {
                size = try StoreState.requantize(blob, size: size, count: count, to: lower)
                bits = lower
                figures.evictionsDegrade += 1
                continue
            }
            if config.policy.contains(.recompute), recompute != nil {
                figures.droppedEntries += 1
                figures.evictionsRecompute += 1
                record(handle, entry(.dropped))
                return
            }
            if config.policy.contains(.spill) {
                let extent = try spill.write(handle: handle, blob: blob, size: size)
                figures.spilledEntries += 1
                figures.spilledBytes += size
                figures.evictionsSpill += 1
                record(handle, entry(.spilled(extent)))
                return
            }
            if failure.status == DAF_E_BUDGET_EXCEEDED.code { figures.budgetRefusals += 1 }
            throw failure
        }
    }

    /// A block of `size` bytes for entry `handle`, after evicting others if the budget needs it.
    mutating func allocateRoom(handle: UInt64, size: Int, importance: Float) throws(DAFError) -> UInt64 {
        let pages = pool.config.pages(for: size)
        guard pages <= pool.budgetPages else {
            throw DAFError(DAF_E_BUDGET_EXCEEDED, "the packed tensor takes \(pages) pages of \(pool.pageSize) bytes; "
                           + "the whole budget of \(pool.budgetBytes) bytes holds \(pool.budgetPages)")
        }
        try makeRoom(.freePages(pages))
        return try pool.allocate(bytes: size, importance: importance, tag: handle)
    }

    /// Keeps and counts a new entry (its residence's own figures are the caller's).
    mutating func record(_ handle: UInt64, _ entry: Entry) {
        entries[handle] = entry
        if entry.bits < entry.savedBits { figures.degradedEntries += 1 }
        figures.liveEntries += 1
        figures.liveFP32Bytes += entry.count * 4
        figures.peakPackedBytes = max(figures.peakPackedBytes, figures.livePackedBytes)
        figures.peakFP32Bytes = max(figures.peakFP32Bytes, figures.liveFP32Bytes)
        figures.saves += 1
    }

    /// The entry's packed blob in place, pinned (when its pages are contiguous), or a copy of
    /// it (in a buffer from `scratch`, for the caller to give back), or its recompute callback.
    /// `count`, when given, must be the entry's count. `parallelism` copies a large blob out
    /// of the pool's pages.
    mutating func fetch(_ handle: UInt64, count: Int?, scratch: ScratchBlobs, parallelism: Parallelism = .serial) throws(DAFError) -> FetchedEntry {
        guard let entry = entries[handle] else { throw unknown(handle) }
        if let count, count != entry.count {
            throw DAFError(DAF_E_SIZE_MISMATCH, "count is \(count) but handle \(handle) holds \(entry.count) values")
        }
        switch entry.residence {
        case .pool(let block):
            if let pinned = try pinForReading(block, size: entry.size) { return .pinned(pinned) }
            let copy = try scratch.take(atLeast: entry.size)
            try pool.read(block, offset: 0, into: copy.base, count: entry.size, parallelism: parallelism)
            return .packed(copy, size: entry.size, fromSpill: false)
        case .spilled(let extent):
            let copy = try scratch.take(atLeast: entry.size)
            try spill.read(extent, handle: handle, into: copy.base, size: entry.size)
            return .packed(copy, size: entry.size, fromSpill: true)
        case .dropped:
            guard let hook = entry.recompute else {
                throw DAFError(DAF_E_INTERNAL, "handle \(handle) was dropped without a recompute callback")
            }
            return .recompute(hook, count: entry.count)
        }
    }

    mutating func noteRestore(_ source: FetchedEntry) {
        figures.restores += 1
        switch source {
        case .pinned: break
        case .packed(_, _, let fromSpill): if fromSpill { figures.spillRestores += 1 }
        case .recompute: figures.recomputeRestores += 1
        }
    }

    mutating func release(_ handle: UInt64) throws(DAFError) {
        guard let entry = entries.removeValue(forKey: handle) else { throw unknown(handle) }
        switch entry.residence {
        case .pool(let block):
            // A restore decoding it in place frees it when done (StoreState+Pins).
            if isPinned(block) { pins[block]?.released = true } else { try pool.free(block) }
            figures.livePackedBytes -= entry.size
        case .spilled(let extent):
            spill.release(extent)
            figures.spilledEntries -= 1
            figures.spilledBytes -= entry.size
        case .dropped:
            figures.droppedEntries -= 1
        }
        if entry.bits < entry.savedBits { figures.degradedEntries -= 1 }
        figures.liveEntries -= 1
        figures.liveFP32Bytes -= entry.count * 4
        figures.releases += 1
    }

    mutating func setImportance(_ handle: UInt64, _ importance: Float) throws(DAFError) {
        guard let entry = entries[handle] else { throw unknown(handle) }
        if case .pool(let block) = entry.residence { try pool.setImportance(block, importance) }
        entries[handle]?.importance = importance
    }

    /// Lowers (evicting first) or raises the pool's budget.
    mutating func setBudget(_ bytes: UInt64) throws(DAFError) {
        let pages = PoolConfig.budgetPages(bytes, pageSize: pool.pageSize)
        if pages < pool.usedPages {
            do { try makeRoom(.usedAtMost(pages)) } catch {
                if error.status == DAF_E_BUDGET_EXCEEDED.code { figures.budgetRefusals += 1 }
                throw error
            }
        }
        try pool.setBudget(bytes)
    }

    /// A live entry (daf_handle_info describes it).
    func entry(_ handle: UInt64) throws(DAFError) -> Entry {
        guard let entry = entries[handle] else { throw unknown(handle) }
        return entry
    }
}
