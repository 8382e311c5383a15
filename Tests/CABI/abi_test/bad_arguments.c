/* SPDX-License-Identifier: MIT */
/* abi_test: NULL, misaligned, overflowing and invalid arguments. */
#include "abi_test.h"

/* ============================================================================================
 * NULL, misaligned, overflowing and invalid arguments
 * ========================================================================================== */

void codec_null_arguments(void) {
    float x[64] = {0};
    unsigned char blob[512];
    size_t size = 0;
    daf_quantize_params params;
    daf_quantize_params_init(&params);
    CHECK_STATUS(daf_quantize_pack(x, 64, &params, blob, sizeof blob, &size), DAF_OK);
    float out[64];
    float lo, hi;
    daf_packed_information info;
    info.struct_size = sizeof info;

    CHECK_STATUS(daf_packed_size(NULL, 64, &params, &size), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_packed_size(x, 64, &params, NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_quantize_pack(NULL, 64, &params, blob, sizeof blob, &size), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_quantize_pack(x, 64, &params, NULL, sizeof blob, &size), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_quantize_pack(x, 64, &params, blob, sizeof blob, NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_unpack_dequantize(NULL, size, out, 64), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_unpack_dequantize(blob, size, NULL, 64), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_unpack_dequantize_range(NULL, size, 0, 64, out), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_unpack_dequantize_range(blob, size, 0, 64, NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_packed_info(NULL, size, &info), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_packed_info(blob, size, NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_minmax(NULL, 64, &lo, &hi), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_minmax(x, 64, NULL, &hi), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_minmax(x, 64, &lo, NULL), DAF_E_NULL_ARGUMENT);
    /* A NULL blob is refused even with size 0. */
    CHECK_STATUS(daf_unpack_dequantize(NULL, 0, out, 0), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_packed_info(NULL, 0, &info), DAF_E_NULL_ARGUMENT);
}

void codec_null_params_mean_defaults(void) {
    const size_t count = 1000;
    float *x = floats(count);
    fill_varied(x, count, 111);
    size_t size = 0;
    unsigned char *with_defaults = lib_pack(x, count, DAF_DEFAULT_BITS, DAF_DEFAULT_GROUP_SIZE,
                                            DAF_ROUND_NEAREST, 0, &size);
    unsigned char *blob = xmalloc(size);
    size_t packed = 0;
    CHECK_STATUS(daf_quantize_pack(x, count, NULL, blob, size, &packed), DAF_OK);
    CHECK(packed == size && memcmp(blob, with_defaults, size) == 0);
    size_t needed = 0;
    CHECK_STATUS(daf_packed_size(x, count, NULL, &needed), DAF_OK);
    CHECK_SIZE(needed, size);
    free(blob);
    free(with_defaults);
    free(x);
}

void codec_zero_count_allows_null_pointers(void) {
    unsigned char blob[128];
    size_t size = 0;
    CHECK_STATUS(daf_packed_size(NULL, 0, NULL, &size), DAF_OK);
    CHECK_SIZE(size, DAF_PACKED_HEADER_BYTES);
    CHECK_STATUS(daf_quantize_pack(NULL, 0, NULL, blob, sizeof blob, &size), DAF_OK);
    CHECK_SIZE(size, DAF_PACKED_HEADER_BYTES);
    CHECK_STATUS(daf_unpack_dequantize(blob, size, NULL, 0), DAF_OK);
    CHECK_STATUS(daf_unpack_dequantize_range(blob, size, 0, 0, NULL), DAF_OK);
    float lo, hi;
    CHECK_STATUS(daf_minmax(NULL, 0, &lo, &hi), DAF_OK);
}

void context_null_arguments(void) {
    CHECK_STATUS(daf_create(NULL, NULL), DAF_E_NULL_ARGUMENT);
    daf_options options;
    daf_options_init(&options);
    CHECK_STATUS(daf_create(&options, NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_destroy(NULL), DAF_OK);

    daf_context *ctx = NULL;
    CHECK_STATUS(daf_create(NULL, &ctx), DAF_OK); /* NULL options: the defaults */
    CHECK(ctx != NULL);
    float x[100] = {1.0f, 2.0f};
    daf_handle handle = 0;
    CHECK_STATUS(daf_save(ctx, NULL, 100, NULL, &handle), DAF_E_NULL_ARGUMENT);
    CHECK(handle == 0);
    CHECK_STATUS(daf_save(ctx, x, 100, NULL, NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_save(ctx, x, 100, NULL, &handle), DAF_OK); /* NULL params: the defaults */
    CHECK(handle != 0);
    CHECK_STATUS(daf_restore(ctx, handle, NULL, 100), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_restore_range(ctx, handle, 0, 10, NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_stats(ctx, NULL), DAF_E_NULL_ARGUMENT);
    CHECK(daf_last_error(NULL) != NULL);
    CHECK(daf_last_error(ctx) != NULL);
    CHECK_STATUS(daf_release(ctx, handle), DAF_OK);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

/* daf.h does not say which of two codes a NULL ctx gets: NULL_ARGUMENT ("a required pointer
 * argument is NULL") or INVALID_CONTEXT ("not a live libdaf context"). Either is accepted, but
 * every call must give the same one. */
void context_null_ctx_is_rejected(void) {
    float x[16] = {0};
    daf_handle handle = 7;
    daf_context_statistics stats;
    stats.struct_size = sizeof stats;
    int first = daf_save(NULL, x, 16, NULL, &handle);
    CHECK_STATUS_EITHER(first, DAF_E_NULL_ARGUMENT, DAF_E_INVALID_CONTEXT);
    CHECK(handle == 0);
    CHECK_STATUS(daf_restore(NULL, 1, x, 16), first);
    CHECK_STATUS(daf_restore_range(NULL, 1, 0, 4, x), first);
    CHECK_STATUS(daf_release(NULL, 1), first);
    CHECK_STATUS(daf_set_importance(NULL, 1, 1.0f), first);
    CHECK_STATUS(daf_stats(NULL, &stats), first);
    CHECK_STATUS(daf_set_budget(NULL, 0), first);
    daf_handle_information info;
    info.struct_size = sizeof info;
    CHECK_STATUS(daf_handle_info(NULL, 1, &info), first);
}

void async_and_thread_calls_check_arguments(void) {
    float x[64] = {0};
    daf_handle handle = 7;
    CHECK_STATUS(daf_save_async(NULL, x, 64, NULL, &handle), DAF_E_INVALID_CONTEXT);
    CHECK(handle == 0);
    CHECK_STATUS(daf_wait(NULL, 1), DAF_E_INVALID_CONTEXT);
    daf_context *ctx = NULL;
    CHECK_STATUS(daf_create(NULL, &ctx), DAF_OK);
    CHECK_STATUS(daf_save_async(ctx, NULL, 64, NULL, &handle), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_save_async(ctx, x, 64, NULL, NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_save_async(ctx, x, SIZE_MAX, NULL, &handle), DAF_E_OVERFLOW);
    CHECK_STATUS(daf_wait(ctx, 0), DAF_E_UNKNOWN_HANDLE);
    CHECK_STATUS(daf_save_async(ctx, x, 64, NULL, &handle), DAF_OK);
    CHECK_STATUS(daf_wait(ctx, handle), DAF_OK);
    CHECK_STATUS(daf_wait(ctx, handle), DAF_OK); /* completed: OK again */
    CHECK_STATUS(daf_release(ctx, handle), DAF_OK);
    CHECK_STATUS(daf_wait(ctx, handle), DAF_E_UNKNOWN_HANDLE);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    daf_options options;
    CHECK_STATUS(daf_options_init(&options), DAF_OK);
    options.threads = 257;
    CHECK_STATUS(daf_create(&options, &ctx), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(daf_codec_set_threads(257), DAF_E_INVALID_ARGUMENT);
    CHECK(daf_codec_threads() == 1);
    CHECK_STATUS(daf_codec_set_threads(2), DAF_OK);
    CHECK(daf_codec_threads() == 2);
    CHECK_STATUS(daf_codec_set_threads(1), DAF_OK);
}

void codec_misaligned_float_pointers(void) {
    uint32_t storage[600];
    memset(storage, 0, sizeof storage);
    float *bad = misaligned(storage);
    float x[64] = {0};
    unsigned char blob[512];
    size_t size = 0;
    CHECK_STATUS(daf_quantize_pack(x, 64, NULL, blob, sizeof blob, &size), DAF_OK);
    float lo, hi;
    CHECK_STATUS(daf_packed_size(bad, 64, NULL, &size), DAF_E_MISALIGNED);
    size_t packed = 0;
    CHECK_STATUS(daf_quantize_pack(bad, 64, NULL, blob, sizeof blob, &packed), DAF_E_MISALIGNED);
    CHECK_STATUS(daf_unpack_dequantize(blob, size, bad, 64), DAF_E_MISALIGNED);
    CHECK_STATUS(daf_unpack_dequantize_range(blob, size, 0, 8, bad), DAF_E_MISALIGNED);
    CHECK_STATUS(daf_minmax(bad, 64, &lo, &hi), DAF_E_MISALIGNED);
}

void context_misaligned_float_pointers(void) {
    uint32_t storage[600];
    memset(storage, 0, sizeof storage);
    float *bad = misaligned(storage);
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handle = 5;
    CHECK_STATUS(daf_save(ctx, bad, 64, NULL, &handle), DAF_E_MISALIGNED);
    CHECK(handle == 0);
    handle = save_with_bits(ctx, x, 64, 0);
    CHECK_STATUS(daf_restore(ctx, handle, bad, 64), DAF_E_MISALIGNED);
    CHECK_STATUS(daf_restore_range(ctx, handle, 0, 8, bad), DAF_E_MISALIGNED);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

void codec_count_overflow(void) {
    float x[64] = {0};
    unsigned char blob[512];
    size_t size = 0;
    float lo, hi;
    static const size_t huge[] = {SIZE_MAX, SIZE_MAX / 4 + 1, SIZE_MAX / 2, ((size_t)1 << 58) + 1};
    for (size_t k = 0; k < sizeof huge / sizeof huge[0]; k++) {
        where("count=%zu", huge[k]);
        CHECK_STATUS(daf_packed_size(x, huge[k], NULL, &size), DAF_E_OVERFLOW);
        CHECK_STATUS(daf_quantize_pack(x, huge[k], NULL, blob, sizeof blob, &size), DAF_E_OVERFLOW);
        CHECK_STATUS(daf_minmax(x, huge[k], &lo, &hi), DAF_E_OVERFLOW);
    }
    /* A wrong count for a real blob: it does not match, however large. */
    CHECK_STATUS(daf_quantize_pack(x, 64, NULL, blob, sizeof blob, &size), DAF_OK);
    CHECK_STATUS_EITHER(daf_unpack_dequantize(blob, size, x, SIZE_MAX), DAF_E_SIZE_MISMATCH, DAF_E_OVERFLOW);
}

void context_count_overflow(void) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    static const size_t huge[] = {SIZE_MAX, SIZE_MAX / 4 + 1, ((size_t)1 << 58) + 1};
    for (size_t k = 0; k < sizeof huge / sizeof huge[0]; k++) {
        where("count=%zu", huge[k]);
        daf_handle handle = 3;
        CHECK_STATUS(daf_save(ctx, x, huge[k], NULL, &handle), DAF_E_OVERFLOW);
        CHECK(handle == 0);
    }
    daf_handle handle = save_with_bits(ctx, x, 64, 0);
    CHECK_STATUS_EITHER(daf_restore(ctx, handle, x, SIZE_MAX), DAF_E_SIZE_MISMATCH, DAF_E_OVERFLOW);
    CHECK_STATUS(daf_restore_range(ctx, handle, SIZE_MAX, 2, x), DAF_E_OUT_OF_RANGE);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

void codec_invalid_params(void) {
    float x[64] = {0};
    unsigned char blob[1024];
    struct {
        uint32_t bits, group_size, rounding;
    } bad[] = {{0, 256, 0}, {9, 256, 0}, {255, 256, 0}, {2, 0, 0}, {2, 8, 0},
               {2, 24, 0},  {2, 65552, 0}, {2, 100, 0}, {2, 256, 2}, {2, 256, UINT32_MAX}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        where("bits=%u group_size=%u rounding=%u", bad[k].bits, bad[k].group_size, bad[k].rounding);
        daf_quantize_params params;
        daf_quantize_params_init(&params);
        params.bits = bad[k].bits;
        params.group_size = bad[k].group_size;
        params.rounding = bad[k].rounding;
        size_t size = 0;
        CHECK_STATUS(daf_packed_size(x, 64, &params, &size), DAF_E_INVALID_ARGUMENT);
        CHECK_STATUS(daf_quantize_pack(x, 64, &params, blob, sizeof blob, &size), DAF_E_INVALID_ARGUMENT);
        if (bad[k].rounding == 0) CHECK_SIZE(daf_packed_bound_finite(64, bad[k].bits, bad[k].group_size), 0);
    }
    /* The limits themselves are valid. */
    where("valid limits");
    daf_quantize_params params;
    daf_quantize_params_init(&params);
    size_t size = 0;
    params.bits = 1;
    params.group_size = DAF_MIN_GROUP_SIZE;
    CHECK_STATUS(daf_quantize_pack(x, 64, &params, blob, sizeof blob, &size), DAF_OK);
    params.bits = 8;
    params.group_size = DAF_MAX_GROUP_SIZE;
    CHECK_STATUS(daf_quantize_pack(x, 64, &params, blob, sizeof blob, &size), DAF_OK);
}

void create_rejects_invalid_options(void) {
    struct {
        uint32_t bits, group_size, rounding;
    } bad[] = {{0, 256, 0}, {9, 256, 0}, {2, 0, 0}, {2, 8, 0}, {2, 24, 0}, {2, 65552, 0}, {2, 256, 2}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        where("bits=%u group_size=%u rounding=%u", bad[k].bits, bad[k].group_size, bad[k].rounding);
        daf_options options;
        daf_options_init(&options);
        options.bits = bad[k].bits;
        options.group_size = bad[k].group_size;
        options.rounding = bad[k].rounding;
        daf_context *ctx = (daf_context *)(void *)&options; /* must be set to NULL */
        CHECK_STATUS(daf_create(&options, &ctx), DAF_E_INVALID_ARGUMENT);
        CHECK(ctx == NULL);
        CHECK(daf_last_error(NULL)[0] != '\0');
    }
}

void save_rejects_invalid_bits(void) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    static const uint32_t bad[] = {9, 16, 100, UINT32_MAX};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        where("bits=%u", bad[k]);
        daf_save_params params;
        daf_save_params_init(&params);
        params.bits = bad[k];
        daf_handle handle = 9;
        CHECK_STATUS(daf_save(ctx, x, 64, &params, &handle), DAF_E_INVALID_ARGUMENT);
        CHECK(handle == 0);
    }
    CHECK_SIZE(stats_of(ctx).live_entries, 0);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

void save_rejects_nonfinite_importance(void) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    const float bad[] = {NAN, INFINITY, -INFINITY};
    for (size_t k = 0; k < 3; k++) {
        where("importance=%g", bad[k]);
        daf_save_params params;
        daf_save_params_init(&params);
        params.importance = bad[k];
        daf_handle handle = 9;
        CHECK_STATUS(daf_save(ctx, x, 64, &params, &handle), DAF_E_INVALID_ARGUMENT);
        CHECK(handle == 0);
    }
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

void set_importance_checks_value(void) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handle = save_with_bits(ctx, x, 64, 0);
    CHECK_STATUS(daf_set_importance(ctx, handle, 3.5f), DAF_OK);
    CHECK_STATUS(daf_set_importance(ctx, handle, -FLT_MAX), DAF_OK);
    CHECK_STATUS(daf_set_importance(ctx, handle, NAN), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(daf_set_importance(ctx, handle, INFINITY), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(daf_set_importance(ctx, handle, -INFINITY), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(daf_restore(ctx, handle, x, 64), DAF_OK);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}
