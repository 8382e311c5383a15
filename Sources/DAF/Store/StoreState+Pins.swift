// SPDX-License-Identifier: MIT
// Pins: how a blob's bytes are packed into, or decoded from, the pool's pages in place, outside
// the context's lock. While a block is pinned nothing frees, moves or rewrites its pages:
// eviction passes it over (as if the entry were not there), a release of its entry is carried
// out by the last unpin, and a lower budget (which may move pages) waits until no pin is left.
// Not the decoding or packing itself: that is ActivationStore's.
import CDAF

/// A block in use outside the lock: its pages' first byte and the blob's size in bytes.
struct PinnedBlob: @unchecked Sendable { // the pointer is only used while the pin holds
    let block: UInt64
    let base: UnsafeMutableRawPointer
    let size: Int
}

/// The pins on one block.
struct Pin {
    var count = 1
    /// The entry was released meanwhile: the last unpin frees the block.
    var released = false
}

/// The tallies of the in-place paths and, in debug builds (the tests), their switch; not part
/// of daf_stats.
struct InPlaceAccess {
    #if DEBUG
    /// Off: every save and restore copies, as the copying paths alone would.
    var enabled = true
    #endif
    var saves = 0, restores = 0
}

extension StoreState {
    /// Whether a new pin may be taken now.
    private var pinsAllowed: Bool {
        #if DEBUG
        guard inPlace.enabled else { return false }
        #endif
        return pinsBarred == 0
    }

    func isPinned(_ block: UInt64) -> Bool { !pins.isEmpty && pins[block] != nil }

    /// Pins the block of an entry in the pool for reading, when its pages are contiguous.
    mutating func pinForReading(_ block: UInt64, size: Int) throws(DAFError) -> PinnedBlob? {
        guard pinsAllowed, let base = try pool.contiguousBase(of: block) else { return nil }
        pins[block, default: Pin(count: 0)].count += 1
        inPlace.restores += 1
        return PinnedBlob(block: block, base: base, size: size)
    }

    /// Ends one pin; the last one of a released entry frees its block.
    mutating func unpin(_ block: UInt64) {
        guard var pin = pins[block] else { return assertionFailure("block \(block) is not pinned") }
        pin.count -= 1
        guard pin.count == 0 else { pins[block] = pin; return }
        pins[block] = nil
        if pin.released { try? pool.free(block) }
    }

    /// A pinned block for a blob of exactly `size` bytes, to pack into in place before it
    /// becomes entry `handle`; others are evicted for it as admit would. Nil (and nothing
    /// allocated) when no contiguous block can be had without the entry's own last resort:
    /// then the caller packs elsewhere and admits as before.
    mutating func reserveForPacking(handle: UInt64, size: Int, importance: Float) -> PinnedBlob? {
        guard pinsAllowed, let block = try? allocateRoom(handle: handle, size: size, importance: importance) else { return nil }
        guard let base = try? pool.contiguousBase(of: block) else {
            try? pool.cancel(block)
            return nil
        }
        pins[block] = Pin()
        return PinnedBlob(block: block, base: base, size: size)
    }

    /// Gives a reserved block back unused (the pack failed or found NaN/Inf).
    mutating func cancelReservation(_ reserved: PinnedBlob) {
        pins[reserved.block] = nil
        try? pool.cancel(reserved.block)
    }

    /// Makes a reserved block, packed with `size` bytes, entry `handle`: counted as admit counts.
    mutating func publish(_ reserved: PinnedBlob, size: Int, handle: UInt64, count: Int, bits: Int,
                          importance: Float, recompute: RecomputeHook?, kind: SaveKind = .float,
                          groupSize: Int? = nil) throws(DAFError) {
        if size < reserved.size { try pool.truncate(reserved.block, toBytes: size) }
        pins[reserved.block] = nil
        inPlace.saves += 1
        figures.livePackedBytes += size
        record(handle, Entry(count: count, size: size, bits: bits, savedBits: bits, importance: importance,
                             residence: .pool(block: reserved.block), recompute: recompute, kind: kind,
                             groupSize: groupSize ?? config.defaults.groupSize))
    }

    /// Whether a budget of `bytes` may evict or move pages (PagePool+Shrink): it must not
    /// while a pin holds (see ActivationStore.setBudget).
    func budgetMovesPages(_ bytes: UInt64) -> Bool {
        PoolConfig.budgetPages(bytes, pageSize: pool.pageSize) < pool.capacityPages
    }
}
