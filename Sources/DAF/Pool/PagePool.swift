// SPDX-License-Identifier: MIT
// The paged pool: chunks of memory mapped from the OS (PageMemory), cut into fixed-size pages;
// a block is a singly linked list of pages, so any free page serves any block (no external
// fragmentation; at most one partly used page per block). Live blocks are indexed by an
// ImportanceTree for eviction order. The links live beside the pages, never in them, so free
// pages are never touched. Not thread-safe: LockedPagePool and ActivationStore hold it under a
// lock. This file holds the state and the page addressing; the rest is beside it, one concern
// a file: +Chunks (mapping), +FreeRuns (taking and returning pages), +Blocks (handles,
// allocation, importance order), +Copies (reads and writes), +Contiguity, +Shrink (budget,
// trim), +Statistics, +Invariants (debug checks). The records are PoolRecords.swift.
import CDAF
import Glibc

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

    // The state below is changed only by PagePool's own files (this one and PagePool+*.swift).
    let config: PoolConfig
    let indexMask: UInt32
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
    var nextAge: UInt64 = 0
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
}
