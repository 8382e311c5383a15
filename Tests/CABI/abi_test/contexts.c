/* SPDX-License-Identifier: MIT */
/* abi_test: context save/restore/release, handles, stats, threads. */
#include "abi_test.h"

/* ============================================================================================
 * Contexts
 * ========================================================================================== */

void save_restore_release_roundtrip(void) {
    const size_t count = 100003;
    float *x = floats(count);
    float *out = floats(count);
    fill_varied(x, count, 141);
    for (uint32_t bits = 1; bits <= 8; bits++) {
        where("context bits=%u", bits);
        daf_context *ctx = new_context(bits, 128, DAF_ROUND_NEAREST);
        daf_handle handle = save_with_bits(ctx, x, count, 0);
        CHECK_STATUS(daf_restore(ctx, handle, out, count), DAF_OK);
        CHECK_SIZE(count_over_bound(x, out, count, bits, 128, 0), 0);
        /* The entry stays saved: a second restore gives the same values. */
        float *again = floats(count);
        CHECK_STATUS(daf_restore(ctx, handle, again, count), DAF_OK);
        CHECK(memcmp(out, again, count * sizeof(float)) == 0);
        free(again);
        CHECK_STATUS(daf_release(ctx, handle), DAF_OK);
        CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    }
    free(out);
    free(x);
}

void context_stochastic_rounding(void) {
    const size_t count = 50000;
    float *x = floats(count);
    float *out = floats(count);
    fill_varied(x, count, 142);
    daf_context *ctx = new_context(3, 256, DAF_ROUND_STOCHASTIC);
    daf_handle handle = save_with_bits(ctx, x, count, 0);
    CHECK_STATUS(daf_restore(ctx, handle, out, count), DAF_OK);
    CHECK_SIZE(count_over_bound(x, out, count, 3, 256, 1), 0);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(out);
    free(x);
}

/* daf.h: with stochastic rounding, "save number s uses seed + s". Whether s counts from 0 or
 * 1 is not said, so either is accepted; consecutive saves must use consecutive seeds, and the
 * restored values must be those of the codec with that seed. */
void context_stochastic_seed_per_save(void) {
    const size_t count = 4099;
    const uint64_t seed = 0xABCDEF0123ULL;
    float *x = floats(count);
    float *first = floats(count);
    float *second = floats(count);
    fill_varied(x, count, 144);
    daf_options options;
    daf_options_init(&options);
    options.bits = 3;
    options.rounding = DAF_ROUND_STOCHASTIC;
    options.seed = seed;
    daf_context *ctx = NULL;
    CHECK_STATUS(daf_create(&options, &ctx), DAF_OK);
    daf_handle a = save_with_bits(ctx, x, count, 0);
    daf_handle b = save_with_bits(ctx, x, count, 0);
    CHECK_STATUS(daf_restore(ctx, a, first, count), DAF_OK);
    CHECK_STATUS(daf_restore(ctx, b, second, count), DAF_OK);
    int matched = 0;
    for (uint64_t base = seed; base <= seed + 1 && !matched; base++) {
        size_t size_a = 0, size_b = 0;
        unsigned char *blob_a = lib_pack(x, count, 3, 256, DAF_ROUND_STOCHASTIC, base, &size_a);
        unsigned char *blob_b = lib_pack(x, count, 3, 256, DAF_ROUND_STOCHASTIC, base + 1, &size_b);
        float *want_a = lib_unpack(blob_a, size_a, count);
        float *want_b = lib_unpack(blob_b, size_b, count);
        matched = memcmp(want_a, first, count * sizeof(float)) == 0 &&
                  memcmp(want_b, second, count * sizeof(float)) == 0;
        free(want_a);
        free(want_b);
        free(blob_a);
        free(blob_b);
    }
    CHECK(matched);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(second);
    free(first);
    free(x);
}

void context_keeps_nonfinite_values(void) {
    const size_t count = 5000;
    float *x = floats(count);
    float *out = floats(count);
    fill_varied(x, count, 143);
    x[0] = NAN;
    x[1234] = float_of(0xFFC0BEEFu);
    x[4999] = -INFINITY;
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handle = save_with_bits(ctx, x, count, 0);
    CHECK_STATUS(daf_restore(ctx, handle, out, count), DAF_OK);
    CHECK_SIZE(count_over_bound(x, out, count, 2, 256, 0), 0);
    CHECK_SIZE(stats_of(ctx).live_packed_bytes, daf_packed_bound_finite(count, 2, 256) + 3 * DAF_PACKED_NONFINITE_BYTES);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(out);
    free(x);
}

