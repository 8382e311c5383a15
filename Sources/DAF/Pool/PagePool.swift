// SPDX-License-Identifier: MIT
// The paged pool: chunks of memory mapped from the OS (PageMemory), cut into fixed-size pages;
// a block is a singly linked list of pages, so any free page serves any block (no external
// fragmentation; at most one partly used page per block). Live blocks are indexed by an
// ImportanceTree for eviction order. The links live beside the pages, never in them, so free
// pages are never touched. Not thread-safe: LockedPagePool and ActivationStore hold it under a
// lock. Shrinking (budget, trim) is in PagePool+Shrink.swift, the checks in +Invariants.
import CDAF
import Glibc

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

struct PagePool: ~Copyable {
    /// Page id that ends a list (never a real page: PoolConfig keeps slots below it).
    static let endOfList = UInt32.max
    static let mixed = UInt32.max
    static let slotBits: UInt64 = 28
    static let slotMask: UInt64 = (1 << slotBits) - 1
    static let maxSlots = (1 << 28) - 1
    /// A slot whose generation reaches this is retired, so handles are never reused.
    static let maxGeneration: UInt64 = (1 << 36) - 1
    /// Block sizes beyond this are refused as overflow: page arithmetic stays far from Int.max.
    static let maxBlockBytes = Int.max / 4
    /// Without a budget, one allocation may not exceed the machine's physical memory.
    static let physicalBytes: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return Int.max }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
        return overflow ? Int.max : bytes
    }()

    // The state below is changed only by PagePool's own files (this one, +Shrink).
    let config: PoolConfig
    private let indexMask: UInt32
    var budgetBytes: UInt64
    var budgetPages: Int

    var chunks: RawArray<ChunkRecord>
    /// Slots 0..<chunkLimit may be mapped; none above.
    var chunkLimit = 0
    /// No chunk below this slot has a free page: allocation starts its search here.
    var firstFreeChunk = 0
    var capacityPages = 0
    var usedPages = 0

    var blocks: RawArray<BlockRecord>
    /// Slots 1..<blockLimit have been used (0 is the tree's nil node).
    var blockLimit = 1
    var freeSlotHead: UInt32 = 0
    var tree: ImportanceTree
    private var nextAge: UInt64 = 0
    var counters = PoolCounters()

    init(_ config: PoolConfig) throws(DAFError) {
        let index = try ImportanceTree() // freed by its own deinit if a later step fails
        let chunkTable = try RawArray(capacity: 4, filling: ChunkRecord())
        let blockTable: RawArray<BlockRecord>
        do throws(DAFError) {
            blockTable = try RawArray(capacity: 64, filling: BlockRecord())
        } catch {
            chunkTable.deallocate()
            throw error
        }
        self.config = config
        indexMask = config.indexBits == 0 ? 0 : UInt32((1 << config.indexBits) - 1)
        budgetBytes = config.budgetBytes
        budgetPages = PoolConfig.budgetPages(config.budgetBytes, pageSize: config.pageSize)
        chunks = chunkTable
        blocks = blockTable
        tree = index
    }

    deinit {
        releaseChunkMemory()
        chunks.deallocate()
        blocks.deallocate()
    }

    /// Unmaps every chunk and frees its links, leaving the records stale.
    private func releaseChunkMemory() {
        for c in 0..<chunkLimit where chunks[c].isMapped {
            PageMemory.unmap(chunks[c].base.unsafelyUnwrapped, (chunks[c].mappedPages << config.pageShift) + chunks[c].reservedAfter)
            Glibc.free(chunks[c].links)
            Glibc.free(chunks[c].runs)
        }
    }

    /// Gives every chunk back to the OS at once, for a pool that will not be used again (its
    /// blocks' records stay, but no page does).
    mutating func unmapAll() {
        releaseChunkMemory()
        for c in 0..<chunkLimit { chunks[c] = ChunkRecord() }
        chunkLimit = 0
        capacityPages = 0
    }

    // MARK: Pages

    var pageSize: Int { config.pageSize }
    var freePages: Int { capacityPages - usedPages }

    @inline(__always) func chunkSlot(_ page: UInt32) -> Int { Int(page >> UInt32(config.indexBits)) }
    @inline(__always) func pageIndex(_ page: UInt32) -> Int { Int(page & indexMask) }
    @inline(__always) func pageID(slot: Int, index: Int) -> UInt32 { UInt32(truncatingIfNeeded: slot << config.indexBits | index) }

    @inline(__always) func link(_ page: UInt32) -> UInt32 {
        chunks[chunkSlot(page)].links.unsafelyUnwrapped[pageIndex(page)]
    }

    @inline(__always) func setLink(_ page: UInt32, _ next: UInt32) {
        chunks[chunkSlot(page)].links.unsafelyUnwrapped[pageIndex(page)] = next
    }

    @inline(__always) func address(_ page: UInt32) -> UnsafeMutableRawPointer {
        chunks[chunkSlot(page)].base.unsafelyUnwrapped + pageIndex(page) << config.pageShift
    }

    /// Whether `pages` more pages fit: free ones plus what the budget still lets the pool map.
    func canAllocate(pages: Int) -> Bool {
        pages <= freePages || budgetPages == Int.max || pages - freePages <= budgetPages - capacityPages
    }

    /// Makes sure `n` pages are free, mapping chunks (one growth step at a time, the last one
    /// cut to the budget). On failure nothing is left mapped that was not mapped before.
    private mutating func reserve(_ n: Int) throws(DAFError) {
        guard n > freePages else { return }
        guard canAllocate(pages: n) else {
            counters.budgetRefusals += 1
            throw DAFError(DAF_E_BUDGET_EXCEEDED, "\(n) pages are needed; \(freePages) are free and the budget of "
                           + "\(budgetBytes) bytes allows \(budgetPages - capacityPages) more")
        }
        if budgetPages == Int.max, (n - freePages) > PagePool.physicalBytes >> config.pageShift {
            throw DAFError(DAF_E_NO_MEMORY, "\(n) pages of \(pageSize) bytes exceed the machine's physical memory")
        }
        var mapped: [Int] = []
        while freePages < n {
            let room = budgetPages == Int.max ? Int.max : budgetPages - capacityPages
            do {
                mapped.append(try mapChunk(pages: min(config.chunkPages, room)))
            } catch {
                for slot in mapped { unmapChunk(slot, isTrim: false) }
                throw error
            }
        }
    }

    private mutating func mapChunk(pages: Int) throws(DAFError) -> Int {
        var slot = 0
        while slot < chunkLimit && chunks[slot].isMapped { slot += 1 }
        guard slot < config.maxChunks else {
            throw DAFError(DAF_E_NO_MEMORY, "the pool already has \(config.maxChunks) chunks, its most")
        }
        try chunks.reserve(slot + 1, filling: ChunkRecord())
        let bytes = pages << config.pageShift
        let (base, reservedAfter) = try mapChunkMemory(slot: slot, bytes: bytes)
        guard let raw = malloc(pages * MemoryLayout<UInt32>.stride),
              let rawRuns = malloc(pages * MemoryLayout<FreeRun>.stride) else {
            PageMemory.unmap(base, bytes + reservedAfter)
            throw DAFError(DAF_E_NO_MEMORY, "could not allocate the bookkeeping of a \(pages)-page chunk")
        }
        // One run in address order, so a fresh chunk is used front to back.
        let links = raw.bindMemory(to: UInt32.self, capacity: pages)
        let first = pageID(slot: slot, index: 0)
        for i in 0..<pages - 1 { links[i] = first + UInt32(i + 1) }
        links[pages - 1] = PagePool.endOfList
        let runs = rawRuns.bindMemory(to: FreeRun.self, capacity: pages)
        runs[0] = FreeRun(head: first, tail: first + UInt32(pages - 1), count: UInt32(pages))
        chunks[slot] = ChunkRecord(base: base, links: links, runs: runs, runCount: 1, mappedPages: pages, freeCount: pages,
                                   reservedAfter: reservedAfter)
        chunkLimit = max(chunkLimit, slot + 1)
        firstFreeChunk = min(firstFreeChunk, slot)
        capacityPages += pages
        counters.peakCapacityPages = max(counters.peakCapacityPages, capacityPages)
        counters.chunkMaps += 1
        return slot
    }

    /// Chunks a new chunk may hold back address space for, after its own (see mapChunkMemory).
    static let chunksReservedAhead = 64

    /// Memory for chunk `slot`: in the address space held back after chunk slot - 1 when it
    /// has room, so that pages taken lowest chunk first (takePages) run on contiguously from
    /// one chunk into the next; else anywhere, holding back room for the chunks that may
    /// follow (up to the budget, at most chunksReservedAhead of them). Returns the base and
    /// the bytes held back after the chunk.
    private mutating func mapChunkMemory(slot: Int, bytes: Int) throws(DAFError) -> (UnsafeMutableRawPointer, Int) {
        if slot > 0 && chunks[slot - 1].isMapped && chunks[slot - 1].reservedAfter > 0 {
            let previous = chunks[slot - 1]
            let end = previous.base.unsafelyUnwrapped + previous.mappedPages << config.pageShift
            chunks[slot - 1].reservedAfter = 0
            if previous.reservedAfter >= bytes && PageMemory.map(bytes, over: end) {
                return (end, previous.reservedAfter - bytes)
            }
            PageMemory.unmap(end, previous.reservedAfter) // too small, or refused: give it back
        }
        let roomPages = budgetPages == Int.max ? Int.max : max(0, budgetPages - capacityPages - (bytes >> config.pageShift))
        let ahead = min(roomPages, PagePool.chunksReservedAhead * config.chunkPages) << config.pageShift
        guard let base = PageMemory.map(bytes, reservingAhead: ahead) else {
            throw DAFError(DAF_E_NO_MEMORY, "mapping a chunk of \(bytes) bytes failed (errno \(errno))")
        }
        return (base, ahead)
    }

    /// Gives back the address space held back after chunk c.
    mutating func releaseReservation(_ c: Int) {
        guard chunks[c].reservedAfter > 0 else { return }
        let end = chunks[c].base.unsafelyUnwrapped + chunks[c].mappedPages << config.pageShift
        PageMemory.unmap(end, chunks[c].reservedAfter)
        chunks[c].reservedAfter = 0
    }

    /// Unmaps a chunk none of whose pages is used.
    mutating func unmapChunk(_ slot: Int, isTrim: Bool) {
        releaseReservation(slot)
        let record = chunks[slot]
        PageMemory.unmap(record.base.unsafelyUnwrapped, record.mappedPages << config.pageShift)
        Glibc.free(record.links)
        Glibc.free(record.runs)
        capacityPages -= record.mappedPages
        if isTrim {
            counters.trims += 1
            counters.trimmedBytes += record.mappedPages << config.pageShift
        }
        chunks[slot] = ChunkRecord()
        while chunkLimit > 0 && !chunks[chunkLimit - 1].isMapped { chunkLimit -= 1 }
    }

    /// Unlinks `n` free pages (n <= freePages), lowest chunk first and most recently freed
    /// first within a chunk, and returns them as one list. Pages used for the first time are
    /// backed here (see ChunkRecord.freshFrom): the faults come at a new peak, not every step.
    private mutating func takePages(_ n: Int) -> (head: UInt32, tail: UInt32, home: UInt32) {
        if n > 0, let run = takeOneRun(n) { return run }
        var head = PagePool.endOfList, tail = PagePool.endOfList, home = PagePool.mixed
        // Where the next piece's first page is to be written: the link of the list's tail.
        var tailLink: UnsafeMutablePointer<UInt32>? = nil
        var remaining = n, c = firstFreeChunk
        let mask = indexMask
        while remaining > 0 && c < chunkLimit {
            guard chunks[c].freeCount > 0 else {
                c += 1
                continue
            }
            let runs = chunks[c].runs.unsafelyUnwrapped, links = chunks[c].links.unsafelyUnwrapped
            let before = remaining
            var runCount = chunks[c].runCount
            while remaining > 0 && runCount > 0 {
                let top = runs[runCount - 1]
                let isFresh = Int(top.head & mask) == chunks[c].freshFrom
                var first = top.head, last = top.tail
                if Int(top.count) <= remaining {
                    remaining -= Int(top.count)
                    runCount -= 1
                } else {
                    cut(&runs[runCount - 1], taking: remaining, chunk: c, isFresh: isFresh, first: &first, last: &last)
                    remaining = 0
                }
                if isFresh { // first use: back the pages now
                    chunks[c].freshFrom += Int(last & mask) - Int(first & mask) + 1
                    backFreshPages(c)
                }
                if let tailLink { tailLink.pointee = first } else { head = first }
                tail = last
                tailLink = links + Int(last & mask)
            }
            chunks[c].runCount = runCount
            chunks[c].freeCount -= before - remaining
            home = before == n ? UInt32(c) : PagePool.mixed
        }
        tailLink?.pointee = PagePool.endOfList
        usedPages += n - remaining
        firstFreeChunk = c
        return (head, tail, home)
    }

    /// Runs looked at, from the top of each chunk's stack, for one that holds a whole block.
    static let runsSearched = 8

    /// `n` pages from one free run that holds them all, when a chunk has one among the top
    /// runsSearched of its stack or at its bottom (the lowest such chunk, the topmost such
    /// run); else nil. A
    /// list pieced from several runs is never contiguous in memory, one run's pages often
    /// are (PagePool+Contiguity): without this, blocks of varying sizes, as a training loop
    /// saves them, take a leftover run first and were contiguous about one time in six.
    private mutating func takeOneRun(_ n: Int) -> (head: UInt32, tail: UInt32, home: UInt32)? {
        for c in firstFreeChunk..<chunkLimit where chunks[c].freeCount >= n {
            let runs = chunks[c].runs.unsafelyUnwrapped, top = chunks[c].runCount - 1
            // The bottom run too: it holds the never used pages, often the one run large enough.
            guard let i = stride(from: top, through: max(0, top + 1 - PagePool.runsSearched), by: -1)
                .first(where: { Int(runs[$0].count) >= n }) ?? (Int(runs[0].count) >= n ? 0 : nil) else { continue }
            let isFresh = Int(runs[i].head & indexMask) == chunks[c].freshFrom
            // The fresh run stays at the bottom (ChunkRecord.freshFrom): cut in place, never moved.
            if isFresh && i != top && Int(runs[i].count) == n { continue }
            var r = i
            if !isFresh && i != top {
                (runs[i], runs[top]) = (runs[top], runs[i])
                r = top
            }
            var first = runs[r].head, last = runs[r].tail
            if Int(runs[r].count) == n {
                chunks[c].runCount -= 1
            } else {
                cut(&runs[r], taking: n, chunk: c, isFresh: isFresh, first: &first, last: &last)
            }
            if isFresh {
                chunks[c].freshFrom += Int(last & indexMask) - Int(first & indexMask) + 1
                backFreshPages(c)
            }
            setLink(last, PagePool.endOfList)
            chunks[c].freeCount -= n
            usedPages += n
            return (first, last, UInt32(c))
        }
        return nil
    }

    /// Takes `n` pages (fewer than it holds) from free run `run` of chunk `c` and returns them
    /// as the list first...last. A singly linked run is cut by walking to the page before the
    /// cut, so the shorter side is taken: its first n pages when n is at most half the run,
    /// else its last n. Never-used pages lie in address order (ChunkRecord.freshFrom), so a
    /// cut among them is arithmetic; a fresh run is always cut at the front, so that what
    /// stays fresh stays at its head.
    @inline(__always)
    private func cut(_ run: inout FreeRun, taking n: Int, chunk c: Int, isFresh: Bool,
                     first: inout UInt32, last: inout UInt32) {
        let links = chunks[c].links.unsafelyUnwrapped
        let count = Int(run.count)
        if isFresh && n <= chunks[c].mappedPages - chunks[c].freshFrom {
            first = run.head
            last = run.head + UInt32(n - 1)
            run.head = links[pageIndex(last)]
        } else if isFresh || n <= count - n {
            first = run.head
            last = run.head
            for _ in 1..<n { last = links[pageIndex(last)] }
            run.head = links[pageIndex(last)]
        } else {
            var keep = run.head
            for _ in 1..<(count - n) { keep = links[pageIndex(keep)] }
            first = links[pageIndex(keep)]
            last = run.tail
            run.tail = keep
        }
        run.count -= UInt32(n)
    }

    /// Backs chunk c's pages up to freshFrom (just handed out) and, when it must back any,
    /// also 1/backAheadDivisor of the pool's used pages beyond them: a pool that grows by a few
    /// percent over its earlier peak, as training steps with varying bit widths do, then takes
    /// its page faults in one batch, not at every new peak. Peak RSS grows by at most that
    /// share (plus the rest of a huge page, see PageMemory.map). 1/12 is the least that kept
    /// daf-bench's pool workload (sizes +-30 % per step) free of faults after its warm-up; 1/16
    /// left one step that grew past the backed pages.
    private mutating func backFreshPages(_ c: Int) {
        let needed = chunks[c].freshFrom
        guard needed > chunks[c].backedTo else { return }
        let target = min(chunks[c].mappedPages, needed + usedPages / PagePool.backAheadDivisor)
        let first = pageID(slot: c, index: chunks[c].backedTo)
        PageMemory.back(address(first), (target - chunks[c].backedTo) << config.pageShift)
        chunks[c].backedTo = target
    }

    static let backAheadDivisor = 12

    /// Puts a run of `count` pages of chunk `c` on top of its free runs.
    @inline(__always)
    private mutating func pushRun(_ c: Int, head: UInt32, tail: UInt32, count: Int) {
        chunks[c].runs.unsafelyUnwrapped[chunks[c].runCount] = FreeRun(head: head, tail: tail, count: UInt32(count))
        chunks[c].runCount += 1
        chunks[c].freeCount += count
        firstFreeChunk = min(firstFreeChunk, c)
    }

    /// Gives a list of `count` pages back to their chunks (as runs on top, so they are reused
    /// first); with auto-trim, unmaps chunks left without a used page.
    private mutating func releasePages(head: UInt32, tail: UInt32, count: Int, home: UInt32,
                                       trimming: Bool? = nil) {
        let trimming = trimming ?? config.autoTrim
        guard count > 0 else { return }
        usedPages -= count
        if home != PagePool.mixed {
            let c = Int(home)
            pushRun(c, head: head, tail: tail, count: count)
            if trimming && chunks[c].usedPages == 0 { unmapChunk(c, isTrim: true) }
            return
        }
        // Pages of several chunks: one run per stretch of the list within one chunk.
        var page = head, runHead = head, runTail = head, runLength = 0, runChunk = chunkSlot(head)
        var touched: [Int] = []
        for _ in 0..<count {
            let next = link(page), c = chunkSlot(page)
            if c != runChunk {
                pushRun(runChunk, head: runHead, tail: runTail, count: runLength)
                if trimming { touched.append(runChunk) }
                runChunk = c
                runHead = page
                runLength = 0
            }
            runTail = page
            runLength += 1
            page = next
        }
        pushRun(runChunk, head: runHead, tail: runTail, count: runLength)
        if trimming { touched.append(runChunk) }
        for c in touched where chunks[c].isMapped && chunks[c].usedPages == 0 { unmapChunk(c, isTrim: true) }
    }

    // MARK: Blocks

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

    // MARK: Contents

    private func checkRange(_ slot: Int, offset: Int, count: Int) throws(DAFError) {
        let size = blocks[slot].bytes
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw DAFError(DAF_E_OUT_OF_RANGE, "range \(UInt(bitPattern: offset)) + \(UInt(bitPattern: count)) exceeds the block's \(size) bytes")
        }
    }

    /// Calls body(pointer into a page, offset into the caller's buffer, bytes) for each piece
    /// of [offset, offset + count) of the block, in order.
    private func forEachPiece(_ slot: Int, offset: Int, count: Int,
                              _ body: (UnsafeMutableRawPointer, Int, Int) -> Void) {
        guard count > 0 else { return }
        var page = blocks[slot].head
        for _ in 0..<(offset >> config.pageShift) { page = link(page) }
        var inPage = offset & (pageSize - 1), done = 0
        while true {
            let n = min(count - done, pageSize - inPage)
            body(address(page) + inPage, done, n)
            done += n
            if done == count { return }
            inPage = 0
            page = link(page)
        }
    }

    /// Copies source[0..<count] into the block at `offset`; large copies are spread over
    /// `parallelism` (see forEachPiece).
    mutating func write(_ block: UInt64, offset: Int, from source: UnsafeRawPointer?, count: Int,
                        parallelism: Parallelism = .serial) throws(DAFError) {
        let slot = try slot(of: block)
        guard source != nil || count == 0 else { throw .null("src") }
        try checkRange(slot, offset: offset, count: count)
        guard let source else { return }
        forEachPiece(slot, offset: offset, count: count, parallelism: parallelism) { page, done, n in
            page.copyMemory(from: source + done, byteCount: n)
        }
    }

    func read(_ block: UInt64, offset: Int, into destination: UnsafeMutableRawPointer?, count: Int,
              parallelism: Parallelism = .serial) throws(DAFError) {
        let slot = try slot(of: block)
        guard destination != nil || count == 0 else { throw .null("dst") }
        try checkRange(slot, offset: offset, count: count)
        guard let destination else { return }
        forEachPiece(slot, offset: offset, count: count, parallelism: parallelism) { page, done, n in
            (destination + done).copyMemory(from: page, byteCount: n)
        }
    }

    /// Copies of at least this many bytes are spread over threads (below, waking a worker
    /// costs about what it saves).
    static let parallelCopyBytes = 4 << 20

    /// forEachPiece, spread over `parallelism` for large ranges: the pieces are listed first
    /// (the page list is walked once, in order), then handed out in runs of about 1 MiB. The
    /// pieces never overlap, so `body` may run for several at once.
    private func forEachPiece(_ slot: Int, offset: Int, count: Int, parallelism: Parallelism,
                              _ body: (UnsafeMutableRawPointer, Int, Int) -> Void) {
        guard parallelism.threads > 1, count >= PagePool.parallelCopyBytes else {
            return forEachPiece(slot, offset: offset, count: count, body)
        }
        var pieces: [(page: UnsafeMutableRawPointer, done: Int, bytes: Int)] = []
        forEachPiece(slot, offset: offset, count: count) { pieces.append(($0, $1, $2)) }
        let perPart = max(1, (1 << 20) >> config.pageShift)
        pieces.withUnsafeBufferPointer { pieces in
            parallelism.forEach(parts: (pieces.count + perPart - 1) / perPart) { part in
                for piece in pieces[(part * perPart)..<min(pieces.count, (part + 1) * perPart)] {
                    body(piece.page, piece.done, piece.bytes)
                }
            }
        }
    }

    // MARK: Figures

    var statistics: daf_pool_statistics {
        let shift = config.pageShift
        func n(_ value: Int) -> UInt64 { UInt64(clamping: value) }
        return daf_pool_statistics(
            struct_size: 0, page_size: UInt32(clamping: pageSize), budget_bytes: budgetBytes,
            capacity_bytes: n(capacityPages << shift), peak_capacity_bytes: n(counters.peakCapacityPages << shift),
            live_blocks: n(counters.liveBlocks), live_bytes: n(counters.liveBytes), peak_live_bytes: n(counters.peakLiveBytes),
            pages_total: n(capacityPages), pages_free: n(freePages),
            fragmentation_bytes: n((usedPages << shift) - counters.liveBytes),
            chunks_mapped: n((0..<chunkLimit).count(where: { chunks[$0].isMapped })), chunk_maps: n(counters.chunkMaps),
            trims: n(counters.trims), trimmed_bytes: n(counters.trimmedBytes), evictions: n(counters.evictions),
            allocs: n(counters.allocs), frees: n(counters.frees), budget_refusals: n(counters.budgetRefusals))
    }
}
