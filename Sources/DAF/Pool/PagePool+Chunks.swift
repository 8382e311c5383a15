// SPDX-License-Identifier: MIT
// Chunks of the paged pool: mapping them (one growth step at a time, within the budget, each
// in address space held back after the one before when it can), and unmapping them. Which
// pages a block takes from them is PagePool+FreeRuns.swift; shrinking is PagePool+Shrink.swift.
import CDAF
import Glibc

extension PagePool {
    /// Makes sure `n` pages are free, mapping chunks (one growth step at a time, the last one
    /// cut to the budget). On failure nothing is left mapped that was not mapped before.
    mutating func reserve(_ n: Int) throws(DAFError) {
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

    /// Unmaps every chunk and frees its links, leaving the records stale.
    func releaseChunkMemory() {
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
}
