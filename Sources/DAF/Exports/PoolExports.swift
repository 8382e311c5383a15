// SPDX-License-Identifier: MIT
// Exports: the standalone paged pool of include/daf.h. Thin: check arguments, find the pool,
// call PagePool under its lock. Pool failures are recorded for daf_last_error(NULL).
import CDAF


private let defaultPoolOptions = daf_pool_options(
    struct_size: UInt32(MemoryLayout<daf_pool_options>.size), page_size: UInt32(DAF_DEFAULT_PAGE_SIZE),
    chunk_bytes: UInt64(DAF_DEFAULT_CHUNK_BYTES), budget_bytes: 0, flags: 0, reserved: 0)

/// Runs `body` on the live pool behind `pool`.
@inline(__always)
private func withPool(_ pool: OpaquePointer?, _ body: (LockedPagePool) throws(DAFError) -> Void) -> Int32 {
    boundary { () throws(DAFError) in try PoolLookup.with(UInt(bitPattern: pool), body) }
}

@inline(__always)
private func finiteImportance(_ importance: Float) throws(DAFError) -> Float {
    guard importance.isFinite else { throw .invalid("importance is \(importance); must be finite") }
    return importance
}

@c @implementation
public func daf_pool_options_init(_ options: UnsafeMutablePointer<daf_pool_options>?) -> Int32 {
    daf_pool_options_init_sized(options, StructLayouts.poolOptions.oldest)
}

@c @implementation
public func daf_pool_options_init_sized(_ options: UnsafeMutablePointer<daf_pool_options>?, _ size: Int) -> Int32 {
    boundary { () throws(DAFError) in
        try initVersioned(options, size: size, layout: StructLayouts.poolOptions, defaults: defaultPoolOptions)
    }
}

@c @implementation
public func daf_pool_create(_ options: UnsafePointer<daf_pool_options>?, _ outPool: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    boundary { () throws(DAFError) in
        outPool?.pointee = nil
        let o = try readOptional(options, defaults: defaultPoolOptions, layout: StructLayouts.poolOptions)
        guard o.reserved == 0 else { throw .invalid("daf_pool_options.reserved is \(o.reserved); must be 0") }
        let config = try PoolConfig(pageSize: o.page_size, chunkBytes: o.chunk_bytes, budgetBytes: o.budget_bytes,
                                    flags: o.flags, prefix: "daf_pool_options")
        let out = try required(outPool, "out_pool")
        out.pointee = OpaquePointer(bitPattern: try pools.register(try LockedPagePool(config)))
    }
}

@c @implementation
public func daf_pool_destroy(_ pool: OpaquePointer?) -> Int32 {
    guard let pool else { return DAF_OK.code }
    return boundary { () throws(DAFError) in
        guard let object = pools.remove(UInt(bitPattern: pool)) else {
            throw DAFError(DAF_E_INVALID_POOL, "pool is not a live pool (already destroyed, or never created)")
        }
        object.destroy()
    }
}

@c @implementation
public func daf_pool_alloc(_ pool: OpaquePointer?, _ bytes: Int, _ importance: Float,
                           _ outBlock: UnsafeMutablePointer<daf_pool_block>?) -> Int32 {
    outBlock?.pointee = 0 // 0 on every failure, a bad pool included
    return withPool(pool) { object throws(DAFError) in
        guard bytes >= 0 else { throw .overflow("bytes is \(UInt(bitPattern: bytes)); too large for any pool") }
        let importance = try finiteImportance(importance)
        let out = try required(outBlock, "out_block")
        out.pointee = try object.withPool { pool throws(DAFError) in try pool.allocate(bytes: bytes, importance: importance) }
    }
}

@c @implementation
public func daf_pool_free(_ pool: OpaquePointer?, _ block: daf_pool_block) -> Int32 {
    withPool(pool) { object throws(DAFError) in try object.withPool { pool throws(DAFError) in try pool.free(block) } }
}

@c @implementation
public func daf_pool_write(_ pool: OpaquePointer?, _ block: daf_pool_block, _ offset: Int,
                           _ src: UnsafeRawPointer?, _ bytes: Int) -> Int32 {
    withPool(pool) { object throws(DAFError) in
        try object.withPool { pool throws(DAFError) in try pool.write(block, offset: offset, from: src, count: bytes) }
    }
}

@c @implementation
public func daf_pool_read(_ pool: OpaquePointer?, _ block: daf_pool_block, _ offset: Int,
                          _ dst: UnsafeMutableRawPointer?, _ bytes: Int) -> Int32 {
    withPool(pool) { object throws(DAFError) in
        try object.withPool { pool throws(DAFError) in try pool.read(block, offset: offset, into: dst, count: bytes) }
    }
}

@c @implementation
public func daf_pool_block_size(_ pool: OpaquePointer?, _ block: daf_pool_block, _ outBytes: UnsafeMutablePointer<Int>?) -> Int32 {
    withPool(pool) { object throws(DAFError) in
        let size = try object.withPool { pool throws(DAFError) in try pool.size(of: block) }
        try required(outBytes, "out_bytes").pointee = size
    }
}

@c @implementation
public func daf_pool_set_importance(_ pool: OpaquePointer?, _ block: daf_pool_block, _ importance: Float) -> Int32 {
    withPool(pool) { object throws(DAFError) in
        try object.withPool { pool throws(DAFError) in
            _ = try pool.slot(of: block) // an unknown block is reported before a bad importance
            try pool.setImportance(block, try finiteImportance(importance))
        }
    }
}

@c @implementation
public func daf_pool_least_important(_ pool: OpaquePointer?, _ outBlock: UnsafeMutablePointer<daf_pool_block>?) -> Int32 {
    withPool(pool) { object throws(DAFError) in
        let out = try required(outBlock, "out_block")
        out.pointee = try object.withPool { pool throws(DAFError) in pool.leastImportant }
    }
}

@c @implementation
public func daf_pool_evict(_ pool: OpaquePointer?, _ outBlock: UnsafeMutablePointer<daf_pool_block>?) -> Int32 {
    withPool(pool) { object throws(DAFError) in
        let out = try required(outBlock, "out_block")
        out.pointee = try object.withPool { pool throws(DAFError) in pool.evictLeastImportant() }
    }
}

@c @implementation
public func daf_pool_set_budget(_ pool: OpaquePointer?, _ budgetBytes: UInt64) -> Int32 {
    withPool(pool) { object throws(DAFError) in try object.withPool { pool throws(DAFError) in try pool.setBudget(budgetBytes) } }
}

@c @implementation
public func daf_pool_trim(_ pool: OpaquePointer?) -> Int32 {
    withPool(pool) { object throws(DAFError) in try object.withPool { pool throws(DAFError) in pool.trim() } }
}

@c @implementation
public func daf_pool_stats(_ pool: OpaquePointer?, _ stats: UnsafeMutablePointer<daf_pool_statistics>?) -> Int32 {
    withPool(pool) { object throws(DAFError) in
        let stats = try required(stats, "stats")
        let figures = try object.withPool { pool throws(DAFError) in pool.statistics }
        try StructLayouts.poolStatistics.write(daf_pool_statistics(figures), to: UnsafeMutableRawPointer(stats))
    }
}
