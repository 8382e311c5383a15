/* SPDX-License-Identifier: MIT */
/* abi_0_1_0.c — a program written for libdaf 0.1.0: compiled against the frozen 0.1.0 header
 * (Tests/CABI/v0_1_0/daf.h) and run against the current library, as an old binary would be.
 * Every call must succeed with the 0.1.0 struct sizes, and no call may write past a struct:
 * each struct sits in a buffer whose bytes after it are a canary that must stay intact.
 * Compiled with -DDAF_TEST_CURRENT_HEADER against today's daf.h, it shows that 0.1 source
 * still builds (the renamed types are deprecated aliases) and runs. */
#ifdef DAF_TEST_CURRENT_HEADER /* the same 0.1 source against today's header: 0.1 names */
#include <daf.h>
#else
#include "v0_1_0/daf.h"
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            failures++;                                                                        \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                        \
            printf(__VA_ARGS__);                                                               \
            printf("\n");                                                                      \
        }                                                                                      \
    } while (0)

#define CALL(expr)                                                                             \
    do {                                                                                       \
        int status_ = (expr);                                                                  \
        CHECK(status_ == DAF_OK, "%s returned %s: %s", #expr, daf_status_name(status_),       \
              daf_last_error(NULL));                                                           \
    } while (0)

/* A struct followed by canary bytes the library must never touch. */
#define CANARY_BYTES 256
#define GUARDED(type, name)                                                                    \
    union {                                                                                    \
        type value;                                                                            \
        unsigned char bytes[sizeof(type) + CANARY_BYTES];                                      \
        uint64_t align_;                                                                       \
    } name;                                                                                    \
    memset(name.bytes, 0xA5, sizeof name.bytes)

static int canary_intact(const unsigned char *bytes, size_t size, const char *what) {
    for (size_t i = size; i < size + CANARY_BYTES; i++) {
        if (bytes[i] != 0xA5) {
            printf("FAIL: the library wrote byte %zu of %s, past its 0.1.0 size %zu\n", i, what, size);
            failures++;
            return 0;
        }
    }
    return 1;
}
#define CANARY(name, type) canary_intact(name.bytes, sizeof(type), #type)

static void codec_calls(void) {
    float src[1000], back[1000];
    for (int i = 0; i < 1000; i++) src[i] = sinf((float)i * 0.01f);

    GUARDED(daf_quantize_params, params);
    CALL(daf_quantize_params_init(&params.value));
    CHECK(params.value.struct_size == sizeof(daf_quantize_params), "params struct_size %u",
          params.value.struct_size);
    CANARY(params, daf_quantize_params);
    params.value.bits = 4;

    size_t bound = daf_packed_bound(1000, 4, 256), size = 0;
    unsigned char *blob = malloc(bound);
    CHECK(blob != NULL && bound >= DAF_PACKED_HEADER_BYTES, "bound %zu", bound);
    if (blob == NULL) return;
    CALL(daf_quantize_pack(src, 1000, &params.value, blob, bound, &size));
    CALL(daf_unpack_dequantize(blob, size, back, 1000));
    float worst = 0;
    for (int i = 0; i < 1000; i++) worst = fmaxf(worst, fabsf(back[i] - src[i]));
    CHECK(worst <= 2.0f / 15.0f, "4-bit round trip error %g", worst);

    GUARDED(daf_blob_info, info);
    info.value.struct_size = sizeof(daf_blob_info);
    CALL(daf_packed_info(blob, size, &info.value));
    CHECK(info.value.count == 1000 && info.value.bits == 4 && info.value.packed_size == size,
          "blob info count %llu bits %u size %llu", (unsigned long long)info.value.count,
          info.value.bits, (unsigned long long)info.value.packed_size);
    CHECK(info.value.struct_size == sizeof(daf_blob_info), "blob info struct_size %u",
          info.value.struct_size);
    CANARY(info, daf_blob_info);
    free(blob);
}

