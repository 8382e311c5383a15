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
        // 1. The doomed free pages leave the chunk's free runs; the kept ones become one run.
        let runs = chunks[c].runs.unsafelyUnwrapped
        var keptHead = PagePool.endOfList, keptTail = PagePool.endOfList, kept = 0
        for r in 0..<chunks[c].runCount {
            var page = runs[r].head
            for i in 0..<Int(runs[r].count) {
                let next = i + 1 < Int(runs[r].count) ? link(page) : PagePool.endOfList
                if pageIndex(page) < keep {
                    if keptTail == PagePool.endOfList { keptHead = page } else { setLink(keptTail, page) }
                    keptTail = page
                    kept += 1
                }
                page = next
            }
        }
        let doomedUsed = (mapped - keep) - (chunks[c].freeCount - kept)
        chunks[c].runCount = 0
        chunks[c].freeCount = 0
        if kept > 0 { runs[0] = FreeRun(head: keptHead, tail: keptTail, count: UInt32(kept)) }
        chunks[c].runCount = kept > 0 ? 1 : 0
        chunks[c].freeCount = kept
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
