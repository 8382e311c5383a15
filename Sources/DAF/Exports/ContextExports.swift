// SPDX-License-Identifier: MIT
// Exports: contexts and activation save/restore of include/daf.h. Thin: check arguments,
// find the context, call ActivationStore; the detail of a failure goes to daf_last_error(ctx).
import CDAF

// Computed: the structs hold pointers, so they cannot be shared constants.
private var defaultOptions: daf_options {
    daf_options(
        struct_size: UInt32(MemoryLayout<daf_options>.size), bits: UInt32(DAF_DEFAULT_BITS),
        group_size: UInt32(DAF_DEFAULT_GROUP_SIZE), rounding: UInt32(DAF_DEFAULT_ROUNDING), seed: 0,
        threads: 0, policy: UInt32(DAF_POLICY_FAIL.rawValue), budget_bytes: 0, chunk_bytes: UInt64(DAF_DEFAULT_CHUNK_BYTES),
        page_size: UInt32(DAF_DEFAULT_PAGE_SIZE), degrade_floor_bits: 1, pool_flags: 0, reserved: 0, spill_dir: nil,
        avg_bits: 0, min_bits: UInt32(DAF_MIN_BITS), max_bits: UInt32(DAF_MAX_BITS), plan_flags: UInt32(DAF_PLAN_GROUP_SIZE.rawValue))
}

var defaultSaveParams: daf_save_params {
    daf_save_params(
        struct_size: UInt32(MemoryLayout<daf_save_params>.size), bits: 0, importance: 0, reserved: 0,
        recompute: nil, recompute_user: nil, slot: 0, kind: UInt32(DAF_KIND_FLOAT.rawValue), int_min: 0, int_max: 0)
}

@c @implementation
public func daf_options_init(_ options: UnsafeMutablePointer<daf_options>?) -> Int32 {
    daf_options_init_sized(options, StructLayouts.options.oldest)
}

@c @implementation
public func daf_options_init_sized(_ options: UnsafeMutablePointer<daf_options>?, _ size: Int) -> Int32 {
    boundary { () throws(DAFError) in
        try initVersioned(options, size: size, layout: StructLayouts.options, defaults: defaultOptions)
    }
}

@c @implementation
public func daf_save_params_init(_ params: UnsafeMutablePointer<daf_save_params>?) -> Int32 {
    daf_save_params_init_sized(params, StructLayouts.saveParams.oldest)
}

@c @implementation
public func daf_save_params_init_sized(_ params: UnsafeMutablePointer<daf_save_params>?, _ size: Int) -> Int32 {
    boundary { () throws(DAFError) in
        try initVersioned(params, size: size, layout: StructLayouts.saveParams, defaults: defaultSaveParams)
    }
}

@c @implementation
public func daf_create(_ options: UnsafePointer<daf_options>?, _ outCtx: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    boundary { () throws(DAFError) in
        outCtx?.pointee = nil
        let o = try readOptional(options, defaults: defaultOptions, layout: StructLayouts.options)
        let out = try required(outCtx, "out_ctx")
        out.pointee = OpaquePointer(bitPattern: try contexts.register(try ActivationStore(StoreConfig(o))))
    }
}

@c @implementation
public func daf_destroy(_ ctx: OpaquePointer?) -> Int32 {
    guard let ctx else { return DAF_OK.code }
    return boundary(owner: UInt(bitPattern: ctx)) { () throws(DAFError) in
        guard let store = contexts.remove(UInt(bitPattern: ctx)) else {
            throw DAFError(DAF_E_INVALID_CONTEXT, "ctx is not a live context (already destroyed, or never created)")
        }
        store.close()
    }
}

/// What daf_save, daf_save_async and daf_save_typed check before any work, in the parameter order.
struct SaveArguments {
    let out: UnsafeMutablePointer<daf_handle>
    let count: Int
    let request: SaveRequest

    init(_ src: UnsafeRawPointer?, _ count: Int, dtype: ElementType = .float32, _ params: UnsafePointer<daf_save_params>?,
         _ outHandle: UnsafeMutablePointer<daf_handle>?) throws(DAFError) {
        self.count = try checkedElements(src, count: count, type: dtype, "src")
        let p = try readOptional(params, defaults: defaultSaveParams, layout: StructLayouts.saveParams)
        guard p.bits == 0 || p.bits == DAF_BITS_AUTO || QuantSpec.isValid(bits: p.bits) else {
            throw .invalid("daf_save_params.bits is \(p.bits); allowed 0 (context default), 1...8 or DAF_BITS_AUTO (255)")
        }
        guard p.importance.isFinite else { throw .invalid("daf_save_params.importance is \(p.importance); must be finite") }
        guard p.reserved == 0 else { throw .invalid("daf_save_params.reserved is \(p.reserved); must be 0") }
        let kind = try SaveKind(kind: p.kind, intMin: p.int_min, intMax: p.int_max)
        guard kind.accepts(dtype) else {
            throw .invalid("dtype \(dtype.rawValue) is an integer type; daf_save_params.kind \(p.kind) takes float input only")
        }
        out = try required(outHandle, "out_handle")
        request = SaveRequest(bits: p.bits, importance: p.importance,
                              recompute: p.recompute.map { RecomputeHook(function: $0, user: p.recompute_user) },
                              slot: p.slot, kind: kind)
    }
}

