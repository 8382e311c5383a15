// SPDX-License-Identifier: MIT
// The pool's answer to "are this block's pages one range of memory?": true for blocks in one
// free run and for blocks running on into the next chunk (mapped right after its neighbour),
// false once a block is pieced from runs apart; contents read through the base pointer equal
// pool.read; a cancelled allocation leaves the counters as they were.
import CDAF
import Testing
@testable import DAF

@Suite("Paged pool: contiguous blocks")
struct PagePoolContiguityTests {
    @Test("contiguous blocks, also over chunks; pieced ones are not; the base pointer reads what pool.read reads")
    func contiguity() throws {
        var pool = try testPool(chunkPages: 8)
        let page = pool.pageSize
        // 20 pages: chunks 0, 1 and half of 2, mapped back to back.
        let big = try pool.allocate(bytes: 20 * page - 100, importance: 0)
        let base = try #require(try pool.contiguousBase(of: big))
        var rng = SeededGenerator(seed: 4)
        let bytes = PagePoolTests.randomBytes(20 * page - 100, &rng)
        try pool.write(big, offset: 0, from: bytes, count: bytes.count)
        #expect(Array(UnsafeRawBufferPointer(start: base, count: bytes.count)) == bytes)
        // Free runs of 2 and 3 pages apart from each other: 4 pages are pieced from both.
        let a = try pool.allocate(bytes: 2 * page, importance: 0), gap = try pool.allocate(bytes: page, importance: 0)
        let b = try pool.allocate(bytes: 2 * page, importance: 0)
        let rest = try pool.allocate(bytes: pool.freePages * page, importance: 0)
        try pool.free(a)
        try pool.free(b)
        let pieced = try pool.allocate(bytes: 4 * page, importance: 0)
        #expect(try pool.contiguousBase(of: pieced) == nil)
        // A run that holds the whole block is preferred to the top run: 2 pages from the 4.
        try pool.free(pieced)
        let whole = try pool.allocate(bytes: 2 * page, importance: 0)
        #expect(try pool.contiguousBase(of: whole) != nil)
        for block in [big, gap, rest, whole] { try pool.free(block) }
        #expect(pool.invariantViolations().isEmpty, "\(pool.invariantViolations().prefix(3))")
    }

    @Test("a cancelled allocation counts as neither an allocation nor a free, and unmaps nothing")
    func cancel() throws {
        var pool = try testPool(chunkPages: 8, autoTrim: true)
        let kept = try pool.allocate(bytes: 100, importance: 0)
        let before = pool.statistics
        let block = try pool.allocate(bytes: 12 * pool.pageSize, importance: 1) // maps a second chunk
        try pool.cancel(block)
        let after = pool.statistics
        #expect(after.allocs == before.allocs && after.frees == before.frees && after.trims == before.trims)
        #expect(after.liveBlocks == before.liveBlocks && after.liveBytes == before.liveBytes)
        #expect(after.chunksMapped == 2, "the chunk mapped for it stays for the allocation that follows")
        #expect(throws: DAFError.self) { try pool.size(of: block) }
        try pool.free(kept)
        #expect(pool.invariantViolations().isEmpty)
    }
}