void zero_count_save(void) {
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handle = 0;
    CHECK_STATUS(daf_save(ctx, NULL, 0, NULL, &handle), DAF_OK);
    CHECK(handle != 0);
    CHECK_STATUS(daf_restore(ctx, handle, NULL, 0), DAF_OK);
    CHECK_STATUS(daf_restore_range(ctx, handle, 0, 0, NULL), DAF_OK);
    float one = 1.0f;
    CHECK_STATUS(daf_restore(ctx, handle, &one, 1), DAF_E_SIZE_MISMATCH);
    CHECK_STATUS(daf_release(ctx, handle), DAF_OK);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

/* Every call that takes a handle, with one that must be unknown. */
static void check_unknown_handle(daf_context *ctx, daf_handle handle) {
    float out[64];
    CHECK_STATUS(daf_restore(ctx, handle, out, 64), DAF_E_UNKNOWN_HANDLE);
    CHECK_STATUS(daf_restore_range(ctx, handle, 0, 8, out), DAF_E_UNKNOWN_HANDLE);
    CHECK_STATUS(daf_set_importance(ctx, handle, 1.0f), DAF_E_UNKNOWN_HANDLE);
    CHECK_STATUS(daf_release(ctx, handle), DAF_E_UNKNOWN_HANDLE);
}

void handle_zero_is_unknown(void) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    save_with_bits(ctx, x, 64, 0);
    where("handle 0");
    check_unknown_handle(ctx, 0);
    where("handle UINT64_MAX");
    check_unknown_handle(ctx, UINT64_MAX);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

void released_handle_is_unknown(void) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handle = save_with_bits(ctx, x, 64, 0);
    CHECK_STATUS(daf_release(ctx, handle), DAF_OK);
    check_unknown_handle(ctx, handle);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

void double_release_is_unknown(void) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handle = save_with_bits(ctx, x, 64, 0);
    CHECK_STATUS(daf_release(ctx, handle), DAF_OK);
    CHECK_STATUS(daf_release(ctx, handle), DAF_E_UNKNOWN_HANDLE);
    CHECK_STATUS(daf_release(ctx, handle), DAF_E_UNKNOWN_HANDLE);
    CHECK_SIZE(stats_of(ctx).releases, 1);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

void other_contexts_handle_is_unknown(void) {
    float x[64], out[64];
    fill_varied(x, 64, 151);
    daf_context *a = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_context *b = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle in_a = save_with_bits(a, x, 64, 0);
    daf_handle in_b = save_with_bits(b, x, 64, 0);
    CHECK(in_a != in_b);
    where("a's handle on b");
    check_unknown_handle(b, in_a);
    where("b's handle on a");
    check_unknown_handle(a, in_b);
    where("after the foreign calls");
    CHECK_STATUS(daf_restore(a, in_a, out, 64), DAF_OK); /* untouched by them */
    CHECK_STATUS(daf_restore(b, in_b, out, 64), DAF_OK);
    CHECK_SIZE(stats_of(a).live_entries, 1);
    CHECK_STATUS(daf_destroy(a), DAF_OK);
    CHECK_STATUS(daf_destroy(b), DAF_OK);
}

void handles_are_never_reused(void) {
    enum { N = 300 };
    static daf_handle seen[2 * N];
    float x[16] = {0};
    daf_context *a = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_context *b = new_context(2, 256, DAF_ROUND_NEAREST);
    size_t n = 0;
    for (int i = 0; i < N; i++) {
        seen[n++] = save_with_bits(a, x, 16, 0);
        seen[n++] = save_with_bits(b, x, 16, 0);
        CHECK_STATUS(daf_release(a, seen[n - 2]), DAF_OK); /* released: its value stays retired */
    }
    size_t zero = 0, repeated = 0;
    for (size_t i = 0; i < n; i++) {
        zero += seen[i] == 0;
        for (size_t j = 0; j < i; j++) repeated += seen[i] == seen[j];
    }
    CHECK_SIZE(zero, 0);
    CHECK_SIZE(repeated, 0);
    CHECK_STATUS(daf_destroy(a), DAF_OK);
    CHECK_STATUS(daf_destroy(b), DAF_OK);
}

void destroy_twice_is_invalid_context(void) {
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    CHECK_STATUS(daf_destroy(ctx), DAF_E_INVALID_CONTEXT);
}

void calls_on_destroyed_context_are_invalid_context(void) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handle = save_with_bits(ctx, x, 64, 0);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    daf_handle fresh = 1;
    CHECK_STATUS(daf_save(ctx, x, 64, NULL, &fresh), DAF_E_INVALID_CONTEXT);
    CHECK(fresh == 0);
    CHECK_STATUS(daf_restore(ctx, handle, x, 64), DAF_E_INVALID_CONTEXT);
    CHECK_STATUS(daf_restore_range(ctx, handle, 0, 8, x), DAF_E_INVALID_CONTEXT);
    CHECK_STATUS(daf_release(ctx, handle), DAF_E_INVALID_CONTEXT);
    CHECK_STATUS(daf_set_importance(ctx, handle, 1.0f), DAF_E_INVALID_CONTEXT);
    daf_context_statistics stats;
    stats.struct_size = sizeof stats;
    CHECK_STATUS(daf_stats(ctx, &stats), DAF_E_INVALID_CONTEXT);
    CHECK(daf_last_error(ctx) != NULL);
}

