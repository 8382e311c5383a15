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
    /// `near`, when given, is where the range should start if that address is free: the pool
    /// asks for the end of the chunk before, so that a block running on from one chunk into
    /// the next is still one contiguous range (see PagePool.contiguousBase). Elsewhere otherwise.
    static func map(_ bytes: Int, near wanted: UnsafeMutableRawPointer? = nil) -> UnsafeMutableRawPointer? {
        guard bytes > 0 else { return nil }
        let protection = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS
        var base: UnsafeMutableRawPointer? = nil
        if let wanted {
            // MAP_FIXED_NOREPLACE fails (EEXIST) rather than replace a mapping there; a kernel
            // older than 4.17 takes it as a plain hint, which may land elsewhere: still usable.
            let placed = mmap(wanted, bytes, protection, flags | mapFixedNoReplace, -1, 0)
            if placed != MAP_FAILED { base = placed }
        }
        if base == nil {
            let placed = mmap(nil, bytes, protection, flags, -1, 0)
            guard placed != MAP_FAILED else { return nil }
            base = placed
        }
        guard let base else { return nil }
        _ = madvise(base, bytes, madviseHugePage)
        return base
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
        for offset in stride(from: 0, to: bytes, by: osPageSize) {
            base.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self)
        }
    }

    /// MADV_POPULATE_WRITE of <linux/mman.h> (not exported by every Glibc module map).
    private static let madvisePopulateWrite: Int32 = 23
    /// MAP_FIXED_NOREPLACE of <linux/mman.h> (Linux 4.17).
    private static let mapFixedNoReplace: Int32 = 0x100000
    /// MADV_HUGEPAGE of <linux/mman.h>.
    private static let madviseHugePage: Int32 = 14
    private static let osPageSize = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
}
