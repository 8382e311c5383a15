// SPDX-License-Identifier: MIT
// Making room under the budget: victims in the pool's importance order (least important, then
// oldest, first; the entry being saved is not in the pool yet), each given the first action
// the policy allows - degrade in place, drop for recompute, spill - until the goal is met.
// Nothing is lost: a victim no action applies to stays, and a failed action leaves the victim
// as it was. A pinned block (being packed or decoded in place) is never a victim.
import CDAF

extension StoreState {
    enum RoomGoal {
        /// An allocation of this many pages must fit (free pages plus what the budget allows).
        case freePages(Int)
        /// The blobs may use at most this many pages (a lower budget).
        case usedAtMost(Int)
    }

    private enum StepOutcome {
        case reduced  // still in the pool, smaller: it may be reduced again
        case removed  // out of the pool
        case skipped  // no action applies
    }

    private func isMet(_ goal: RoomGoal) -> Bool {
        switch goal {
        case .freePages(let pages): return pool.canAllocate(pages: pages)
        case .usedAtMost(let pages): return pool.usedPages <= pages
        }
    }

    mutating func makeRoom(_ goal: RoomGoal) throws(DAFError) {
        var failure: DAFError? = nil
        var candidate = pool.leastImportant
        while !isMet(goal) {
            guard candidate != 0 else {
                if let failure { throw failure }
                throw DAFError(DAF_E_BUDGET_EXCEEDED, "the budget of \(pool.budgetBytes) bytes is reached and the policy "
                               + "(\(config.policy.rawValue)) can evict nothing more")
            }
            let next = (try? pool.next(after: candidate)) ?? 0
            do {
                if try evictionStep(candidate) == .reduced { continue }
            } catch {
                failure = error // this victim stays as it was; try the next one
            }
            candidate = next
        }
    }

    private mutating func evictionStep(_ block: UInt64) throws(DAFError) -> StepOutcome {
        // In use outside the lock (StoreState+Pins): as if it were not there.
        if isPinned(block) { return .skipped }
        let handle = try pool.tag(of: block)
        guard var entry = entries[handle] else { throw DAFError(DAF_E_INTERNAL, "block \(block) belongs to no entry") }
        if config.policy.contains(.degrade), !entry.kind.isExact,
           let bits = degradedBits(count: entry.count, bits: entry.bits, size: entry.size, groupSize: entry.groupSize) {
            try degrade(&entry, block: block, to: bits)
            entries[handle] = entry
            return .reduced
        }
        if config.policy.contains(.recompute), entry.recompute != nil {
            try pool.free(block, evicted: true)
            entry.residence = .dropped
            entries[handle] = entry
            figures.livePackedBytes -= entry.size
            figures.droppedEntries += 1
            figures.evictionsRecompute += 1
            return .removed
        }
        if config.policy.contains(.spill) {
            let copy = try AlignedBytes(count: entry.size)
            try pool.read(block, offset: 0, into: copy.base, count: entry.size)
            let extent = try spill.write(handle: handle, blob: copy.base, size: entry.size)
            try pool.free(block, evicted: true)
            entry.residence = .spilled(extent)
            entries[handle] = entry
            figures.livePackedBytes -= entry.size
            figures.spilledEntries += 1
            figures.spilledBytes += entry.size
            figures.evictionsSpill += 1
            return .removed
        }
        return .skipped
    }

    /// The next width for a degrade step of a blob of `count` values, `bits` wide, `size` bytes
    /// (half, not below the floor), or nil when even the floor would not free a page.
    func degradedBits(count: Int, bits: Int, size: Int, groupSize: Int) -> Int? {
        let floor = config.floorBits, group = groupSize
        guard bits > floor,
              let finite = try? PackedLayout(count: count, bits: bits, groupSize: group, nonfinite: 0) else { return nil }
        let nonfinite = (size - finite.totalSize) / PackedLayout.nonfiniteEntryBytes
        guard nonfinite >= 0, nonfinite <= count,
              let atFloor = try? PackedLayout(count: count, bits: floor, groupSize: group, nonfinite: nonfinite),
              pool.config.pages(for: atFloor.totalSize) < pool.config.pages(for: size) else { return nil }
        return max(floor, bits / 2)
    }

    /// Re-quantizes the victim's blob to `bits` in its own block (the new blob is never
    /// larger) and gives back the pages it no longer needs.
    private mutating func degrade(_ entry: inout Entry, block: UInt64, to bits: Int) throws(DAFError) {
        let blob = try AlignedBytes(count: entry.size)
        try pool.read(block, offset: 0, into: blob.base, count: entry.size)
        let size = try StoreState.requantize(blob.base, size: entry.size, count: entry.count, to: bits)
        try pool.write(block, offset: 0, from: blob.base, count: size)
        try pool.truncate(block, toBytes: size)
        pool.noteEviction()
        figures.livePackedBytes -= entry.size - size
        if entry.bits == entry.savedBits { figures.degradedEntries += 1 }
        figures.evictionsDegrade += 1
        entry.bits = bits
        entry.size = size
    }

    /// Decodes blob[0..<size] (`count` values) and packs the values again, `bits` wide, with the
    /// blob's group size, rounding and seed, into the same buffer; returns the new size, which
    /// is never larger. Bits 0 keeps only each group's midpoint.
    static func requantize(_ blob: UnsafeMutableRawPointer, size: Int, count: Int, to bits: Int) throws(DAFError) -> Int {
        let header = try BlobHeader.read(blob, size: size)
        let values = try AlignedBytes(count: count * MemoryLayout<Float>.stride)
        let floats = values.base.bindMemory(to: Float.self, capacity: count)
        try Codec.unpack(blob, size: size, into: floats, count: count)
        let spec = try QuantSpec(bits: UInt32(bits), groupSize: UInt32(header.spec.groupSize),
                                 rounding: UInt32(header.spec.rounding.rawValue), seed: header.spec.seed,
                                 allowsRangeOnly: true)
        return try Codec.pack(floats, count: count, spec: spec, into: blob, capacity: size)
    }
}
