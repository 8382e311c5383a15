// SPDX-License-Identifier: MIT
// What every exported function does at the C boundary: check pointers, counts and alignment,
// unwrap the context id, run the Swift core, and turn a DAFError into its status plus the
// thread's detail message. Nothing Swift (error, trap, String) gets past these helpers.
import CDAF
import DAFPlatform


/// Owner tag of daf_last_error for calls that take no context.
let noContext: UInt = 0

/// Runs `body`; returns DAF_OK, or records the error for `owner` and returns its status.
@inline(__always)
func boundary(owner: UInt = noContext, _ body: () throws(DAFError) -> Void) -> Int32 {
    do {
        try body()
        return DAF_OK.code
    } catch {
        LastError.record(error.detail, owner: owner)
        return error.status
    }
}

/// boundary(owner:_:) for the calls that compute with floats (the codec's and the context's):
/// `body` runs in the default floating-point environment (round to nearest, denormals kept;
/// daf_platform_fp_enter), and the caller's is restored after, so that its rounding mode or
/// flush-to-zero setting changes neither the bytes nor the values.
@inline(__always)
func floatBoundary(owner: UInt = noContext, _ body: () throws(DAFError) -> Void) -> Int32 {
    let callerEnvironment = daf_platform_fp_enter()
    defer { daf_platform_fp_leave(callerEnvironment) }
    return boundary(owner: owner, body)
}

/// Runs `body` on the live context behind `ctx`, in the default floating-point environment.
@inline(__always)
func withContext(_ ctx: OpaquePointer?, _ body: (ActivationStore) throws(DAFError) -> Void) -> Int32 {
    let id = UInt(bitPattern: ctx)
    return floatBoundary(owner: id) { () throws(DAFError) in
        guard let store = contexts.lookup(id) else {
            throw DAFError(DAF_E_INVALID_CONTEXT, ctx == nil ? "ctx is NULL" : "ctx is not a live context (destroyed, or never created)")
        }
        try body(store)
    }
}

/// A C size_t arrives as Int: SIZE_MAX is -1 here. Counts beyond 2^58 are refused.
func checkedCount(_ count: Int, _ name: String) throws(DAFError) -> Int {
    guard count >= 0, count <= PackedLayout.maxCount else {
        throw .overflow("\(name) is \(UInt(bitPattern: count)); at most 2^58 values")
    }
    return count
}

/// A float array and its count, in that order (daf.h's argument order): the pointer is
/// non-NULL unless the count is 0 and 4-byte aligned; then the count is at most 2^58.
func checkedFloats<P: _Pointer>(_ pointer: P?, count: Int, _ name: String) throws(DAFError) -> Int {
    try checkFloats(pointer, count: count, name)
    return try checkedCount(count, "count")
}

/// An array of `type` elements and its count: non-NULL unless the count is 0, then the count
/// (at most 2^58), and 4-byte aligned for float and int32 elements.
func checkedElements(_ pointer: UnsafeRawPointer?, count: Int, type: ElementType, _ name: String) throws(DAFError) -> Int {
    if pointer == nil && count != 0 { throw .null(name) }
    let count = try checkedCount(count, "count")
    if type != .uint8 { try checkFloats(pointer?.assumingMemoryBound(to: Float.self), count: count, name) }
    return count
}

/// A float array argument: non-NULL unless count is 0, and 4-byte aligned.
func checkFloats<P: _Pointer>(_ pointer: P?, count: Int, _ name: String) throws(DAFError) {
    guard let pointer else {
        if count == 0 { return }
        throw .null(name)
    }
    guard Int(bitPattern: pointer) % MemoryLayout<Float>.alignment == 0 else {
        throw DAFError(DAF_E_MISALIGNED, "\(name) (\(pointer)) is not aligned to 4 bytes")
    }
}

/// A required float out-parameter: non-NULL and 4-byte aligned, like every float pointer.
func requiredFloat(_ pointer: UnsafeMutablePointer<Float>?, _ name: String) throws(DAFError) -> UnsafeMutablePointer<Float> {
    let pointer = try required(pointer, name)
    try checkFloats(pointer, count: 1, name)
    return pointer
}

/// A required pointer argument.
func required<T>(_ pointer: T?, _ name: String) throws(DAFError) -> T {
    guard let pointer else { throw .null(name) }
    return pointer
}

/// Reads an optional input struct: NULL means `defaults`.
func readOptional<T>(_ pointer: UnsafePointer<T>?, defaults: T, layout: VersionedLayout<T>) throws(DAFError) -> T {
    guard let pointer else { return defaults }
    return try layout.read(UnsafeRawPointer(pointer), defaults: defaults)
}
