/* Compile-time checks of the ABI in include/daf.h: struct sizes and field offsets are frozen
 * once released (fields are only appended), so any change to them must fail the build here. */
#include <stddef.h>
#include "daf.h"

#define DAF_ASSERT_LAYOUT(type, size) _Static_assert(sizeof(type) == (size), #type " size changed")
#define DAF_ASSERT_OFFSET(type, field, offset) \
    _Static_assert(offsetof(type, field) == (offset), #type "." #field " moved")

DAF_ASSERT_LAYOUT(daf_quantize_params, 24);
DAF_ASSERT_OFFSET(daf_quantize_params, bits, 4);
DAF_ASSERT_OFFSET(daf_quantize_params, group_size, 8);
DAF_ASSERT_OFFSET(daf_quantize_params, rounding, 12);
DAF_ASSERT_OFFSET(daf_quantize_params, seed, 16);

DAF_ASSERT_LAYOUT(daf_blob_info, 56);
DAF_ASSERT_OFFSET(daf_blob_info, count, 24);
DAF_ASSERT_OFFSET(daf_blob_info, packed_size, 48);

DAF_ASSERT_LAYOUT(daf_options, 32);
DAF_ASSERT_OFFSET(daf_options, seed, 16);
DAF_ASSERT_OFFSET(daf_options, threads, 24);

DAF_ASSERT_LAYOUT(daf_save_params, 12);
DAF_ASSERT_OFFSET(daf_save_params, importance, 8);

DAF_ASSERT_LAYOUT(daf_context_stats, 72);
DAF_ASSERT_OFFSET(daf_context_stats, live_entries, 8);
DAF_ASSERT_OFFSET(daf_context_stats, releases, 64);

_Static_assert(sizeof(daf_handle) == 8, "daf_handle is 64 bits");
_Static_assert(sizeof(float) == 4, "libdaf needs IEEE-754 binary32 floats");
_Static_assert(DAF_LANES == 16, "the packed layout interleaves 16 lanes");
