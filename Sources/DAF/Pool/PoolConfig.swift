// SPDX-License-Identifier: MIT
// The validated geometry of a paged pool: page size, pages per chunk (the growth step), the
// page-number split that the pool's 32-bit page ids use, the budget and the flags. Checked
// once at creation, so the pool itself never sees an impossible value.
import CDAF
import Glibc

struct PoolConfig {
    /// The smallest page: the OS page, so that unmapping a page range is always possible
    /// (4 KiB on x86-64; 4, 16 or 64 KiB on aarch64 kernels). Should sysconf ever fail, the
    /// largest page Linux uses, a multiple of every smaller one, is safe on any kernel.
    static let osPageSize: Int = {
        let size = Int(sysconf(Int32(_SC_PAGESIZE)))
        return size > 0 && size.nonzeroBitCount == 1 ? size : largestLinuxPageSize
    }()
    static let largestLinuxPageSize = 1 << 16
    static let maxPageSize = Int(DAF_MAX_PAGE_SIZE)
    static let maxChunkPages = Int(DAF_MAX_CHUNK_PAGES)
    static let knownFlags = DAF_POOL_AUTO_TRIM.rawValue
    /// The chunk table grows as chunks are mapped; this caps it (2^24 chunks of at least one
    /// page is far beyond any machine's memory).
    static let chunkSlotCap = 1 << 24

    let pageSize: Int
    let pageShift: Int
    let chunkPages: Int
    /// Low bits of a page id that number the page within its chunk; the high bits are the
    /// chunk's slot.
    let indexBits: Int
    let maxChunks: Int
    let budgetBytes: UInt64
    let autoTrim: Bool

    /// `prefix` names the struct in error details ("daf_pool_options" or "daf_options").
    init(pageSize: UInt32, chunkBytes: UInt64, budgetBytes: UInt64, flags: UInt32, prefix: String) throws(DAFError) {
        let page = Int(pageSize)
        guard page.nonzeroBitCount == 1, page >= PoolConfig.osPageSize, page <= PoolConfig.maxPageSize else {
            throw .invalid("\(prefix).page_size is \(pageSize); allowed a power of two in \(PoolConfig.osPageSize)...\(PoolConfig.maxPageSize)")
        }
        let chunkBytes = chunkBytes == 0 ? UInt64(DAF_DEFAULT_CHUNK_BYTES) : chunkBytes // 0: the default
        guard chunkBytes >= UInt64(page), chunkBytes % UInt64(page) == 0,
              chunkBytes / UInt64(page) <= UInt64(PoolConfig.maxChunkPages) else {
            throw .invalid("\(prefix).chunk_bytes is \(chunkBytes); allowed a multiple of page_size (\(page)) "
                           + "of at most \(PoolConfig.maxChunkPages) pages")
        }
        guard flags & ~PoolConfig.knownFlags == 0 else {
            throw .invalid("\(prefix) flags are \(flags); allowed DAF_POOL_AUTO_TRIM (1) or 0")
        }
        self.pageSize = page
        pageShift = page.trailingZeroBitCount
        chunkPages = Int(chunkBytes / UInt64(page))
        indexBits = chunkPages <= 1 ? 0 : Int.bitWidth - (chunkPages - 1).leadingZeroBitCount
        // Slot numbers stop short of the all-ones id, which marks the end of a page list.
        maxChunks = min((1 << (32 - indexBits)) - 1, PoolConfig.chunkSlotCap)
        self.budgetBytes = budgetBytes
        autoTrim = flags & DAF_POOL_AUTO_TRIM.rawValue != 0
    }

    /// Pages needed for `bytes` (bytes >= 0 and below Int.max - pageSize).
    @inline(__always)
    func pages(for bytes: Int) -> Int { (bytes + pageSize - 1) >> pageShift }

    /// Whole pages the budget allows (Int.max without a budget).
    static func budgetPages(_ budget: UInt64, pageSize: Int) -> Int {
        budget == 0 ? Int.max : Int(budget / UInt64(pageSize))
    }
}