void foreign_pointer_is_invalid_context(void) {
    uint64_t not_a_context[64];
    memset(not_a_context, 0x5A, sizeof not_a_context);
    daf_context *bogus = (daf_context *)(void *)not_a_context;
    float x[16] = {0};
    daf_handle handle = 1;
    CHECK_STATUS(daf_save(bogus, x, 16, NULL, &handle), DAF_E_INVALID_CONTEXT);
    CHECK_STATUS(daf_restore(bogus, 1, x, 16), DAF_E_INVALID_CONTEXT);
    daf_context_statistics stats;
    stats.struct_size = sizeof stats;
    CHECK_STATUS(daf_stats(bogus, &stats), DAF_E_INVALID_CONTEXT);
    CHECK_STATUS(daf_destroy(bogus), DAF_E_INVALID_CONTEXT);
    size_t changed = 0;
    for (size_t i = 0; i < 64; i++) changed += not_a_context[i] != 0x5A5A5A5A5A5A5A5AULL;
    CHECK_SIZE(changed, 0); /* the library did not write through it */
}

void restore_wrong_count_is_size_mismatch(void) {
    const size_t count = 1000;
    float *x = floats(count + 1);
    fill_varied(x, count, 161);
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handle = save_with_bits(ctx, x, count, 0);
    static const size_t wrong[] = {0, 1, 999, 1001};
    for (size_t k = 0; k < 4; k++) {
        where("count %zu for a tensor of %zu", wrong[k], count);
        CHECK_STATUS(daf_restore(ctx, handle, x, wrong[k]), DAF_E_SIZE_MISMATCH);
    }
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(x);
}

void restore_range_equals_full_restore(void) {
    const size_t count = 30011;
    float *x = floats(count);
    float *full = floats(count);
    float *part = floats(count);
    fill_varied(x, count, 162);
    x[77] = NAN;
    daf_context *ctx = new_context(4, 64, DAF_ROUND_NEAREST);
    daf_handle handle = save_with_bits(ctx, x, count, 0);
    CHECK_STATUS(daf_restore(ctx, handle, full, count), DAF_OK);
    rng r = rng_seeded(163);
    for (int trial = 0; trial < 200; trial++) {
        size_t first = rng_below(&r, (uint32_t)count);
        size_t n = rng_below(&r, (uint32_t)(count - first + 1));
        if (trial == 0) first = 0, n = count;
        if (trial == 1) first = count, n = 0;
        where("first=%zu count=%zu", first, n);
        if (CHECK_STATUS(daf_restore_range(ctx, handle, first, n, part), DAF_OK))
            CHECK(memcmp(part, full + first, n * sizeof(float)) == 0);
    }
    CHECK_SIZE(stats_of(ctx).restores, 201);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(part);
    free(full);
    free(x);
}

