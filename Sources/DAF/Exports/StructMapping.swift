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
