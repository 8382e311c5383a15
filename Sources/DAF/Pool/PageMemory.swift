// SPDX-License-Identifier: MIT
// The pool's only contact with the OS: mapping and unmapping page-aligned ranges of anonymous
// memory. Nothing here knows about pages, blocks or budgets.
import Glibc

enum PageMemory {
    /// Maps `bytes` of zeroed, private, anonymous memory, or returns nil. Pages are only backed
    /// (and counted in RSS) once touched. The range asks for transparent huge pages
    /// (MADV_HUGEPAGE; ignored where THP is off or absent): backing a chunk then takes one
    /// fault per 2 MiB instead of one per 4 KiB (daf-bench's pool workload: 864 faults at its
    /// one growth step after warm-up became 1), and the pool's own back-ahead already decides
    /// what becomes resident, so huge pages add at most the rest of one per chunk to it.
    static func map(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes > 0, let base = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              base != MAP_FAILED else { return nil }
        _ = madvise(base, bytes, madviseHugePage)
        return base
    }

    /// Maps `bytes` as `map` does, followed by `ahead` bytes of address space held back
    /// (PROT_NONE, no memory or commit charge): the pool maps the next chunk there, so that a
    /// block running on from one chunk into the next is one contiguous range.
    static func map(_ bytes: Int, reservingAhead ahead: Int) -> UnsafeMutableRawPointer? {
        guard ahead > 0 else { return map(bytes) }
        guard bytes > 0, let base = mmap(nil, bytes + ahead, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              base != MAP_FAILED else { return map(bytes) }
        guard map(bytes, over: base) else {
            munmap(base, bytes + ahead)
            return nil
        }
        return base
    }

    /// Maps `bytes` at `reserved`, the start of address space this process holds back
    /// (see map(_:reservingAhead:)); false if the OS refuses the memory.
    static func map(_ bytes: Int, over reserved: UnsafeMutableRawPointer) -> Bool {
        let base = mmap(reserved, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
        guard base != MAP_FAILED else { return false }
        _ = madvise(base, bytes, madviseHugePage)
        return true
    }

    /// Returns [base, base + bytes) to the OS; base and bytes are multiples of the OS page.
    static func unmap(_ base: UnsafeMutableRawPointer, _ bytes: Int) {
        if bytes > 0 { munmap(base, bytes) }
    }

    /// Backs [base, base + bytes) with memory now (page faults taken here, once), so later
    /// writes to it never fault: madvise(MADV_POPULATE_WRITE) (Linux 5.14), else one write of
    /// zero per OS page (the memory is zero already, so contents do not change).
    static func back(_ base: UnsafeMutableRawPointer, _ bytes: Int) {
        guard bytes > 0 else { return }
        if madvise(base, bytes, madvisePopulateWrite) == 0 { return }
        for offset in stride(from: 0, to: bytes, by: PoolConfig.osPageSize) {
            base.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self)
        }
    }

    /// MADV_POPULATE_WRITE of <linux/mman.h> (not exported by every Glibc module map).
    private static let madvisePopulateWrite: Int32 = 23
    /// MADV_HUGEPAGE of <linux/mman.h>.
    private static let madviseHugePage: Int32 = 14
}
