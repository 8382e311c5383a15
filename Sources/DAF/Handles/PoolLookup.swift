// SPDX-License-Identifier: MIT
// Finding the pool behind a daf_pool pointer, fast. Each thread remembers the last pool it
// used (its id and a strong reference): a repeated call with the same pool skips the
// registry's lock and reference counting, which cost more than an allocation itself. A pool
// destroyed meanwhile is still caught: LockedPagePool.destroy marks it dead under its own lock
// (and frees its memory), and ids are never reused, so a remembered id can only ever name the
// object it was remembered with.
// The record is found through a thread-local pointer (DAFPlatform's pool cache slot, one
// load); a pthread key holds the same record only so that its destructor drops the reference
// when the thread exits.
import CDAF
import DAFPlatform
import Glibc

enum PoolLookup {
    private struct Remembered {
        var id: UInt
        var pool: Unmanaged<LockedPagePool>
    }

    private static let exitKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            guard let raw else { return }
            // Runs on the exiting thread: its cache slot must not point at the freed record,
            // in case a later destructor of that thread still calls into libdaf.
            if daf_platform_pool_cache_get() == raw { daf_platform_pool_cache_set(nil) }
            let remembered = raw.assumingMemoryBound(to: Remembered.self)
            remembered.pointee.pool.release()
            free(raw)
        }
        return key
    }()

    /// Runs `body` on the live pool `id` names (DAF_E_INVALID_POOL if none).
    @inline(__always)
    static func with<Result: Sendable>(_ id: UInt, _ body: (LockedPagePool) throws(DAFError) -> Result) throws(DAFError) -> Result {
        if let raw = daf_platform_pool_cache_get() {
            let remembered = raw.assumingMemoryBound(to: Remembered.self)
            if remembered.pointee.id == id {
                // No retain or release: the remembered reference keeps the object alive.
                do {
                    return try remembered.pointee.pool._withUnsafeGuaranteedRef { pool in try body(pool) }
                } catch let error as DAFError {
                    throw error
                } catch {
                    throw DAFError(DAF_E_INTERNAL, "unexpected error \(error)")
                }
            }
        }
        guard let pool = pools.lookup(id) else {
            throw DAFError(DAF_E_INVALID_POOL, id == 0 ? "pool is NULL" : "pool is not a live pool (destroyed, or never created)")
        }
        remember(id, pool)
        return try body(pool)
    }

    private static func remember(_ id: UInt, _ pool: LockedPagePool) {
        if let raw = daf_platform_pool_cache_get() {
            let remembered = raw.assumingMemoryBound(to: Remembered.self)
            remembered.pointee.pool.release()
            remembered.pointee = Remembered(id: id, pool: Unmanaged.passRetained(pool))
            return
        }
        guard let raw = malloc(MemoryLayout<Remembered>.stride) else { return } // then simply not remembered
        let remembered = raw.bindMemory(to: Remembered.self, capacity: 1)
        remembered.initialize(to: Remembered(id: id, pool: Unmanaged.passRetained(pool)))
        guard pthread_setspecific(exitKey, raw) == 0 else {
            remembered.pointee.pool.release()
            free(raw)
            return
        }
        daf_platform_pool_cache_set(raw)
    }
}
