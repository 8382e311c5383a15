// SPDX-License-Identifier: MIT
// The pool's bookkeeping records: a free run of pages, a mapped chunk, a block slot, and the
// counters behind daf_pool_stats. Plain values; PagePool and its extensions change them.


/// A run of free pages: a linked list of `count` pages from `head` to `tail`. A freed block's
/// pages go back as one run, and allocation takes whole runs without walking them; only the
/// run it cuts is walked, as far as the cut.
struct FreeRun {
    var head: UInt32
    var tail: UInt32
    var count: UInt32
}

/// One mapped chunk: `mappedPages` pages from `base`, one next-page id per page in `links`
/// (a free run, or the block a page belongs to), and its free pages as a stack of runs.
struct ChunkRecord {
    var base: UnsafeMutableRawPointer? = nil
    var links: UnsafeMutablePointer<UInt32>? = nil
    /// Room for one run per mapped page (a run holds at least one page).
    var runs: UnsafeMutablePointer<FreeRun>? = nil
    var runCount = 0
    var mappedPages = 0
    var freeCount = 0
    /// Pages at index >= freshFrom were never handed out: they are free, unbacked (except those
    /// below backedTo, backed ahead), and form the
    /// bottom run (runs[0]) in address order, its head being page freshFrom. takePages backs
    /// them as it hands them out, so a page, once used, never faults again while mapped.
    var freshFrom = 0
    /// Fresh pages below this are backed already (backed ahead of use, see takePages).
    var backedTo = 0
    /// Bytes of address space held back right after the mapped pages, for the next chunk
    /// slot (see PagePool.mapChunk).
    var reservedAfter = 0

    var isMapped: Bool { base != nil }
    var usedPages: Int { mappedPages - freeCount }
}

/// One block slot. A live block's handle is generation << 28 | slot; a slot's generation
/// grows on every reuse, so an old handle never names a newer block.
struct BlockRecord {
    var generation: UInt64 = 0
    var isLive = false
    var head: UInt32 = PagePool.endOfList
    var tail: UInt32 = PagePool.endOfList
    var pages = 0
    var bytes = 0
    var tag: UInt64 = 0
    /// The chunk holding all of its pages, or `PagePool.mixed` (then freeing walks the list).
    var home: UInt32 = PagePool.mixed
    var nextFreeSlot: UInt32 = 0
}

struct PoolCounters {
    var liveBlocks = 0, liveBytes = 0, peakLiveBytes = 0, peakCapacityPages = 0
    var chunkMaps = 0, trims = 0, trimmedBytes = 0
    var evictions = 0, allocs = 0, frees = 0, budgetRefusals = 0
}
