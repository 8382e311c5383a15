// SPDX-License-Identifier: MIT
// The paged pool's figures, in bytes and counts (Exports/StructMapping.swift turns them into
// daf_pool_statistics).

/// What daf_pool_stats reports, as this pool counts it.
struct PoolFigures {
    var pageSize = 0, budgetBytes: UInt64 = 0
    var capacityBytes = 0, peakCapacityBytes = 0
    var liveBlocks = 0, liveBytes = 0, peakLiveBytes = 0
    var pagesTotal = 0, pagesFree = 0, fragmentationBytes = 0
    var chunksMapped = 0, chunkMaps = 0, trims = 0, trimmedBytes = 0
    var evictions = 0, allocs = 0, frees = 0, budgetRefusals = 0
}

extension PagePool {

    var statistics: PoolFigures {
        let shift = config.pageShift
        return PoolFigures(
            pageSize: pageSize, budgetBytes: budgetBytes,
            capacityBytes: capacityPages << shift, peakCapacityBytes: counters.peakCapacityPages << shift,
            liveBlocks: counters.liveBlocks, liveBytes: counters.liveBytes, peakLiveBytes: counters.peakLiveBytes,
            pagesTotal: capacityPages, pagesFree: freePages,
            fragmentationBytes: (usedPages << shift) - counters.liveBytes,
            chunksMapped: (0..<chunkLimit).count(where: { chunks[$0].isMapped }), chunkMaps: counters.chunkMaps,
            trims: counters.trims, trimmedBytes: counters.trimmedBytes, evictions: counters.evictions,
            allocs: counters.allocs, frees: counters.frees, budgetRefusals: counters.budgetRefusals)
    }
}
