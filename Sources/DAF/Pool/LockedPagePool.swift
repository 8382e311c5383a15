// The object behind a daf_pool: a PagePool under a mutex, so one pool can serve several
// threads. Every operation, copies into and out of blocks included, runs under the lock.
import Synchronization

final class LockedPagePool: Sendable {
    private let pool: Mutex<PagePool>

    init(_ config: PoolConfig) throws(DAFError) {
        pool = Mutex(try PagePool(config))
    }

    func withPool<Result: Sendable>(_ body: (inout PagePool) throws(DAFError) -> Result) throws(DAFError) -> Result {
        try pool.withLock { (pool: inout PagePool) throws(DAFError) -> Result in try body(&pool) }
    }
}
