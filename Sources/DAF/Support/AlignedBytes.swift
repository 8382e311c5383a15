// An owned, 64-byte aligned heap buffer: the home of one packed blob until the paged pool
// replaces it. Allocation failure is reported, never trapped.
import CDAF
import Glibc

final class AlignedBytes: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let count: Int

    init(count: Int) throws(DAFError) {
        var pointer: UnsafeMutableRawPointer? = nil
        guard count >= 0, posix_memalign(&pointer, 64, max(count, 1)) == 0, let pointer else {
            throw DAFError(DAF_E_NO_MEMORY, "could not allocate \(count) bytes")
        }
        base = pointer
        self.count = count
    }

    deinit { free(base) }
}
