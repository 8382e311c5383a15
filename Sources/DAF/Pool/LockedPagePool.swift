// SPDX-License-Identifier: MIT
// The object behind a daf_pool: a PagePool under a mutex, so one pool can serve several
// threads. Every operation, copies into and out of blocks included, runs under the lock.
// Destroying it unmaps its memory at once and marks it dead under the same lock, so a thread
// that still holds the object (PoolLookup's per-thread cache) gets DAF_E_INVALID_POOL.
import CDAF
import Synchronization

final class LockedPagePool: Sendable {
    private struct State: ~Copyable {
        var isLive = true
        var pool: PagePool
    }

    private let state: Locked<State>

    init(_ config: PoolConfig) throws(DAFError) {
        state = Locked(State(pool: try PagePool(config)))
    }

    func withPool<Result: Sendable>(_ body: (inout PagePool) throws(DAFError) -> Result) throws(DAFError) -> Result {
        try state.withLock { (state: inout State) throws(DAFError) -> Result in
            guard state.isLive else { throw DAFError(DAF_E_INVALID_POOL, "pool is not a live pool (destroyed)") }
            return try body(&state.pool)
        }
    }

    /// Unmaps everything; later calls get DAF_E_INVALID_POOL.
    func destroy() {
        state.withLock { state in
            state.isLive = false
            state.pool.unmapAll()
        }
    }
}