void restore_range_past_end_is_out_of_range(void) {
    const size_t count = 1000;
    float *x = floats(count + 1);
    fill_varied(x, count, 164);
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handle = save_with_bits(ctx, x, count, 0);
    CHECK_STATUS(daf_restore_range(ctx, handle, 0, count + 1, x), DAF_E_OUT_OF_RANGE);
    CHECK_STATUS(daf_restore_range(ctx, handle, 500, 501, x), DAF_E_OUT_OF_RANGE);
    CHECK_STATUS(daf_restore_range(ctx, handle, count + 1, 0, x), DAF_E_OUT_OF_RANGE);
    CHECK_STATUS_EITHER(daf_restore_range(ctx, handle, 1, SIZE_MAX, x), DAF_E_OUT_OF_RANGE, DAF_E_OVERFLOW);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(x);
}

void bits_override_per_save(void) {
    const size_t count = 65536;
    float *x = floats(count);
    float *out = floats(count);
    fill_varied(x, count, 171);
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    double error[2] = {0, 0};
    uint64_t bytes[2] = {0, 0};
    const uint32_t bits[2] = {1, 8};
    for (int k = 0; k < 2; k++) {
        uint64_t before = stats_of(ctx).live_packed_bytes;
        daf_handle handle = save_with_bits(ctx, x, count, bits[k]);
        bytes[k] = stats_of(ctx).live_packed_bytes - before;
        CHECK_STATUS(daf_restore(ctx, handle, out, count), DAF_OK);
        where("bits=%u", bits[k]);
        CHECK_SIZE(count_over_bound(x, out, count, bits[k], 256, 0), 0);
        for (size_t i = 0; i < count; i++) {
            double e = fabs((double)out[i] - (double)x[i]);
            if (e > error[k]) error[k] = e;
        }
        CHECK_SIZE(bytes[k], daf_packed_bound_finite(count, bits[k], 256));
    }
    where("");
    if (!CHECK(error[1] < error[0])) note("max error: 8 bits %g, 1 bit %g", error[1], error[0]);
    CHECK(bytes[1] > bytes[0]);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(out);
    free(x);
}

