// SPDX-License-Identifier: MIT
// The C structs of include/daf.h built from (and read into) the core's own Swift values: the
// core never spells a daf_* struct, so its types stay free of the ABI's layout.
import CDAF

private func n(_ value: Int) -> UInt64 { UInt64(clamping: value) }

extension daf_pool_statistics {
    init(_ f: PoolFigures) {
        self.init(
            struct_size: 0, page_size: UInt32(clamping: f.pageSize), budget_bytes: f.budgetBytes,
            capacity_bytes: n(f.capacityBytes), peak_capacity_bytes: n(f.peakCapacityBytes),
            live_blocks: n(f.liveBlocks), live_bytes: n(f.liveBytes), peak_live_bytes: n(f.peakLiveBytes),
            pages_total: n(f.pagesTotal), pages_free: n(f.pagesFree), fragmentation_bytes: n(f.fragmentationBytes),
            chunks_mapped: n(f.chunksMapped), chunk_maps: n(f.chunkMaps), trims: n(f.trims),
            trimmed_bytes: n(f.trimmedBytes), evictions: n(f.evictions), allocs: n(f.allocs), frees: n(f.frees),
            budget_refusals: n(f.budgetRefusals))
    }
}

extension QuantSpec {
    /// daf_quantize_params_init's values.
    static var defaultParams: daf_quantize_params {
        daf_quantize_params(struct_size: UInt32(MemoryLayout<daf_quantize_params>.size),
                            bits: UInt32(DAF_DEFAULT_BITS), group_size: UInt32(DAF_DEFAULT_GROUP_SIZE),
                            rounding: UInt32(DAF_ROUND_NEAREST.rawValue), seed: 0)
    }

    init(_ params: daf_quantize_params) throws(DAFError) {
        try self.init(bits: params.bits, groupSize: params.group_size, rounding: params.rounding, seed: params.seed)
    }
}

extension daf_context_statistics {
    init(_ f: Figures, pool: PoolFigures, spillFileBytes: Int, plan: (figures: PlanFigures, reactionsAfterPlan: Int)) {
        self.init(
            struct_size: 0, reserved: 0, live_entries: n(f.liveEntries), live_packed_bytes: n(f.livePackedBytes),
            live_fp32_bytes: n(f.liveFP32Bytes), peak_packed_bytes: n(f.peakPackedBytes),
            peak_fp32_bytes: n(f.peakFP32Bytes), saves: n(f.saves), restores: n(f.restores), releases: n(f.releases),
            budget_bytes: pool.budgetBytes, pool_capacity_bytes: n(pool.capacityBytes),
            pool_peak_capacity_bytes: n(pool.peakCapacityBytes), pool_page_size: n(pool.pageSize),
            pool_pages_total: n(pool.pagesTotal), pool_pages_free: n(pool.pagesFree),
            pool_fragmentation_bytes: n(pool.fragmentationBytes), pool_chunks_mapped: n(pool.chunksMapped),
            pool_trims: n(pool.trims), evictions_degrade: n(f.evictionsDegrade), evictions_spill: n(f.evictionsSpill),
            evictions_recompute: n(f.evictionsRecompute), budget_refusals: n(f.budgetRefusals),
            degraded_entries: n(f.degradedEntries), spilled_entries: n(f.spilledEntries), spilled_bytes: n(f.spilledBytes),
            spill_file_bytes: n(spillFileBytes), dropped_entries: n(f.droppedEntries), spill_restores: n(f.spillRestores),
            recompute_restores: n(f.recomputeRestores), recompute_failures: n(f.recomputeFailures),
            plans: n(plan.figures.plans), plan_changes: n(plan.figures.changes), plan_nanoseconds: plan.figures.nanoseconds,
            plan_target_bytes: n(plan.figures.targetBytes), plan_bytes: n(plan.figures.plannedBytes),
            evictions_after_plan: n(plan.reactionsAfterPlan))
    }
}

extension daf_handle_information {
    init(_ entry: Entry) {
        let state: daf_entry_state = switch entry.residence {
        case .pool: DAF_ENTRY_IN_POOL
        case .spilled: DAF_ENTRY_SPILLED
        case .dropped: DAF_ENTRY_DROPPED
        }
        self.init(struct_size: 0, state: state.rawValue, bits: UInt32(entry.bits), saved_bits: UInt32(entry.savedBits),
                  importance: entry.importance, reserved: 0, count: UInt64(entry.count), packed_bytes: UInt64(entry.size))
    }
}
