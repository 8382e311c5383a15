/* SPDX-License-Identifier: MIT */
/* Compile-time checks of the ABI in include/daf.h: struct sizes and field offsets are frozen
 * once released (fields are only appended), so any change to them must fail the build here. */
#include <stddef.h>
#include <stdint.h>
#include "daf.h"

#define DAF_ASSERT_LAYOUT(type, size) _Static_assert(sizeof(type) == (size), #type " size changed")
#define DAF_ASSERT_OFFSET(type, field, offset) \
    _Static_assert(offsetof(type, field) == (offset), #type "." #field " moved")

DAF_ASSERT_LAYOUT(daf_quantize_params, 24);
DAF_ASSERT_OFFSET(daf_quantize_params, bits, 4);
DAF_ASSERT_OFFSET(daf_quantize_params, group_size, 8);
DAF_ASSERT_OFFSET(daf_quantize_params, rounding, 12);
DAF_ASSERT_OFFSET(daf_quantize_params, seed, 16);

DAF_ASSERT_LAYOUT(daf_packed_information, 56);
DAF_ASSERT_OFFSET(daf_packed_information, count, 24);
DAF_ASSERT_OFFSET(daf_packed_information, packed_size, 48);

DAF_ASSERT_OFFSET(daf_options, seed, 16);
DAF_ASSERT_OFFSET(daf_options, threads, 24);
DAF_ASSERT_OFFSET(daf_options, policy, 28);
DAF_ASSERT_OFFSET(daf_options, budget_bytes, 32);
DAF_ASSERT_OFFSET(daf_options, chunk_bytes, 40);
DAF_ASSERT_OFFSET(daf_options, page_size, 48);
DAF_ASSERT_OFFSET(daf_options, degrade_floor_bits, 52);
DAF_ASSERT_OFFSET(daf_options, pool_flags, 56);
DAF_ASSERT_OFFSET(daf_options, reserved, 60);
DAF_ASSERT_OFFSET(daf_options, spill_dir, 64);

DAF_ASSERT_OFFSET(daf_save_params, importance, 8);
DAF_ASSERT_OFFSET(daf_save_params, reserved, 12);
DAF_ASSERT_OFFSET(daf_save_params, recompute, 16);

DAF_ASSERT_OFFSET(daf_context_statistics, evictions_after_plan, 280);
DAF_ASSERT_OFFSET(daf_context_statistics, live_entries, 8);
DAF_ASSERT_OFFSET(daf_context_statistics, releases, 64);
DAF_ASSERT_OFFSET(daf_context_statistics, budget_bytes, 72);
DAF_ASSERT_OFFSET(daf_context_statistics, evictions_degrade, 144);
DAF_ASSERT_OFFSET(daf_context_statistics, recompute_failures, 232);

DAF_ASSERT_LAYOUT(daf_pool_options, 32);
DAF_ASSERT_OFFSET(daf_pool_options, chunk_bytes, 8);
DAF_ASSERT_OFFSET(daf_pool_options, budget_bytes, 16);
DAF_ASSERT_OFFSET(daf_pool_options, flags, 24);

DAF_ASSERT_LAYOUT(daf_pool_statistics, 144);
DAF_ASSERT_OFFSET(daf_pool_statistics, budget_bytes, 8);
DAF_ASSERT_OFFSET(daf_pool_statistics, fragmentation_bytes, 72);
DAF_ASSERT_OFFSET(daf_pool_statistics, budget_refusals, 136);

DAF_ASSERT_LAYOUT(daf_handle_information, 40);
DAF_ASSERT_OFFSET(daf_handle_information, importance, 16);
DAF_ASSERT_OFFSET(daf_handle_information, count, 24);
DAF_ASSERT_OFFSET(daf_handle_information, packed_bytes, 32);

/* The structs that hold a pointer (spill_dir; the recompute callback and its user pointer)
 * end with it, so their earlier offsets are the same on 32-bit targets; only the sizes differ. */
#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
DAF_ASSERT_OFFSET(daf_options, spill_dir, 64);
DAF_ASSERT_OFFSET(daf_save_params, recompute_user, 24);
/* Since 0.2.0: fields appended after the pointers. */
DAF_ASSERT_OFFSET(daf_options, avg_bits, 72);
DAF_ASSERT_OFFSET(daf_options, plan_flags, 84);
DAF_ASSERT_LAYOUT(daf_options, 88);
DAF_ASSERT_OFFSET(daf_save_params, slot, 32);
DAF_ASSERT_OFFSET(daf_save_params, int_max, 44);
DAF_ASSERT_LAYOUT(daf_save_params, 48);
#endif

/* Each struct's size in 0.1.0 (the end of its last 0.1.0 field, 64-bit targets): the table the
 * library accepts old struct_size values from (Sources/DAF/Exports/StructLayouts.swift). These
 * never change, whatever is appended later. */
#define DAF_ASSERT_0_1_0_END(type, field, size) \
    _Static_assert(offsetof(type, field) + sizeof(((type *)0)->field) == (size), #type " 0.1.0 size")
#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
DAF_ASSERT_0_1_0_END(daf_quantize_params, seed, 24);
DAF_ASSERT_0_1_0_END(daf_packed_information, packed_size, 56);
DAF_ASSERT_0_1_0_END(daf_pool_options, reserved, 32);
DAF_ASSERT_0_1_0_END(daf_pool_statistics, budget_refusals, 144);
DAF_ASSERT_0_1_0_END(daf_options, spill_dir, 72);
DAF_ASSERT_0_1_0_END(daf_save_params, recompute_user, 32);
DAF_ASSERT_0_1_0_END(daf_context_statistics, recompute_failures, 240);
DAF_ASSERT_0_1_0_END(daf_handle_information, packed_bytes, 40);
#endif

_Static_assert(sizeof(daf_handle) == 8, "daf_handle is 64 bits");
_Static_assert(sizeof(float) == 4, "libdaf needs IEEE-754 binary32 floats");
_Static_assert(DAF_LANES == 16, "the packed layout interleaves 16 lanes");

/* Since 0.2.0: the grown stats struct, and the new struct. */
DAF_ASSERT_LAYOUT(daf_context_statistics, 288);
DAF_ASSERT_LAYOUT(daf_slot_plan_information, 64);
DAF_ASSERT_OFFSET(daf_slot_plan_information, predicted_error, 48);