void stats_fresh_context_all_zero(void) {
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_context_statistics stats = stats_of(ctx);
    CHECK_SIZE(stats.struct_size, sizeof stats);
    CHECK_SIZE(stats.reserved, 0);
    CHECK_SIZE(stats.live_entries, 0);
    CHECK_SIZE(stats.live_packed_bytes, 0);
    CHECK_SIZE(stats.live_fp32_bytes, 0);
    CHECK_SIZE(stats.peak_packed_bytes, 0);
    CHECK_SIZE(stats.peak_fp32_bytes, 0);
    CHECK_SIZE(stats.saves, 0);
    CHECK_SIZE(stats.restores, 0);
    CHECK_SIZE(stats.releases, 0);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

void stats_counters(void) {
    static const size_t counts[3] = {1000, 20000, 333};
    float *x = floats(20000);
    fill_varied(x, 20000, 181);
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handles[3];
    uint64_t packed = 0, fp32 = 0;
    for (int k = 0; k < 3; k++) {
        handles[k] = save_with_bits(ctx, x, counts[k], 0);
        packed += daf_packed_bound_finite(counts[k], 2, 256);
        fp32 += 4 * counts[k];
    }
    daf_context_statistics s = stats_of(ctx);
    CHECK_SIZE(s.saves, 3);
    CHECK_SIZE(s.live_entries, 3);
    CHECK_SIZE(s.live_packed_bytes, packed);
    CHECK_SIZE(s.live_fp32_bytes, fp32);
    CHECK_SIZE(s.peak_packed_bytes, packed);
    CHECK_SIZE(s.peak_fp32_bytes, fp32);
    CHECK_STATUS(daf_restore(ctx, handles[0], x, counts[0]), DAF_OK);
    CHECK_STATUS(daf_restore(ctx, handles[2], x, counts[2]), DAF_OK);
    CHECK_STATUS(daf_restore_range(ctx, handles[1], 5, 10, x), DAF_OK);
    CHECK_STATUS(daf_release(ctx, handles[1]), DAF_OK);
    s = stats_of(ctx);
    CHECK_SIZE(s.restores, 3);
    CHECK_SIZE(s.releases, 1);
    CHECK_SIZE(s.live_entries, 2);
    CHECK_SIZE(s.live_fp32_bytes, 4 * (counts[0] + counts[2]));
    CHECK_STATUS(daf_release(ctx, handles[0]), DAF_OK);
    CHECK_STATUS(daf_release(ctx, handles[2]), DAF_OK);
    s = stats_of(ctx);
    CHECK_SIZE(s.live_entries, 0);
    CHECK_SIZE(s.live_packed_bytes, 0);
    CHECK_SIZE(s.live_fp32_bytes, 0);
    CHECK_SIZE(s.peak_packed_bytes, packed); /* the peak is kept */
    CHECK_SIZE(s.peak_fp32_bytes, fp32);
    CHECK_SIZE(s.saves, 3);
    CHECK_SIZE(s.releases, 3);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(x);
}

void failed_calls_do_not_count(void) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handle = save_with_bits(ctx, x, 64, 0);
    daf_save_params params;
    daf_save_params_init(&params);
    params.bits = 9;
    daf_handle bad = 0;
    CHECK_STATUS(daf_save(ctx, x, 64, &params, &bad), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(daf_restore(ctx, handle, x, 63), DAF_E_SIZE_MISMATCH);
    CHECK_STATUS(daf_restore_range(ctx, handle, 60, 5, x), DAF_E_OUT_OF_RANGE);
    CHECK_STATUS(daf_release(ctx, handle + 1000), DAF_E_UNKNOWN_HANDLE);
    daf_context_statistics s = stats_of(ctx);
    CHECK_SIZE(s.saves, 1);
    CHECK_SIZE(s.restores, 0);
    CHECK_SIZE(s.releases, 0);
    CHECK_SIZE(s.live_entries, 1);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

void last_error_after_context_failure(void) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_context *other = new_context(2, 256, DAF_ROUND_NEAREST);
    CHECK(daf_last_error(ctx) != NULL);
    daf_save_params params;
    daf_save_params_init(&params);
    params.bits = 9;
    daf_handle handle = 0;
    CHECK_STATUS(daf_save(ctx, x, 64, &params, &handle), DAF_E_INVALID_ARGUMENT);
    const char *message = daf_last_error(ctx);
    CHECK(message != NULL && message[0] != '\0');
    if (message != NULL) note("daf_last_error(ctx) after bits=9: \"%s\"", message);
    /* The failure was on ctx, not on other. */
    CHECK_STRING(daf_last_error(other), "");
    CHECK_STATUS(daf_restore(ctx, 0, x, 64), DAF_E_UNKNOWN_HANDLE);
    message = daf_last_error(ctx);
    CHECK(message != NULL && message[0] != '\0');
    CHECK_STATUS(daf_destroy(other), DAF_OK);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

void last_error_after_codec_failure(void) {
    CHECK(daf_last_error(NULL) != NULL);
    daf_quantize_params params;
    daf_quantize_params_init(&params);
    params.bits = 0;
    float x[16] = {0};
    size_t size = 0;
    CHECK_STATUS(daf_packed_size(x, 16, &params, &size), DAF_E_INVALID_ARGUMENT);
    const char *message = daf_last_error(NULL);
    CHECK(message != NULL && message[0] != '\0');
    if (message != NULL) note("daf_last_error(NULL) after bits=0: \"%s\"", message);
    unsigned char junk[100] = {0};
    float out[4];
    CHECK_STATUS(daf_unpack_dequantize(junk, sizeof junk, out, 4), DAF_E_CORRUPT);
    message = daf_last_error(NULL);
    CHECK(message != NULL && message[0] != '\0');
}

/* --- threads -------------------------------------------------------------------------------- */

enum { THREADS = 4, TENSORS_PER_THREAD = 200, IN_FLIGHT = 4, MAX_TENSOR = 5000 };

typedef struct worker {
    daf_context *ctx;
    int id;
} worker;

/* Saves TENSORS_PER_THREAD tensors with up to IN_FLIGHT live at once, restoring and releasing
 * the oldest each time, and checks every restore against its source. */
static void *save_restore_worker(void *argument) {
    const worker *w = argument;
    rng r = rng_seeded(1000 + (uint64_t)w->id);
    float *sources[IN_FLIGHT];
    size_t counts[IN_FLIGHT];
    uint32_t bits[IN_FLIGHT];
    daf_handle handles[IN_FLIGHT] = {0};
    float *out = floats(MAX_TENSOR);
    for (int k = 0; k < IN_FLIGHT; k++) sources[k] = floats(MAX_TENSOR);
    for (int t = 0; t < TENSORS_PER_THREAD + IN_FLIGHT; t++) {
        int slot = t % IN_FLIGHT;
        if (handles[slot] != 0) {
            CHECK_STATUS(daf_restore(w->ctx, handles[slot], out, counts[slot]), DAF_OK);
            if (count_over_bound(sources[slot], out, counts[slot], bits[slot], 256, 0) != 0)
                CHECK(!"restored tensor within the bound (thread)");
            CHECK_STATUS(daf_release(w->ctx, handles[slot]), DAF_OK);
            handles[slot] = 0;
        }
        if (t >= TENSORS_PER_THREAD) continue;
        counts[slot] = 1 + rng_below(&r, MAX_TENSOR);
        bits[slot] = 1 + rng_below(&r, 8);
        fill_varied(sources[slot], counts[slot], rng_next(&r));
        daf_save_params params;
        daf_save_params_init(&params);
        params.bits = bits[slot];
        params.importance = rng_unit(&r);
        CHECK_STATUS(daf_save(w->ctx, sources[slot], counts[slot], &params, &handles[slot]), DAF_OK);
    }
    for (int k = 0; k < IN_FLIGHT; k++) free(sources[k]);
    free(out);
    return NULL;
}

void threads_share_one_context(void) {
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    pthread_t threads[THREADS];
    worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i].ctx = ctx;
        workers[i].id = i;
        CHECK(pthread_create(&threads[i], NULL, save_restore_worker, &workers[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    daf_context_statistics s = stats_of(ctx);
    CHECK_SIZE(s.saves, THREADS * TENSORS_PER_THREAD);
    CHECK_SIZE(s.restores, THREADS * TENSORS_PER_THREAD);
    CHECK_SIZE(s.releases, THREADS * TENSORS_PER_THREAD);
    CHECK_SIZE(s.live_entries, 0);
    CHECK_SIZE(s.live_packed_bytes, 0);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

void threads_with_separate_contexts(void) {
    daf_context *contexts[THREADS];
    pthread_t threads[THREADS];
    worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        contexts[i] = new_context(2, 256, DAF_ROUND_NEAREST);
        workers[i].ctx = contexts[i];
        workers[i].id = 100 + i;
        CHECK(pthread_create(&threads[i], NULL, save_restore_worker, &workers[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        CHECK_SIZE(stats_of(contexts[i]).saves, TENSORS_PER_THREAD);
        CHECK_STATUS(daf_destroy(contexts[i]), DAF_OK);
    }
}

typedef struct race {
    daf_context *ctx;
    daf_handle handle;
    const float *expected;
    size_t count;
    long restores_ok;
    int last_status;
    int wrong_data;
} race;

static void *restore_until_gone(void *argument) {
    race *r = argument;
    float *out = floats(r->count);
    for (long i = 0; i < 1000000; i++) {
        int status = daf_restore(r->ctx, r->handle, out, r->count);
        r->last_status = status;
        if (status != DAF_OK) break;
        r->restores_ok++;
        if (memcmp(out, r->expected, r->count * sizeof(float)) != 0) r->wrong_data++;
    }
    free(out);
    return NULL;
}

void restore_races_release(void) {
    const size_t count = 20000;
    float *x = floats(count);
    float *expected = floats(count);
    fill_varied(x, count, 191);
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    for (int attempt = 0; attempt < 40; attempt++) {
        where("attempt %d", attempt);
        race r;
        memset(&r, 0, sizeof r);
        r.ctx = ctx;
        r.handle = save_with_bits(ctx, x, count, 0);
        r.expected = expected;
        r.count = count;
        CHECK_STATUS(daf_restore(ctx, r.handle, expected, count), DAF_OK);
        pthread_t thread;
        CHECK(pthread_create(&thread, NULL, restore_until_gone, &r) == 0);
        struct timespec delay = {0, 200000L * (attempt % 5)};
        nanosleep(&delay, NULL);
        CHECK_STATUS(daf_release(ctx, r.handle), DAF_OK);
        pthread_join(thread, NULL);
        CHECK_STATUS(r.last_status, DAF_E_UNKNOWN_HANDLE); /* the release won in the end */
        CHECK_SIZE(r.wrong_data, 0);                        /* and no restore saw bad data */
    }
    CHECK_SIZE(stats_of(ctx).live_entries, 0);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(expected);
    free(x);
}
