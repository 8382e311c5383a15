// SPDX-License-Identifier: MIT
// Exports: slots, kinds and automatic bits of include/daf.h (typed save and restore, sensitivity
// reports, planning on demand, the per-slot plan). Thin: check arguments, call ActivationStore.
import CDAF

@c @implementation
public func daf_save_typed(_ ctx: OpaquePointer?, _ src: UnsafeRawPointer?, _ count: Int, _ dtype: UInt32,
                           _ params: UnsafePointer<daf_save_params>?, _ outHandle: UnsafeMutablePointer<daf_handle>?) -> Int32 {
    outHandle?.pointee = 0
    return withContext(ctx) { store throws(DAFError) in
        // In parameter order: src against its count, the count, the dtype (alignment needs it).
        if src == nil && count != 0 { throw .null("src") }
        _ = try checkedCount(count, "count")
        let type = try ElementType(checking: dtype)
        let a = try SaveArguments(src, count, dtype: type, params, outHandle)
        a.out.pointee = try store.save(src, count: a.count, dtype: type, request: a.request)
    }
}

@c @implementation
public func daf_restore_typed(_ ctx: OpaquePointer?, _ handle: daf_handle, _ dst: UnsafeMutableRawPointer?, _ count: Int,
                              _ dtype: UInt32) -> Int32 {
    withContext(ctx) { store throws(DAFError) in
        // In parameter order: the handle, dst against its count, the count, the dtype.
        let (count, type) = try afterHandle(store, handle) { () throws(DAFError) -> (Int, ElementType) in
            if dst == nil && count != 0 { throw .null("dst") }
            _ = try checkedCount(count, "count")
            let type = try ElementType(checking: dtype)
            return (try checkedElements(dst.map { UnsafeRawPointer($0) }, count: count, type: type, "dst"), type)
        }
        try store.restoreTyped(handle, into: dst, count: count, dtype: type)
    }
}

@c @implementation
public func daf_slot_set_sensitivity(_ ctx: OpaquePointer?, _ slot: UInt32, _ sensitivity: Float) -> Int32 {
    withContext(ctx) { store throws(DAFError) in
        guard slot != 0 else { throw .invalid("slot is 0; 0 means no slot") }
        guard sensitivity.isFinite, sensitivity >= 0 else {
            throw .invalid("sensitivity is \(sensitivity); must be finite and >= 0")
        }
        try store.setSensitivity(slot: slot, Double(sensitivity))
    }
}

@c @implementation
public func daf_plan_update(_ ctx: OpaquePointer?) -> Int32 {
    withContext(ctx) { store throws(DAFError) in try store.planNow() }
}

@c @implementation
public func daf_slot_plan(_ ctx: OpaquePointer?, _ slot: UInt32, _ info: UnsafeMutablePointer<daf_slot_plan_information>?) -> Int32 {
    withContext(ctx) { store throws(DAFError) in
        guard slot != 0 else { throw .invalid("slot is 0; 0 means no slot") }
        let info = try required(info, "info")
        _ = try StructLayouts.slotPlanInfo.accepted(Int(UnsafeRawPointer(info).loadUnaligned(as: UInt32.self)))
        try StructLayouts.slotPlanInfo.write(try store.slotPlan(slot), to: UnsafeMutableRawPointer(info))
    }
}
