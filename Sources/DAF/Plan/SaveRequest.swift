// SPDX-License-Identifier: MIT
// One save as the caller asked for it (daf_save_params, checked) and as the context decided to
// pack it (SavePlan); the store's glue to the planner: step boundaries, sensitivity reports,
// the per-slot answers of daf_slot_plan.
import CDAF

struct SaveRequest: Sendable {
    /// 0 (the context's default), 1...8, or DAF_BITS_AUTO.
    var bits: UInt32 = 0
    var importance: Float = 0
    var recompute: RecomputeHook? = nil
    var slot: UInt32 = 0
    var kind = SaveKind.float
}

struct SavePlan: Sendable {
    let spec: QuantSpec
    let automatic: Bool
    let request: SaveRequest
    /// Which save this is, counted per context (its stochastic seed is the context's + number).
    let number: UInt64
}

extension StoreState {
    /// The planner's width and group size for a save of `slot`, planning first at a step boundary.
    mutating func beginSave(slot: UInt32) -> (bits: Int, groupSize: Int) {
        let plansBefore = planner.figures.plans
        let planned = planner.beginSave(slot: slot, budget: (Int(clamping: pool.budgetBytes), pool.pageSize))
        notePlan(plansBefore)
        return planned
    }

    mutating func replan() {
        let plansBefore = planner.figures.plans
        planner.replan(budget: (Int(clamping: pool.budgetBytes), pool.pageSize))
        notePlan(plansBefore)
    }

    private mutating func notePlan(_ plansBefore: Int) {
        if plansBefore == 0, planner.figures.plans > 0 { reactionsAtFirstPlan = figures.reactions }
    }

    /// daf_slot_plan's answer for `slot`.
    func slotPlan(_ slot: UInt32) throws(DAFError) -> daf_slot_plan_information {
        // A slot known only from daf_slot_set_sensitivity has no size or group size yet.
        guard slot != 0, let s = planner.slots[slot], s.saves > 0 else {
            throw .invalid("slot is \(slot); no save has named it" + (slot == 0 ? " (0 means no slot)" : " yet"))
        }
        let planned = planner.plan[slot]
        let bits = s.kind.exactBits ?? planned?.bits ?? (s.automatic ? planner.settings.provisionalBits : s.bits)
        let groupSize = s.kind.isExact ? s.groupSize : planned?.groupSize ?? (s.automatic ? planner.settings.baseGroupSize : s.groupSize)
        let bytes = (try? PackedLayout(count: s.count, bits: bits, groupSize: groupSize, nonfinite: 0).totalSize) ?? 0
        return daf_slot_plan_information(
            struct_size: 0, slot: slot, bits: UInt32(bits), group_size: UInt32(groupSize), kind: s.kind.code,
            automatic: s.automatic ? 1 : 0, count: UInt64(s.count), bytes: UInt64(bytes), saves: UInt64(s.saves),
            predicted_error: s.predictedError(bits: bits, groupSize: groupSize, variance: planner.settings.variance) ?? 0,
            sensitivity: s.sensitivity)
    }
}

extension ActivationStore {
    /// The planner's figures for daf_stats.
    var planSnapshot: (figures: PlanFigures, reactionsAfterPlan: Int) {
        (try? withState { state in
            (state.planner.figures, state.reactionsAtFirstPlan.map { state.figures.reactions - $0 } ?? 0)
        }) ?? (PlanFigures(), 0)
    }

    func setSensitivity(slot: UInt32, _ value: Double) throws(DAFError) {
        try withState { state throws(DAFError) in state.planner.report(slot: slot, sensitivity: value) }
    }

    func planNow() throws(DAFError) {
        try withState { state throws(DAFError) in state.replan() }
    }

    func slotPlan(_ slot: UInt32) throws(DAFError) -> daf_slot_plan_information {
        try withState { state throws(DAFError) in try state.slotPlan(slot) }
    }

    /// daf_restore_typed: floats for any entry, exact integers for mask and integer entries.
    func restoreTyped(_ handle: UInt64, into dst: UnsafeMutableRawPointer?, count: Int, dtype: ElementType) throws(DAFError) {
        if dtype == .float32 {
            return try restore(handle, into: dst?.assumingMemoryBound(to: Float.self), count: count)
        }
        let kind = try kind(of: handle)
        guard kind.isExact else {
            throw .invalid("dtype \(dtype.rawValue) is an integer type; handle \(handle) holds a float kind (restore it as DAF_DTYPE_FLOAT32)")
        }
        let floats = try staging.take(atLeast: count * MemoryLayout<Float>.stride)
        defer { staging.give(floats) }
        let values = floats.base.bindMemory(to: Float.self, capacity: count)
        // A callback rebuilds the values themselves; decoded integers are offsets from int_min.
        let decoded = try restoreStored(handle, into: count == 0 ? nil : values, count: count)
        guard count > 0, let dst else { return }
        KindStaging.finishIntegers(values, count: count, kind: decoded ?? .mask, dtype: dtype, into: dst)
    }
}
