// SPDX-License-Identifier: MIT
// A value behind a lock: the one-word futex lock of DAFPlatform (daf_lock.h), whose fast path
// is one atomic instruction each way (pthread_mutex_lock + unlock cost ~100 instructions, a
// tenth of a pool alloc + free). Not Synchronization.Mutex: ThreadSanitizer cannot see its
// Linux implementation and reports every guarded access as a race; the compiler atomics of
// daf_lock.h it sees.
import DAFPlatform

final class Locked<Value: ~Copyable>: @unchecked Sendable {
    /// The lock word (0 free, 1 taken, 2 taken with waiters), on its own heap cell so that
    /// its address never changes.
    private let word = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    private var value: Value

    init(_ value: consuming Value) {
        self.value = value
        word.initialize(to: 0)
    }

    deinit { word.deallocate() }

    @inline(__always)
    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        daf_platform_lock(word)
        defer { daf_platform_unlock(word) }
        return try body(&value)
    }
}
