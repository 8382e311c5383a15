// SPDX-License-Identifier: MIT
// Debug/test-only checks of the pool's page accounting: every mapped page is in exactly one
// list (a chunk's free list or one live block's list), the counts agree with the lists, the
// capacity never exceeds the budget, block sizes match their page counts, and the importance
// tree is sound and holds exactly the live blocks. Compiled out of release builds.
#if DEBUG
extension PagePool {
    /// Every violated invariant, described (at most a few dozen); empty when the pool is sound.
    func invariantViolations() -> [String] {
        var problems = tree.invariantViolations()
        func fail(_ text: String) { if problems.count < 40 { problems.append(text) } }
        // owners[chunk][index]: 0 = in no list yet, -1 = a free list, slot = that block's list.
        var owners = (0..<chunkLimit).map { [Int](repeating: 0, count: chunks[$0].mappedPages) }
        var claimed = 0
        func describe(_ owner: Int) -> String { owner < 0 ? "a free list" : "block slot \(owner)" }
        func claim(_ page: UInt32, _ by: Int) -> Bool {
            let c = chunkSlot(page), i = pageIndex(page)
            guard c < chunkLimit, chunks[c].isMapped, i < chunks[c].mappedPages else {
                fail("\(describe(by)) holds page \(page), which is not mapped")
                return false
            }
            guard owners[c][i] == 0 else {
                fail("page \(page) is in both \(describe(owners[c][i])) and \(describe(by))")
                return false
            }
            owners[c][i] = by
            claimed += 1
            return true
        }

        var mapped = 0, free = 0
        for c in 0..<chunkLimit {
            let chunk = chunks[c]
            guard chunk.isMapped else {
                if chunk.freeCount != 0 || chunk.mappedPages != 0 { fail("unmapped chunk \(c) has pages") }
                continue
            }
            mapped += chunk.mappedPages
            free += chunk.freeCount
            if chunk.freeCount > 0 && c < firstFreeChunk { fail("chunk \(c) has free pages below firstFreeChunk \(firstFreeChunk)") }
            var n = 0
            if chunk.runCount > chunk.mappedPages { fail("chunk \(c) has \(chunk.runCount) free runs, more than its pages") }
            for r in 0..<min(chunk.runCount, chunk.mappedPages) {
                let run = chunk.runs.unsafelyUnwrapped[r]
                if run.count == 0 { fail("chunk \(c) free run \(r) is empty") }
                var page = run.head, last = run.head
                for i in 0..<Int(run.count) {
                    if chunkSlot(page) != c { fail("chunk \(c)'s free run \(r) holds page \(page) of another chunk") }
                    guard claim(page, -1) else { break }
                    n += 1
                    last = page
                    if i + 1 < Int(run.count) { page = link(page) }
                }
                if last != run.tail { fail("chunk \(c) free run \(r): tail \(run.tail), the run ends at \(last)") }
            }
            if n != chunk.freeCount { fail("chunk \(c): freeCount \(chunk.freeCount), free runs hold \(n)") }
            // The never used pages [freshFrom, mappedPages) lead the bottom run, in address order.
            if chunk.freshFrom < chunk.mappedPages {
                let bottom = chunk.runCount > 0 ? chunk.runs.unsafelyUnwrapped[0] : FreeRun(head: 0, tail: 0, count: 0)
                var page = bottom.head
                let fresh = chunk.mappedPages - chunk.freshFrom
                if Int(bottom.count) < fresh { fail("chunk \(c): \(fresh) fresh pages, its bottom run holds \(bottom.count)") }
                for i in 0..<min(fresh, Int(bottom.count)) {
                    if pageIndex(page) != chunk.freshFrom + i { fail("chunk \(c): fresh page \(chunk.freshFrom + i) is not in place \(i) of the bottom run"); break }
                    page = link(page)
                }
            }
            if chunk.backedTo < chunk.freshFrom || chunk.backedTo > chunk.mappedPages {
                fail("chunk \(c): backedTo \(chunk.backedTo) outside freshFrom \(chunk.freshFrom)...\(chunk.mappedPages)")
            }
            if chunk.freshFrom > chunk.mappedPages {
                fail("chunk \(c): freshFrom \(chunk.freshFrom) beyond its \(chunk.mappedPages) pages")
            }
        }
        if chunkLimit > 0 && !chunks[chunkLimit - 1].isMapped { fail("chunkLimit \(chunkLimit) is past the last mapped chunk") }
        if mapped != capacityPages { fail("capacityPages \(capacityPages), chunks map \(mapped)") }
        if capacityPages > budgetPages { fail("capacity \(capacityPages) pages exceeds the budget of \(budgetPages)") }
        if free != freePages { fail("free pages: counted \(free), capacity - used is \(freePages)") }

        var live = 0, liveBytes = 0, pages = 0
        for slot in 1..<blockLimit where blocks[slot].isLive {
            let block = blocks[slot]
            live += 1
            liveBytes += block.bytes
            pages += block.pages
            if block.pages != config.pages(for: block.bytes) { fail("block slot \(slot): \(block.bytes) bytes in \(block.pages) pages") }
            var page = block.head, last = PagePool.endOfList, n = 0
            while page != PagePool.endOfList && n <= block.pages {
                if block.home != PagePool.mixed && chunkSlot(page) != Int(block.home) {
                    fail("block slot \(slot) says all its pages are in chunk \(block.home), page \(page) is not")
                }
                guard claim(page, slot) else { break }
                n += 1
                last = page
                page = link(page)
            }
            if n != block.pages { fail("block slot \(slot): \(block.pages) pages, list has \(n)+") }
            if last != block.tail { fail("block slot \(slot): tail \(block.tail), list ends at \(last)") }
        }
        if claimed != mapped { fail("\(mapped) pages mapped, \(claimed) in lists") }
        if pages != usedPages { fail("usedPages \(usedPages), blocks hold \(pages)") }
        if live != counters.liveBlocks || live != tree.count {
            fail("live blocks: counted \(live), counters \(counters.liveBlocks), tree \(tree.count)")
        }
        if liveBytes != counters.liveBytes { fail("live bytes: counted \(liveBytes), counters \(counters.liveBytes)") }
        var slot = freeSlotHead, n = 0
        while slot != 0 && n < blockLimit {
            if blocks[Int(slot)].isLive { fail("free slot \(slot) is live") }
            slot = blocks[Int(slot)].nextFreeSlot
            n += 1
        }
        if slot != 0 { fail("the free slot list has a cycle") }
        return problems
    }
}
#endif
