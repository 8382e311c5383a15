// SPDX-License-Identifier: MIT
// The paged pool's figures as daf_pool_statistics (the caller's struct_size is set by the
// boundary, which copies only what the caller's struct holds).
import CDAF

extension PagePool {

    var statistics: daf_pool_statistics {
        let shift = config.pageShift
        func n(_ value: Int) -> UInt64 { UInt64(clamping: value) }
        return daf_pool_statistics(
            struct_size: 0, page_size: UInt32(clamping: pageSize), budget_bytes: budgetBytes,
            capacity_bytes: n(capacityPages << shift), peak_capacity_bytes: n(counters.peakCapacityPages << shift),
            live_blocks: n(counters.liveBlocks), live_bytes: n(counters.liveBytes), peak_live_bytes: n(counters.peakLiveBytes),
            pages_total: n(capacityPages), pages_free: n(freePages),
            fragmentation_bytes: n((usedPages << shift) - counters.liveBytes),
            chunks_mapped: n((0..<chunkLimit).count(where: { chunks[$0].isMapped })), chunk_maps: n(counters.chunkMaps),
            trims: n(counters.trims), trimmed_bytes: n(counters.trimmedBytes), evictions: n(counters.evictions),
            allocs: n(counters.allocs), frees: n(counters.frees), budget_refusals: n(counters.budgetRefusals))
    }
}

