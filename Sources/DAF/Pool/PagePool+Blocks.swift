// SPDX-License-Identifier: MIT
// Blocks of the paged pool: handles (slot and generation), allocation, free, truncation, and
// the importance order that eviction follows. Their contents are PagePool+Copies.swift.
import CDAF

extension PagePool {
    /// The slot of a live block, or DAF_E_UNKNOWN_HANDLE.
    @inline(__always)
    func slot(of block: UInt64) throws(DAFError) -> Int {
        let slot = Int(block & PagePool.slotMask), generation = block >> PagePool.slotBits
        guard slot > 0, slot < blockLimit, blocks[slot].isLive, blocks[slot].generation == generation else {
            throw PagePool.unknown(block)
        }
        return slot
    }

    @inline(never)
    static func unknown(_ block: UInt64) -> DAFError {
        DAFError(DAF_E_UNKNOWN_HANDLE, "block \(block) is not live in this pool (zero, freed, or never allocated)")
    }

    func handle(ofSlot slot: Int) -> UInt64 { blocks[slot].generation << PagePool.slotBits | UInt64(slot) }

    private mutating func takeSlot() throws(DAFError) -> Int {
        if freeSlotHead != 0 {
            let slot = Int(freeSlotHead)
            freeSlotHead = blocks[slot].nextFreeSlot
            return slot
        }
        guard blockLimit <= PagePool.maxSlots else {
            throw DAFError(DAF_E_NO_MEMORY, "the pool already holds \(PagePool.maxSlots) blocks, its most")
        }
        try blocks.reserve(blockLimit + 1, filling: BlockRecord())
        try tree.reserve(nodes: blockLimit + 1)
        blockLimit += 1
        return blockLimit - 1
    }

    /// Allocates a block of `bytes` bytes; `tag` is the owner's note (the context's handle).
    mutating func allocate(bytes: Int, importance: Float, tag: UInt64 = 0) throws(DAFError) -> UInt64 {
        guard bytes >= 0, bytes <= PagePool.maxBlockBytes else {
            throw .overflow("bytes is \(UInt(bitPattern: bytes)); at most \(PagePool.maxBlockBytes)")
        }
        let n = config.pages(for: bytes)
        try reserve(n)
        let slot = try takeSlot()
        let pages = takePages(n)
        var record = blocks[slot]
        record.generation += 1
        record.isLive = true
        record.head = pages.head
        record.tail = pages.tail
        record.home = pages.home
        record.pages = n
        record.bytes = bytes
        record.tag = tag
        blocks[slot] = record
        tree.insert(UInt32(slot), importance: importance + 0, age: nextAge) // + 0 folds -0 into +0
        nextAge += 1
        counters.liveBlocks += 1
        counters.liveBytes += bytes
        counters.peakLiveBytes = max(counters.peakLiveBytes, counters.liveBytes)
        counters.allocs += 1
        return handle(ofSlot: slot)
    }

    /// Frees a block; `evicted` counts it as an eviction rather than a free.
    mutating func free(_ block: UInt64, evicted: Bool = false) throws(DAFError) {
        let slot = try slot(of: block)
        if evicted { counters.evictions += 1 } else { counters.frees += 1 }
        discard(slot, trimming: config.autoTrim)
    }

    /// Undoes the allocation of a block that was never used (a context's no-copy save that
    /// falls back to packing elsewhere): it counts as neither an allocation nor a free, and no
    /// chunk is unmapped, so the allocation that follows finds the pool as it was.
    mutating func cancel(_ block: UInt64) throws(DAFError) {
        let slot = try slot(of: block)
        counters.allocs -= 1
        discard(slot, trimming: false)
    }

    private mutating func discard(_ slot: Int, trimming: Bool) {
        let record = blocks[slot]
        tree.remove(UInt32(slot))
        releasePages(head: record.head, tail: record.tail, count: record.pages, home: record.home, trimming: trimming)
        counters.liveBlocks -= 1
        counters.liveBytes -= record.bytes
        var cleared = BlockRecord()
        cleared.generation = record.generation
        if record.generation < PagePool.maxGeneration {
            cleared.nextFreeSlot = freeSlotHead
            freeSlotHead = UInt32(slot)
        }
        blocks[slot] = cleared
    }

    /// Shrinks a block to `bytes` (at most its size), freeing the pages it no longer needs.
    mutating func truncate(_ block: UInt64, toBytes bytes: Int) throws(DAFError) {
        let slot = try slot(of: block)
        let record = blocks[slot]
        guard bytes >= 0, bytes <= record.bytes else {
            throw DAFError(DAF_E_OUT_OF_RANGE, "block \(block) has \(record.bytes) bytes; cannot truncate it to \(bytes)")
        }
        let keep = config.pages(for: bytes)
        if keep < record.pages {
            var restHead = record.head
            if keep == 0 {
                blocks[slot].head = PagePool.endOfList
                blocks[slot].tail = PagePool.endOfList
            } else {
                var last = record.head
                for _ in 1..<keep { last = link(last) }
                restHead = link(last)
                setLink(last, PagePool.endOfList)
                blocks[slot].tail = last
            }
            blocks[slot].pages = keep
            releasePages(head: restHead, tail: record.tail, count: record.pages - keep, home: record.home)
        }
        blocks[slot].bytes = bytes
        counters.liveBytes -= record.bytes - bytes
    }

    func size(of block: UInt64) throws(DAFError) -> Int { blocks[try slot(of: block)].bytes }

    func tag(of block: UInt64) throws(DAFError) -> UInt64 { blocks[try slot(of: block)].tag }

    func importance(of block: UInt64) throws(DAFError) -> Float { tree.key(UInt32(try slot(of: block))).importance }

    /// Re-weights a block; its age stays.
    mutating func setImportance(_ block: UInt64, _ importance: Float) throws(DAFError) {
        let node = UInt32(try slot(of: block))
        let age = tree.key(node).age
        tree.remove(node)
        tree.insert(node, importance: importance + 0, age: age)
    }

    /// The block an eviction takes first (lowest importance, then oldest), or 0.
    var leastImportant: UInt64 {
        let node = tree.first
        return node == ImportanceTree.none ? 0 : handle(ofSlot: Int(node))
    }

    /// The block after `block` in eviction order, or 0.
    func next(after block: UInt64) throws(DAFError) -> UInt64 {
        let node = tree.successor(UInt32(try slot(of: block)))
        return node == ImportanceTree.none ? 0 : handle(ofSlot: Int(node))
    }

    /// Frees the least important block and returns it (0 if there is none).
    mutating func evictLeastImportant() -> UInt64 {
        let block = leastImportant
        if block != 0 { try? free(block, evicted: true) }
        return block
    }

    /// Counts an eviction that an owner did by other means (e.g. shrinking a block).
    mutating func noteEviction() { counters.evictions += 1 }
}
