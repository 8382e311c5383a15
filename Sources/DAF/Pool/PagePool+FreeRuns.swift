// SPDX-License-Identifier: MIT
// Free pages of the paged pool: taking a block's pages from the chunks' stacks of free runs
// (one run when one holds them all, so the block is often contiguous) and giving them back as
// runs. Mapping and unmapping the chunks themselves is PagePool+Chunks.swift.
extension PagePool {
    /// Unlinks `n` free pages (n <= freePages), lowest chunk first and most recently freed
    /// first within a chunk, and returns them as one list. Pages used for the first time are
    /// backed here (see ChunkRecord.freshFrom): the faults come at a new peak, not every step.
    mutating func takePages(_ n: Int) -> (head: UInt32, tail: UInt32, home: UInt32) {
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
    mutating func releasePages(head: UInt32, tail: UInt32, count: Int, home: UInt32,
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
}