static void pool_calls(void) {
    GUARDED(daf_pool_options, options);
    CALL(daf_pool_options_init(&options.value));
    CHECK(options.value.struct_size == sizeof(daf_pool_options), "pool options struct_size %u",
          options.value.struct_size);
    CANARY(options, daf_pool_options);

    daf_pool *pool = NULL;
    CALL(daf_pool_create(&options.value, &pool));
    if (pool == NULL) return;
    daf_pool_block block = 0;
    char text[100] = "written by a 0.1.0 program", read_back[100] = {0};
    CALL(daf_pool_alloc(pool, sizeof text, 1.0f, &block));
    CALL(daf_pool_write(pool, block, 0, text, sizeof text));
    CALL(daf_pool_read(pool, block, 0, read_back, sizeof read_back));
    CHECK(memcmp(text, read_back, sizeof text) == 0, "pool bytes differ");

    GUARDED(daf_pool_statistics, stats);
    stats.value.struct_size = sizeof(daf_pool_statistics);
    CALL(daf_pool_stats(pool, &stats.value));
    CHECK(stats.value.live_blocks == 1, "pool stats live_blocks %llu", (unsigned long long)stats.value.live_blocks);
    CANARY(stats, daf_pool_statistics);
    CALL(daf_pool_free(pool, block));
    CALL(daf_pool_destroy(pool));
}

static void context_calls(void) {
    enum { N = 4096 };
    static float src[N], back[N];
    for (int i = 0; i < N; i++) src[i] = cosf((float)i * 0.003f);

    GUARDED(daf_options, options);
    CALL(daf_options_init(&options.value));
    CHECK(options.value.struct_size == sizeof(daf_options), "options struct_size %u",
          options.value.struct_size);
    CANARY(options, daf_options);
    options.value.bits = 8;
    options.value.threads = 2;
    options.value.policy = DAF_POLICY_SPILL;

    daf_context *ctx = NULL;
    CALL(daf_create(&options.value, &ctx));
    if (ctx == NULL) return;

    GUARDED(daf_save_params, params);
    CALL(daf_save_params_init(&params.value));
    CHECK(params.value.struct_size == sizeof(daf_save_params), "save params struct_size %u",
          params.value.struct_size);
    CANARY(params, daf_save_params);
    params.value.importance = 2.0f;

    daf_handle sync_handle = 0, async_handle = 0;
    CALL(daf_save(ctx, src, N, &params.value, &sync_handle));
    CALL(daf_save_async(ctx, src, N, &params.value, &async_handle));
    CALL(daf_wait(ctx, async_handle));
    CALL(daf_restore(ctx, sync_handle, back, N));
    float worst = 0;
    for (int i = 0; i < N; i++) worst = fmaxf(worst, fabsf(back[i] - src[i]));
    CHECK(worst <= 2.0f / 255.0f, "8-bit round trip error %g", worst);
    CALL(daf_restore_range(ctx, async_handle, 100, 50, back));
    CALL(daf_set_importance(ctx, async_handle, 5.0f));

    GUARDED(daf_entry_info, info);
    info.value.struct_size = sizeof(daf_entry_info);
    CALL(daf_handle_info(ctx, async_handle, &info.value));
    CHECK(info.value.count == N && info.value.bits == 8 && info.value.importance == 5.0f,
          "entry info count %llu bits %u importance %g", (unsigned long long)info.value.count,
          info.value.bits, info.value.importance);
    CANARY(info, daf_entry_info);

    GUARDED(daf_context_stats, stats);
    stats.value.struct_size = sizeof(daf_context_stats);
    CALL(daf_stats(ctx, &stats.value));
    CHECK(stats.value.live_entries == 2 && stats.value.restores == 2,
          "stats live %llu restores %llu", (unsigned long long)stats.value.live_entries,
          (unsigned long long)stats.value.restores);
    CHECK(stats.value.struct_size == sizeof(daf_context_stats), "stats struct_size %u",
          stats.value.struct_size);
    CANARY(stats, daf_context_stats);

    CALL(daf_set_budget(ctx, 0));
    CALL(daf_release(ctx, sync_handle));
    CALL(daf_release(ctx, async_handle));
    CALL(daf_destroy(ctx));
}

int main(void) {
    printf("built against daf.h %s; running against libdaf %s\n", DAF_VERSION_STRING,
           daf_version_string());
#ifndef DAF_TEST_CURRENT_HEADER
    CHECK(strcmp(DAF_VERSION_STRING, "0.1.0") == 0, "this program must see the 0.1.0 header");
#endif
    codec_calls();
    pool_calls();
    context_calls();
    printf("%s: %d failure(s)\n", failures == 0 ? "abi_0_1_0 passed" : "abi_0_1_0 FAILED", failures);
    return failures == 0 ? 0 : 1;
}