@c @implementation
public func daf_save(_ ctx: OpaquePointer?, _ src: UnsafePointer<Float>?, _ count: Int,
                     _ params: UnsafePointer<daf_save_params>?, _ outHandle: UnsafeMutablePointer<daf_handle>?) -> Int32 {
    outHandle?.pointee = 0 // 0 on every failure, a bad context included
    return withContext(ctx) { store throws(DAFError) in
        let a = try SaveArguments(src, count, params, outHandle)
        a.out.pointee = try store.save(src, count: a.count, dtype: .float32, request: a.request)
    }
}

@c @implementation
public func daf_save_async(_ ctx: OpaquePointer?, _ src: UnsafePointer<Float>?, _ count: Int,
                           _ params: UnsafePointer<daf_save_params>?, _ outHandle: UnsafeMutablePointer<daf_handle>?) -> Int32 {
    outHandle?.pointee = 0
    return withContext(ctx) { store throws(DAFError) in
        let a = try SaveArguments(src, count, params, outHandle)
        a.out.pointee = try store.saveAsync(src, count: a.count, request: a.request)
    }
}

@c @implementation
public func daf_wait(_ ctx: OpaquePointer?, _ handle: daf_handle) -> Int32 {
    withContext(ctx) { store throws(DAFError) in try store.wait(handle) }
}

/// Checks of the arguments that follow a handle: when one fails, an unknown handle is reported
/// first (daf.h: arguments in parameter order), without a lookup on the successful path.
func afterHandle<T>(_ store: ActivationStore, _ handle: daf_handle,
                            _ check: () throws(DAFError) -> T) throws(DAFError) -> T {
    do throws(DAFError) {
        return try check()
    } catch {
        _ = try store.savedCount(handle)
        throw error
    }
}

@c @implementation
public func daf_restore(_ ctx: OpaquePointer?, _ handle: daf_handle, _ dst: UnsafeMutablePointer<Float>?, _ count: Int) -> Int32 {
    withContext(ctx) { store throws(DAFError) in
        let count = try afterHandle(store, handle) { () throws(DAFError) in try checkedFloats(dst, count: count, "dst") }
        try store.restore(handle, into: dst, count: count)
    }
}

@c @implementation
public func daf_restore_range(_ ctx: OpaquePointer?, _ handle: daf_handle, _ first: Int, _ count: Int,
                              _ dst: UnsafeMutablePointer<Float>?) -> Int32 {
    withContext(ctx) { store throws(DAFError) in
        let count = try afterHandle(store, handle) { () throws(DAFError) in
            let count = try checkedCount(count, "count")
            guard first >= 0 else { throw DAFError(DAF_E_OUT_OF_RANGE, "first is \(UInt(bitPattern: first)), beyond any tensor") }
            return count
        }
        do throws(DAFError) {
            try checkFloats(dst, count: count, "dst")
        } catch {
            try checkRange(first: first, count: count, total: try store.savedCount(handle))
            throw error
        }
        try store.restoreRange(handle, first: first, count: count, into: dst)
    }
}

@c @implementation
public func daf_release(_ ctx: OpaquePointer?, _ handle: daf_handle) -> Int32 {
    withContext(ctx) { store throws(DAFError) in try store.release(handle) }
}

@c @implementation
public func daf_restore_release(_ ctx: OpaquePointer?, _ handle: daf_handle, _ dst: UnsafeMutablePointer<Float>?,
                                _ count: Int) -> Int32 {
    withContext(ctx) { store throws(DAFError) in
        let count = try afterHandle(store, handle) { () throws(DAFError) in try checkedFloats(dst, count: count, "dst") }
        try store.restore(handle, into: dst, count: count)
        try store.release(handle)
    }
}

@c @implementation
public func daf_release_all(_ ctx: OpaquePointer?, _ outReleased: UnsafeMutablePointer<Int>?) -> Int32 {
    outReleased?.pointee = 0
    return withContext(ctx) { store throws(DAFError) in
        let released = try store.releaseAll()
        outReleased?.pointee = released
    }
}

@c @implementation
public func daf_wait_all(_ ctx: OpaquePointer?) -> Int32 {
    withContext(ctx) { store throws(DAFError) in try store.waitAll() }
}

@c @implementation
public func daf_set_importance(_ ctx: OpaquePointer?, _ handle: daf_handle, _ importance: Float) -> Int32 {
    withContext(ctx) { store throws(DAFError) in
        try afterHandle(store, handle) { () throws(DAFError) in
            guard importance.isFinite else { throw .invalid("importance is \(importance); must be finite") }
        }
        try store.setImportance(handle, importance)
    }
}

@c @implementation
public func daf_stats(_ ctx: OpaquePointer?, _ stats: UnsafeMutablePointer<daf_context_statistics>?) -> Int32 {
    withContext(ctx) { store throws(DAFError) in
        let stats = try required(stats, "stats")
        let (figures, pool, spillFileBytes) = store.snapshot
        let value = daf_context_statistics(figures, pool: pool, spillFileBytes: spillFileBytes, plan: store.planSnapshot)
        try StructLayouts.contextStats.write(value, to: UnsafeMutableRawPointer(stats))
    }
}

@c @implementation
public func daf_set_budget(_ ctx: OpaquePointer?, _ budgetBytes: UInt64) -> Int32 {
    withContext(ctx) { store throws(DAFError) in try store.setBudget(budgetBytes) }
}

@c @implementation
public func daf_handle_info(_ ctx: OpaquePointer?, _ handle: daf_handle, _ info: UnsafeMutablePointer<daf_handle_information>?) -> Int32 {
    withContext(ctx) { store throws(DAFError) in
        let value = daf_handle_information(try store.entry(handle))
        try StructLayouts.entryInfo.write(value, to: UnsafeMutableRawPointer(try required(info, "info")))
    }
}
