// The pool's only contact with the OS: mapping and unmapping page-aligned ranges of anonymous
// memory. Nothing here knows about pages, blocks or budgets.
import Glibc

enum PageMemory {
    /// Maps `bytes` of zeroed, private, anonymous memory, or returns nil. Pages are only backed
    /// (and counted in RSS) once touched.
    static func map(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes > 0, let base = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              base != MAP_FAILED else { return nil }
        return base
    }

    /// Returns [base, base + bytes) to the OS; base and bytes are multiples of the OS page.
    static func unmap(_ base: UnsafeMutableRawPointer, _ bytes: Int) {
        if bytes > 0 { munmap(base, bytes) }
    }
}
