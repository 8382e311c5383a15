// SPDX-License-Identifier: MIT
// How the context decides what a save is packed as: the request's kind and width or the
// planner's (automatic bits), the stochastic seed's save number, the staging of kinds, and the
// group ranges a slotted save reports to the planner. ActivationStore.swift packs and stores.
import CDAF
import Synchronization

extension ActivationStore {
    /// How a save is packed: an exact kind's width, the plan's for an automatic save (which
    /// may start a new step), else the asked or default width.
    func savePlan(_ request: SaveRequest) throws(DAFError) -> SavePlan {
        let automatic = !request.kind.isExact
            && (request.bits == DAF_BITS_AUTO || (request.bits == 0 && defaultIsAutomatic))
        var planned = (bits: defaults.bits, groupSize: defaults.groupSize)
        if request.slot != 0 || automatic {
            planned = try withState { state throws(DAFError) in state.beginSave(slot: request.slot) }
        }
        let bits: Int, groupSize: Int, rounding: Rounding
        if let exact = request.kind.exactBits {
            (bits, groupSize, rounding) = (exact, max(defaults.groupSize, SaveKind.exactGroupSize), .nearest)
        } else if automatic {
            (bits, groupSize, rounding) = (planned.bits, planned.groupSize, defaults.rounding)
        } else {
            (bits, groupSize, rounding) = (request.bits == 0 ? defaults.bits : Int(request.bits), defaults.groupSize, defaults.rounding)
        }
        let number = takeSaveNumber()
        do throws(DAFError) {
            let spec = try QuantSpec(bits: UInt32(bits), groupSize: UInt32(groupSize), rounding: UInt32(rounding.rawValue),
                                     seed: defaults.seed &+ number)
            return SavePlan(spec: spec, automatic: automatic, request: request, number: number)
        } catch {
            giveBack(number)
            throw error
        }
    }

    /// Takes the next save number (its seed is the context's seed + number); `giveBack` returns
    /// it after a failed save unless another save has taken one since, so that retrying a
    /// refused save does not shift the seeds of the saves after it.
    /// Relaxed: the counter only makes each save's seed distinct (an indivisible add or
    /// exchange under any ordering, ARM's included); no other memory is published through it.
    func takeSaveNumber() -> UInt64 { saveNumber.add(1, ordering: .relaxed).oldValue }
    func giveBack(_ number: UInt64) {
        _ = saveNumber.compareExchange(expected: number &+ 1, desired: number, ordering: .relaxed)
    }

    /// A slotted save's group ranges, read from its blob's group table before the lock is
    /// taken, and the nanoseconds that took (counted as the planner's time).
    static func measure(_ plan: SavePlan, blob: UnsafeRawPointer, size: Int) -> (GroupRangeProbe?, UInt64) {
        guard plan.request.slot != 0 else { return (nil, 0) }
        let started = Clock.nanoseconds()
        let probe = GroupRangeProbe(blob, size: size)
        return (probe, Clock.nanoseconds() &- started)
    }

    /// The floats to pack and how. Values are checked before the planner sees the save (a
    /// refused save leaves no trace in a slot's step); companding needs the spec first, and
    /// has no values to refuse.
    /// A synchronous save takes its staging buffer from `staging` (give it back with
    /// `giveStaging` once packed) and leaves companding to the packer (StagedValues.stage);
    /// an async one allocates its own and stages here.
    func stagedAndPlanned(_ src: UnsafeRawPointer?, count: Int, dtype: ElementType, request: SaveRequest,
                          reusing: Bool = false) throws(DAFError) -> (StagedValues, SavePlan) {
        let buffers = reusing ? staging : nil
        if request.kind == .nonnegative {
            let plan = try savePlan(request)
            return (try KindStaging.staged(src, count: count, dtype: dtype, kind: request.kind, spec: plan.spec,
                                           scratch: buffers, deferred: reusing), plan)
        }
        let staged = try KindStaging.staged(src, count: count, dtype: dtype, kind: request.kind, scratch: buffers)
        return (staged, try savePlan(request))
    }

    /// Keeps a synchronous save's staging buffer for the next one.
    func giveStaging(_ staged: StagedValues) {
        if let buffer = staged.buffer { staging.give(buffer) }
    }

    /// Notes a save's group ranges for its slot's statistics (StoreState's lock held).
    static func observe(_ plan: SavePlan, count: Int, _ measured: (GroupRangeProbe?, UInt64), in state: inout StoreState) {
        guard plan.request.slot != 0 else { return }
        state.planner.observe(slot: plan.request.slot, count: count, kind: plan.request.kind, automatic: plan.automatic,
                              bits: plan.spec.bits, groupSize: plan.spec.groupSize, importance: plan.request.importance,
                              probe: measured.0, nanoseconds: measured.1)
    }
}
