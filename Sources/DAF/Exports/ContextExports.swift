// Exports: contexts and activation save/restore of include/daf.h. Thin: check arguments,
// find the context, call ActivationStore; the detail of a failure goes to daf_last_error(ctx).
import CDAF

private let defaultOptions = daf_options(
    struct_size: UInt32(MemoryLayout<daf_options>.size), bits: UInt32(DAF_DEFAULT_BITS),
    group_size: UInt32(DAF_DEFAULT_GROUP_SIZE), rounding: UInt32(DAF_ROUND_NEAREST.rawValue), seed: 0, threads: 0)

private let defaultSaveParams = daf_save_params(
    struct_size: UInt32(MemoryLayout<daf_save_params>.size), bits: 0, importance: 0)

@c @implementation
public func daf_options_init(_ options: UnsafeMutablePointer<daf_options>?) -> Int32 {
    boundary { () throws(DAFError) in try required(options, "options").pointee = defaultOptions }
}

@c @implementation
public func daf_save_params_init(_ params: UnsafeMutablePointer<daf_save_params>?) -> Int32 {
    boundary { () throws(DAFError) in try required(params, "params").pointee = defaultSaveParams }
}

@c @implementation
public func daf_create(_ options: UnsafePointer<daf_options>?, _ outCtx: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    boundary { () throws(DAFError) in
        let out = try required(outCtx, "out_ctx")
        out.pointee = nil
        let o = try readOptional(options, defaults: defaultOptions, name: "daf_options")
        let spec = try QuantSpec(bits: o.bits, groupSize: o.group_size, rounding: o.rounding, seed: o.seed)
        guard o.threads <= UInt32(ActivationStore.maximumThreads) else {
            throw .invalid("daf_options.threads is \(o.threads); allowed 0 (one per online core) to \(ActivationStore.maximumThreads)")
        }
        let threads = o.threads == 0 ? CodecThreads.onlineCores : Int(o.threads)
        guard let store = ActivationStore(defaults: spec, threads: threads) else {
            throw DAFError(DAF_E_NO_MEMORY, "could not start the context's worker threads")
        }
        out.pointee = OpaquePointer(bitPattern: contexts.register(store))
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

/// What daf_save and daf_save_async check before any work.
private func checkedSave(_ src: UnsafePointer<Float>?, _ count: Int, _ params: UnsafePointer<daf_save_params>?,
                         _ outHandle: UnsafeMutablePointer<daf_handle>?)
    throws(DAFError) -> (out: UnsafeMutablePointer<daf_handle>, count: Int, params: daf_save_params) {
    let out = try required(outHandle, "out_handle")
    let count = try checkedCount(count, "count")
    try checkFloats(src, count: count, "src")
    let p = try readOptional(params, defaults: defaultSaveParams, name: "daf_save_params")
    guard p.bits == 0 || QuantSpec.isValid(bits: p.bits) else {
        throw .invalid("daf_save_params.bits is \(p.bits); allowed 0 (context default) or 1...8")
    }
    guard p.importance.isFinite else { throw .invalid("daf_save_params.importance is \(p.importance); must be finite") }
    return (out, count, p)
}

@c @implementation
public func daf_save(_ ctx: OpaquePointer?, _ src: UnsafePointer<Float>?, _ count: Int,
                     _ params: UnsafePointer<daf_save_params>?, _ outHandle: UnsafeMutablePointer<daf_handle>?) -> Int32 {
    outHandle?.pointee = 0 // 0 on every failure, a bad context included
    return withContext(ctx) { store throws(DAFError) in
        let (out, count, p) = try checkedSave(src, count, params, outHandle)
        out.pointee = try store.save(src, count: count, bits: p.bits, importance: p.importance)
    }
}

@c @implementation
public func daf_save_async(_ ctx: OpaquePointer?, _ src: UnsafePointer<Float>?, _ count: Int,
                           _ params: UnsafePointer<daf_save_params>?, _ outHandle: UnsafeMutablePointer<daf_handle>?) -> Int32 {
    outHandle?.pointee = 0
    return withContext(ctx) { store throws(DAFError) in
        let (out, count, p) = try checkedSave(src, count, params, outHandle)
        out.pointee = try store.saveAsync(src, count: count, bits: p.bits, importance: p.importance)
    }
}

@c @implementation
public func daf_wait(_ ctx: OpaquePointer?, _ handle: daf_handle) -> Int32 {
    withContext(ctx) { store throws(DAFError) in try store.wait(handle) }
}

@c @implementation
public func daf_restore(_ ctx: OpaquePointer?, _ handle: daf_handle, _ dst: UnsafeMutablePointer<Float>?, _ count: Int) -> Int32 {
    withContext(ctx) { store throws(DAFError) in
        let count = try checkedCount(count, "count")
        try checkFloats(dst, count: count, "dst")
        try store.restore(handle, into: dst, count: count)
    }
}

@c @implementation
public func daf_restore_range(_ ctx: OpaquePointer?, _ handle: daf_handle, _ first: Int, _ count: Int,
                              _ dst: UnsafeMutablePointer<Float>?) -> Int32 {
    withContext(ctx) { store throws(DAFError) in
        let count = try checkedCount(count, "count")
        guard first >= 0 else { throw DAFError(DAF_E_OUT_OF_RANGE, "first is \(UInt(bitPattern: first)), beyond any tensor") }
        try checkFloats(dst, count: count, "dst")
        try store.restoreRange(handle, first: first, count: count, into: dst)
    }
}

@c @implementation
public func daf_release(_ ctx: OpaquePointer?, _ handle: daf_handle) -> Int32 {
    withContext(ctx) { store throws(DAFError) in try store.release(handle) }
}

@c @implementation
public func daf_set_importance(_ ctx: OpaquePointer?, _ handle: daf_handle, _ importance: Float) -> Int32 {
    withContext(ctx) { store throws(DAFError) in
        guard importance.isFinite else { throw .invalid("importance is \(importance); must be finite") }
        try store.setImportance(handle, importance)
    }
}

@c @implementation
public func daf_stats(_ ctx: OpaquePointer?, _ stats: UnsafeMutablePointer<daf_context_stats>?) -> Int32 {
    withContext(ctx) { store throws(DAFError) in
        let stats = try required(stats, "stats")
        let f = store.figures
        let value = daf_context_stats(
            struct_size: 0, reserved: 0, live_entries: UInt64(f.liveEntries), live_packed_bytes: UInt64(f.livePackedBytes),
            live_fp32_bytes: UInt64(f.liveFP32Bytes), peak_packed_bytes: UInt64(f.peakPackedBytes),
            peak_fp32_bytes: UInt64(f.peakFP32Bytes), saves: UInt64(f.saves), restores: UInt64(f.restores),
            releases: UInt64(f.releases))
        try writeVersioned(value, to: UnsafeMutableRawPointer(stats), name: "daf_context_stats")
    }
}
