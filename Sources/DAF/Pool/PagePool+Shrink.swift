// SPDX-License-Identifier: MIT
// Giving memory back: a lower budget or a trim shrinks the pool's capacity. Because a block is
// a list of pages, live pages can be moved out of the chunk (or chunk tail) that must go into
// free pages elsewhere, and the block keeps its handle and contents; then the range is
// unmapped. This is what lets the resident memory fall to the live data, not just to the
// highest live address.
import CDAF

extension PagePool {
    /// Sets the budget (0 = none). Lowering it below the pages of the live blocks fails with
    /// DAF_E_BUDGET_EXCEEDED and changes nothing; otherwise the capacity ends within it.
    mutating func setBudget(_ bytes: UInt64) throws(DAFError) {
        let pages = PoolConfig.budgetPages(bytes, pageSize: pageSize)
        guard usedPages <= pages else {
            counters.budgetRefusals += 1
            throw DAFError(DAF_E_BUDGET_EXCEEDED, "the live blocks take \(usedPages) pages of \(pageSize) bytes; "
                           + "a budget of \(bytes) bytes holds \(pages)")
        }
        shrink(toPages: pages)
        budgetBytes = bytes
        budgetPages = pages
    }

    /// Unmaps every page that holds no block.
    mutating func trim() { shrink(toPages: usedPages) }

    /// Brings the capacity down to `target` pages (target >= usedPages), taking from the chunk
    /// with the fewest used pages each time, whole or its tail.
    mutating func shrink(toPages target: Int) {
        while capacityPages > target {
            var victim = -1
            for c in 0..<chunkLimit where chunks[c].isMapped {
                if victim < 0 || chunks[c].usedPages <= chunks[victim].usedPages { victim = c }
            }
            guard victim >= 0 else { return }
            let keep = max(0, chunks[victim].mappedPages - (capacityPages - target))
            vacate(chunk: victim, keeping: keep)
        }
    }

    /// Moves the used pages of `chunk` at index >= keep elsewhere and unmaps those pages.
    private mutating func vacate(chunk c: Int, keeping keep: Int) {
        let mapped = chunks[c].mappedPages
        // 1. The doomed free pages leave the chunk's free runs; the kept ones become two runs:
        //    the never used ones [freshFrom, keep) at the bottom, in address order (as
        //    ChunkRecord.freshFrom requires), and the used ones above them.
        let runs = chunks[c].runs.unsafelyUnwrapped
        let freshFrom = min(chunks[c].freshFrom, keep)
        var kept: [(head: UInt32, tail: UInt32, count: Int)] = [(PagePool.endOfList, PagePool.endOfList, 0),
                                                                (PagePool.endOfList, PagePool.endOfList, 0)]
        for r in 0..<chunks[c].runCount {
            var page = runs[r].head
            for i in 0..<Int(runs[r].count) {
                let next = i + 1 < Int(runs[r].count) ? link(page) : PagePool.endOfList
                if pageIndex(page) < keep {
                    let k = pageIndex(page) >= freshFrom ? 0 : 1
                    if kept[k].count == 0 { kept[k].head = page } else { setLink(kept[k].tail, page) }
                    kept[k].tail = page
                    kept[k].count += 1
                }
                page = next
            }
        }
        let keptFree = kept[0].count + kept[1].count
        let doomedUsed = (mapped - keep) - (chunks[c].freeCount - keptFree)
        chunks[c].runCount = 0
        for run in kept where run.count > 0 {
            setLink(run.tail, PagePool.endOfList)
            runs[chunks[c].runCount] = FreeRun(head: run.head, tail: run.tail, count: UInt32(run.count))
            chunks[c].runCount += 1
        }
        chunks[c].freeCount = keptFree
        chunks[c].freshFrom = freshFrom
        chunks[c].backedTo = min(chunks[c].backedTo, keep)
        // 2. Every block's doomed pages move to free pages that stay (there are enough: the
        //    capacity left is at least the pages in use).
        if doomedUsed > 0 {
            for slot in 1..<blockLimit where blocks[slot].isLive && blocks[slot].pages > 0 {
                let home = blocks[slot].home
                if home != PagePool.mixed && Int(home) != c { continue }
                relocate(slot: slot, from: c, keeping: keep)
            }
        }
        // 3. Unmap the range.
        if keep == 0 {
            unmapChunk(c, isTrim: true)
        } else {
            releaseReservation(c) // it no longer adjoins the mapped pages
            let base = chunks[c].base.unsafelyUnwrapped + keep << config.pageShift
            PageMemory.unmap(base, (mapped - keep) << config.pageShift)
            chunks[c].mappedPages = keep
            capacityPages -= mapped - keep
            counters.trims += 1
            counters.trimmedBytes += (mapped - keep) << config.pageShift
        }
    }

    /// Walks one block's list and swaps each page of `chunk` at index >= keep for a free page.
    private mutating func relocate(slot: Int, from c: Int, keeping keep: Int) {
        var previous = PagePool.endOfList, page = blocks[slot].head
        var home: UInt32? = nil
        while page != PagePool.endOfList {
            let next = link(page)
            var kept = page
            if chunkSlot(page) == c && pageIndex(page) >= keep {
                kept = takeFreePage()
                address(kept).copyMemory(from: address(page), byteCount: pageSize)
                if previous == PagePool.endOfList { blocks[slot].head = kept } else { setLink(previous, kept) }
                setLink(kept, next)
                if blocks[slot].tail == page { blocks[slot].tail = kept }
            }
            let chunk = UInt32(chunkSlot(kept))
            home = home == nil || home == chunk ? chunk : PagePool.mixed
            previous = kept
            page = next
        }
        blocks[slot].home = home ?? PagePool.mixed
    }

    /// One free page (lowest chunk first) for a page being moved: the used count stays, as the
    /// page it replaces goes away with the unmapped range.
    private mutating func takeFreePage() -> UInt32 {
        var c = firstFreeChunk
        while chunks[c].freeCount == 0 { c += 1 }
        firstFreeChunk = c
        let runs = chunks[c].runs.unsafelyUnwrapped, top = chunks[c].runCount - 1
        let page = runs[top].head
        if pageIndex(page) == chunks[c].freshFrom { // written by the move, so backed
            chunks[c].freshFrom += 1
            chunks[c].backedTo = max(chunks[c].backedTo, chunks[c].freshFrom)
        }
        if runs[top].count == 1 {
            chunks[c].runCount = top
        } else {
            runs[top].head = link(page)
            runs[top].count -= 1
        }
        chunks[c].freeCount -= 1
        return page
    }
}
