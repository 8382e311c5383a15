// SPDX-License-Identifier: MIT
// An owned, 64-byte aligned heap buffer for transient work: a blob being packed before it goes
// into the pool, or fetched out of it (or the spill file) to be unpacked. Allocation failure is
// reported, never trapped.
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
