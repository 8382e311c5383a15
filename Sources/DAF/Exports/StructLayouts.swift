// SPDX-License-Identifier: MIT
// The versioned structs of include/daf.h and the size each had when it was released. The
// 0.1.0 sizes are also pinned by _Static_assert in Sources/CDAF/daf_abi_checks.c, and a C
// program built against the frozen 0.1.0 header (Tests/CABI/v0_1_0/) runs against this library.
import CDAF

enum StructLayouts {
    static let quantizeParams = VersionedLayout<daf_quantize_params>("daf_quantize_params", firstReleasedEndingAt: \.seed)
    static let blobInfo = VersionedLayout<daf_packed_information>("daf_packed_information",
                                                                  firstReleasedEndingAt: \.packed_size)
    static let poolOptions = VersionedLayout<daf_pool_options>("daf_pool_options", firstReleasedEndingAt: \.reserved)
    static let poolStatistics = VersionedLayout<daf_pool_statistics>("daf_pool_statistics",
                                                                     firstReleasedEndingAt: \.budget_refusals)
    // Grown in 0.2.0: both releases' sizes are accepted.
    static let options = VersionedLayout<daf_options>("daf_options", firstReleasedEndingAt: \.spill_dir)
        .releasedAgain(endingAt: \.plan_flags)
    static let saveParams = VersionedLayout<daf_save_params>("daf_save_params", firstReleasedEndingAt: \.recompute_user)
        .releasedAgain(endingAt: \.int_max)
    static let contextStats = VersionedLayout<daf_context_statistics>("daf_context_statistics",
                                                                      firstReleasedEndingAt: \.recompute_failures)
        .releasedAgain(endingAt: \.evictions_after_plan)
    static let entryInfo = VersionedLayout<daf_handle_information>("daf_handle_information",
                                                                   firstReleasedEndingAt: \.packed_bytes)
    // New in 0.2.0.
    static let slotPlanInfo = VersionedLayout<daf_slot_plan_information>("daf_slot_plan_information",
                                                                         firstReleasedEndingAt: \.sensitivity)
}

/// What every _init call does: `size` is the caller's sizeof (the _init_sized calls) or the
/// 0.1.0 size (the plain _init symbols, which binaries built against 0.1.0 call).
func initVersioned<T>(_ pointer: UnsafeMutablePointer<T>?, size: Int, layout: VersionedLayout<T>,
                      defaults: T) throws(DAFError) {
    let pointer = try required(pointer, "the struct pointer")
    guard size >= 0 else { throw DAFError(DAF_E_STRUCT_SIZE, "size is \(UInt(bitPattern: size))") }
    layout.fill(UnsafeMutableRawPointer(pointer), size: try layout.accepted(size), with: defaults)
}
