/* SPDX-License-Identifier: MIT */
/* abi_test: the paged pool and the context's memory budget. */
#include "abi_test.h"

/* ============================================================================================
 * The paged pool and the context's memory budget
 * ========================================================================================== */

static daf_pool *new_pool(uint32_t page_size, uint64_t chunk_bytes, uint64_t budget_bytes) {
    daf_pool_options options;
    daf_pool_options_init(&options);
    options.page_size = page_size;
    options.chunk_bytes = chunk_bytes;
    options.budget_bytes = budget_bytes;
    daf_pool *pool = NULL;
    CHECK_STATUS(daf_pool_create(&options, &pool), DAF_OK);
    return pool;
}

static daf_pool_statistics pool_stats_of(daf_pool *pool) {
    daf_pool_statistics stats;
    memset(&stats, 0xEE, sizeof stats);
    stats.struct_size = sizeof stats;
    CHECK_STATUS(daf_pool_stats(pool, &stats), DAF_OK);
    return stats;
}

void pool_options_init_defaults(void) {
    daf_pool_options options;
    memset(&options, 0xA5, sizeof options);
    CHECK_STATUS(daf_pool_options_init(&options), DAF_OK);
    CHECK_SIZE(options.struct_size, sizeof(daf_pool_options));
    CHECK_SIZE(options.page_size, DAF_DEFAULT_PAGE_SIZE);
    CHECK_SIZE(options.chunk_bytes, DAF_DEFAULT_CHUNK_BYTES);
    CHECK_SIZE(options.budget_bytes, 0);
    CHECK_SIZE(options.flags, 0);
    CHECK_SIZE(options.reserved, 0);
    CHECK_STATUS(daf_pool_options_init(NULL), DAF_E_NULL_ARGUMENT);
}

void pool_null_arguments(void) {
    CHECK_STATUS(daf_pool_create(NULL, NULL), DAF_E_NULL_ARGUMENT);
    daf_pool *pool = NULL;
    CHECK_STATUS(daf_pool_create(NULL, &pool), DAF_OK); /* NULL options: the defaults */
    CHECK(pool != NULL);
    daf_pool_block block = 99;
    CHECK_STATUS(daf_pool_alloc(pool, 100, 0.0f, NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_pool_alloc(pool, 100, 0.0f, &block), DAF_OK);
    unsigned char bytes[100];
    CHECK_STATUS(daf_pool_write(pool, block, 0, NULL, 100), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_pool_read(pool, block, 0, NULL, 100), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_pool_write(pool, block, 0, NULL, 0), DAF_OK); /* NULL with 0 bytes */
    CHECK_STATUS(daf_pool_read(pool, block, 100, NULL, 0), DAF_OK);
    CHECK_STATUS(daf_pool_read(pool, block, 0, bytes, 100), DAF_OK);
    CHECK_STATUS(daf_pool_block_size(pool, block, NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_pool_least_important(pool, NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_pool_evict(pool, NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_pool_stats(pool, NULL), DAF_E_NULL_ARGUMENT);
    CHECK(daf_last_error(NULL)[0] != '\0'); /* pool failures are told by daf_last_error(NULL) */
    CHECK_STATUS(daf_pool_destroy(pool), DAF_OK);
    CHECK_STATUS(daf_pool_destroy(NULL), DAF_OK);
}

void pool_invalid_pool_is_rejected(void) {
    const uint32_t page = os_page_size();
    daf_pool *pool = new_pool(page, 65536, 0);
    daf_pool_block block = 0;
    CHECK_STATUS(daf_pool_alloc(pool, 10, 1.0f, &block), DAF_OK);
    CHECK_STATUS(daf_pool_destroy(pool), DAF_OK);
    daf_pool *made_up = (daf_pool *)(uintptr_t)0xDEADBEEF;
    daf_pool *bad[] = {NULL, pool, made_up};
    unsigned char byte = 0;
    size_t size = 0;
    daf_pool_statistics stats;
    stats.struct_size = sizeof stats;
    for (int k = 0; k < 3; k++) {
        where("pool %s", k == 0 ? "NULL" : k == 1 ? "destroyed" : "made up");
        daf_pool_block out = 5;
        CHECK_STATUS(daf_pool_alloc(bad[k], 10, 1.0f, &out), DAF_E_INVALID_POOL);
        CHECK(out == 0);
        CHECK_STATUS(daf_pool_free(bad[k], block), DAF_E_INVALID_POOL);
        CHECK_STATUS(daf_pool_write(bad[k], block, 0, &byte, 1), DAF_E_INVALID_POOL);
        CHECK_STATUS(daf_pool_read(bad[k], block, 0, &byte, 1), DAF_E_INVALID_POOL);
        CHECK_STATUS(daf_pool_block_size(bad[k], block, &size), DAF_E_INVALID_POOL);
        CHECK_STATUS(daf_pool_set_importance(bad[k], block, 1.0f), DAF_E_INVALID_POOL);
        CHECK_STATUS(daf_pool_least_important(bad[k], &out), DAF_E_INVALID_POOL);
        CHECK_STATUS(daf_pool_evict(bad[k], &out), DAF_E_INVALID_POOL);
        CHECK_STATUS(daf_pool_set_budget(bad[k], 0), DAF_E_INVALID_POOL);
        CHECK_STATUS(daf_pool_trim(bad[k]), DAF_E_INVALID_POOL);
        CHECK_STATUS(daf_pool_stats(bad[k], &stats), DAF_E_INVALID_POOL);
    }
    CHECK_STATUS(daf_pool_destroy(pool), DAF_E_INVALID_POOL); /* destroyed twice */
    CHECK_STATUS(daf_pool_destroy(made_up), DAF_E_INVALID_POOL);
    /* A context is not a pool, and a pool is not a context. */
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    CHECK_STATUS(daf_pool_trim((daf_pool *)(void *)ctx), DAF_E_INVALID_POOL);
    daf_pool *live = new_pool(page, 65536, 0);
    CHECK_STATUS(daf_set_budget((daf_context *)(void *)live, 0), DAF_E_INVALID_CONTEXT);
    CHECK_STATUS(daf_pool_destroy(live), DAF_OK);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

static int try_pool_options(uint32_t page_size, uint64_t chunk_bytes, uint32_t flags, uint32_t reserved) {
    daf_pool_options options;
    daf_pool_options_init(&options);
    options.page_size = page_size;
    options.chunk_bytes = chunk_bytes;
    options.flags = flags;
    options.reserved = reserved;
    daf_pool *pool = (daf_pool *)(uintptr_t)1;
    int status = daf_pool_create(&options, &pool);
    if (status == DAF_OK) daf_pool_destroy(pool);
    else CHECK(pool == NULL);
    return status;
}

void pool_rejects_invalid_options(void) {
    const uint32_t page = os_page_size();
    CHECK_STATUS(try_pool_options(page, 65536, 0, 0), DAF_OK);
    CHECK_STATUS(try_pool_options(page, page, DAF_POOL_AUTO_TRIM, 0), DAF_OK);
    CHECK_STATUS(try_pool_options(0, 65536, 0, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(3000, 65536, 0, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(2048, 65536, 0, 0), DAF_E_INVALID_ARGUMENT); /* below the OS page */
    CHECK_STATUS(try_pool_options(DAF_MAX_PAGE_SIZE * 2u, (uint64_t)DAF_MAX_PAGE_SIZE * 4u, 0, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(page, 0, 0, 0), DAF_OK); /* chunk_bytes 0: the default */
    CHECK_STATUS(try_pool_options(page, 6000, 0, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(page, (uint64_t)page * (DAF_MAX_CHUNK_PAGES + 1ull), 0, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(page, UINT64_MAX, 0, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(page, 65536, 2, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(page, 65536, 0, 1), DAF_E_INVALID_ARGUMENT);
    daf_pool_options options;
    daf_pool_options_init(&options);
    daf_pool *pool = NULL;
    options.struct_size = 8;
    CHECK_STATUS(daf_pool_create(&options, &pool), DAF_E_STRUCT_SIZE);
    options.struct_size = 0;
    CHECK_STATUS(daf_pool_create(&options, &pool), DAF_E_STRUCT_SIZE);
}

void pool_alloc_checks_arguments(void) {
    const uint32_t page = os_page_size();
    daf_pool *pool = new_pool(page, 8 * page, 4 * page);
    daf_pool_block block = 7;
    CHECK_STATUS(daf_pool_alloc(pool, SIZE_MAX, 0.0f, &block), DAF_E_OVERFLOW);
    CHECK(block == 0);
    CHECK_STATUS(daf_pool_alloc(pool, 10, NAN, &block), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(daf_pool_alloc(pool, 10, INFINITY, &block), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(daf_pool_alloc(pool, 10, -INFINITY, &block), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(daf_pool_alloc(pool, 5 * page, 0.0f, &block), DAF_E_BUDGET_EXCEEDED);
    CHECK(block == 0);
    CHECK_STATUS(daf_pool_alloc(pool, 4 * page, 0.0f, &block), DAF_OK);
    CHECK_STATUS(daf_pool_alloc(pool, 1, 0.0f, &block), DAF_E_BUDGET_EXCEEDED);
    CHECK_STATUS(daf_pool_alloc(pool, 0, 0.0f, &block), DAF_OK); /* an empty block takes no page */
    daf_pool_statistics s = pool_stats_of(pool);
    CHECK_SIZE(s.capacity_bytes, 4 * page);
    CHECK_SIZE(s.budget_refusals, 2);
    CHECK_STATUS(daf_pool_set_importance(pool, block, NAN), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(daf_pool_destroy(pool), DAF_OK);
}

void pool_unknown_blocks(void) {
    const uint32_t page = os_page_size();
    daf_pool *pool = new_pool(page, 65536, 0), *other = new_pool(page, 65536, 0);
    daf_pool_block freed = 0, live = 0, foreign = 0;
    CHECK_STATUS(daf_pool_alloc(pool, 100, 0.0f, &freed), DAF_OK);
    CHECK_STATUS(daf_pool_alloc(pool, 100, 0.0f, &live), DAF_OK);
    CHECK_STATUS(daf_pool_alloc(other, 100, 0.0f, &foreign), DAF_OK);
    CHECK_STATUS(daf_pool_free(pool, freed), DAF_OK);
    daf_pool_block bad[] = {0, freed, live + 1, live ^ ((daf_pool_block)1 << 40), UINT64_MAX};
    unsigned char byte = 0;
    size_t size = 0;
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        where("block %llu", (unsigned long long)bad[k]);
        CHECK_STATUS(daf_pool_free(pool, bad[k]), DAF_E_UNKNOWN_HANDLE);
        CHECK_STATUS(daf_pool_write(pool, bad[k], 0, &byte, 1), DAF_E_UNKNOWN_HANDLE);
        CHECK_STATUS(daf_pool_read(pool, bad[k], 0, &byte, 1), DAF_E_UNKNOWN_HANDLE);
        CHECK_STATUS(daf_pool_block_size(pool, bad[k], &size), DAF_E_UNKNOWN_HANDLE);
        CHECK_STATUS(daf_pool_set_importance(pool, bad[k], 1.0f), DAF_E_UNKNOWN_HANDLE);
    }
    where("");
    daf_pool_block reused = 0;
    CHECK_STATUS(daf_pool_alloc(pool, 100, 0.0f, &reused), DAF_OK);
    CHECK(reused != freed); /* handles are never reused */
    CHECK_STATUS(daf_pool_block_size(pool, live, &size), DAF_OK);
    CHECK_SIZE(size, 100);
    CHECK_STATUS(daf_pool_destroy(pool), DAF_OK);
    CHECK_STATUS(daf_pool_destroy(other), DAF_OK);
}

void pool_range_checks(void) {
    const uint32_t page = os_page_size();
    daf_pool *pool = new_pool(page, 65536, 0);
    daf_pool_block block = 0;
    CHECK_STATUS(daf_pool_alloc(pool, 10000, 0.0f, &block), DAF_OK);
    unsigned char buffer[16];
    CHECK_STATUS(daf_pool_write(pool, block, 10000, buffer, 1), DAF_E_OUT_OF_RANGE);
    CHECK_STATUS(daf_pool_read(pool, block, 9999, buffer, 2), DAF_E_OUT_OF_RANGE);
    CHECK_STATUS(daf_pool_read(pool, block, SIZE_MAX, buffer, 1), DAF_E_OUT_OF_RANGE);
    CHECK_STATUS(daf_pool_read(pool, block, 1, buffer, SIZE_MAX), DAF_E_OUT_OF_RANGE);
    CHECK_STATUS(daf_pool_write(pool, block, 9984, buffer, 16), DAF_OK);
    CHECK_STATUS(daf_pool_read(pool, block, 10000, buffer, 0), DAF_OK);
    CHECK_STATUS(daf_pool_destroy(pool), DAF_OK);
}

/* Blocks spanning pages and chunks keep their bytes; least important first; trim; budget. */
void pool_roundtrip_and_stats(void) {
    const uint32_t page = os_page_size();
    daf_pool *pool = new_pool(page, 4 * page, 0);
    enum { N = 12 };
    daf_pool_block blocks[N];
    size_t sizes[N];
    unsigned char *data = xmalloc(20000), *back = xmalloc(20000);
    for (int i = 0; i < N; i++) {
        sizes[i] = 1000 + (size_t)i * 1500;
        CHECK_STATUS(daf_pool_alloc(pool, sizes[i], (float)(i % 4), &blocks[i]), DAF_OK);
        for (size_t k = 0; k < sizes[i]; k++) data[k] = (unsigned char)(k * 7 + (size_t)i);
        CHECK_STATUS(daf_pool_write(pool, blocks[i], 0, data, sizes[i]), DAF_OK);
    }
    daf_pool_statistics s = pool_stats_of(pool);
    CHECK_SIZE(s.page_size, page);
    CHECK_SIZE(s.live_blocks, N);
    size_t live = 0, pages = 0;
    for (int i = 0; i < N; i++) live += sizes[i], pages += (sizes[i] + page - 1) / page;
    CHECK_SIZE(s.live_bytes, live);
    CHECK_SIZE(s.pages_total - s.pages_free, pages);
    CHECK_SIZE(s.fragmentation_bytes, pages * page - live);
    CHECK(s.capacity_bytes == s.pages_total * page && s.chunks_mapped > 1 && s.allocs == N);
    daf_pool_block least = 0;
    CHECK_STATUS(daf_pool_least_important(pool, &least), DAF_OK);
    CHECK(least == blocks[0]); /* importance 0, oldest */
    CHECK_STATUS(daf_pool_set_importance(pool, blocks[0], 10.0f), DAF_OK);
    CHECK_STATUS(daf_pool_least_important(pool, &least), DAF_OK);
    CHECK(least == blocks[4]); /* the next oldest with importance 0 */
    /* Free the odd blocks, trim: capacity falls to the pages in use, contents stay. */
    for (int i = 1; i < N; i += 2) CHECK_STATUS(daf_pool_free(pool, blocks[i]), DAF_OK);
    CHECK_STATUS(daf_pool_trim(pool), DAF_OK);
    s = pool_stats_of(pool);
    CHECK_SIZE(s.pages_free, 0);
    CHECK(s.trims > 0 && s.trimmed_bytes > 0);
    for (int i = 0; i < N; i += 2) {
        where("block %d", i);
        for (size_t k = 0; k < sizes[i]; k++) data[k] = (unsigned char)(k * 7 + (size_t)i);
        CHECK_STATUS(daf_pool_read(pool, blocks[i], 0, back, sizes[i]), DAF_OK);
        CHECK(memcmp(data, back, sizes[i]) == 0);
    }
    where("");
    CHECK_STATUS(daf_pool_set_budget(pool, s.capacity_bytes - page), DAF_E_BUDGET_EXCEEDED);
    CHECK_STATUS(daf_pool_set_budget(pool, s.capacity_bytes), DAF_OK);
    daf_pool_block extra = 0;
    CHECK_STATUS(daf_pool_alloc(pool, 1, 0.0f, &extra), DAF_E_BUDGET_EXCEEDED);
    daf_pool_block evicted = 0;
    CHECK_STATUS(daf_pool_evict(pool, &evicted), DAF_OK);
    CHECK(evicted == blocks[4]);
    CHECK_STATUS(daf_pool_block_size(pool, evicted, &live), DAF_E_UNKNOWN_HANDLE);
    CHECK_STATUS(daf_pool_alloc(pool, 1, 0.0f, &extra), DAF_OK);
    s = pool_stats_of(pool);
    CHECK(s.evictions == 1 && s.capacity_bytes <= s.budget_bytes && s.peak_live_bytes >= s.live_bytes);
    free(data);
    free(back);
    CHECK_STATUS(daf_pool_destroy(pool), DAF_OK);
}

void pool_stats_struct_size(void) {
    const uint32_t page = os_page_size();
    daf_pool *pool = new_pool(page, 65536, 0);
    union {
        daf_pool_statistics s;
        unsigned char bytes[sizeof(daf_pool_statistics) + TAIL];
        uint64_t align_;
    } big;
    memset(&big, 0xEE, sizeof big);
    big.s.struct_size = 0;
    CHECK_STATUS(daf_pool_stats(pool, &big.s), DAF_E_STRUCT_SIZE);
    big.s.struct_size = sizeof(daf_pool_statistics) - 8;
    CHECK_STATUS(daf_pool_stats(pool, &big.s), DAF_E_STRUCT_SIZE);
    big.s.struct_size = sizeof big.bytes;
    CHECK_STATUS(daf_pool_stats(pool, &big.s), DAF_OK);
    int zeroed = 1;
    for (size_t i = sizeof(daf_pool_statistics); i < sizeof big.bytes; i++) zeroed &= big.bytes[i] == 0;
    CHECK(zeroed);
    CHECK_STATUS(daf_pool_destroy(pool), DAF_OK);
}

static int try_budget_options(uint32_t policy, uint32_t floor_bits, uint32_t page_size, uint32_t reserved,
                              const char *spill_dir) {
    daf_options options;
    daf_options_init(&options);
    options.rounding = DAF_ROUND_NEAREST; /* bounds below are nearest rounding's */
    options.policy = policy;
    options.degrade_floor_bits = floor_bits;
    options.page_size = page_size;
    options.reserved = reserved;
    options.spill_dir = spill_dir;
    daf_context *ctx = NULL;
    int status = daf_create(&options, &ctx);
    if (status == DAF_OK) daf_destroy(ctx);
    else CHECK(ctx == NULL);
    return status;
}

void create_rejects_invalid_budget_options(void) {
    const uint32_t page = os_page_size();
    CHECK_STATUS(try_budget_options(DAF_POLICY_DEGRADE | DAF_POLICY_SPILL | DAF_POLICY_RECOMPUTE, 1, page, 0, NULL), DAF_OK);
    CHECK_STATUS(try_budget_options(8, 1, page, 0, NULL), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_budget_options(DAF_POLICY_DEGRADE, 0, page, 0, NULL), DAF_OK); /* floor 0: range only */
    CHECK_STATUS(try_budget_options(0, 9, page, 0, NULL), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_budget_options(0, 1, 5000, 0, NULL), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_budget_options(0, 1, page, 3, NULL), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_budget_options(DAF_POLICY_SPILL, 1, page, 0, "/nonexistent/libdaf"), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_budget_options(DAF_POLICY_SPILL, 1, page, 0, ""), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_budget_options(DAF_POLICY_DEGRADE, 1, page, 0, "/nonexistent/libdaf"), DAF_OK);
}

void budget_calls_check_arguments(void) {
    daf_context *ctx = new_context(8, 256, DAF_ROUND_NEAREST);
    float x[64] = {1.0f, 2.0f, 3.0f};
    daf_save_params params;
    daf_save_params_init(&params);
    params.reserved = 1;
    daf_handle handle = 5;
    CHECK_STATUS(daf_save(ctx, x, 64, &params, &handle), DAF_E_INVALID_ARGUMENT);
    CHECK(handle == 0);
    CHECK_STATUS(daf_save(ctx, x, 64, NULL, &handle), DAF_OK);
    daf_handle_information info;
    memset(&info, 0xEE, sizeof info);
    CHECK_STATUS(daf_handle_info(ctx, handle, NULL), DAF_E_NULL_ARGUMENT);
    info.struct_size = 4;
    CHECK_STATUS(daf_handle_info(ctx, handle, &info), DAF_E_STRUCT_SIZE);
    info.struct_size = sizeof info;
    CHECK_STATUS(daf_handle_info(ctx, 0, &info), DAF_E_UNKNOWN_HANDLE);
    CHECK_STATUS(daf_handle_info(ctx, handle, &info), DAF_OK);
    CHECK(info.state == DAF_ENTRY_IN_POOL && info.bits == 8 && info.saved_bits == 8 && info.count == 64);
    CHECK_STATUS(daf_set_budget(ctx, 0), DAF_OK);
    CHECK_STATUS(daf_set_budget(ctx, 1), DAF_E_BUDGET_EXCEEDED); /* FAIL: nothing evicted */
    CHECK_STATUS(daf_restore(ctx, handle, x, 64), DAF_OK);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    CHECK_STATUS(daf_set_budget(ctx, 0), DAF_E_INVALID_CONTEXT);
    CHECK_STATUS(daf_handle_info(ctx, handle, &info), DAF_E_INVALID_CONTEXT);
}

/* The budget cases' tensors: two OS pages of values, which at 8 bits take three pages (codes,
 * header, group table) whatever the page size, as 8000 values did in 4 KiB pages. */
static size_t budget_count(void) { return 2 * (size_t)os_page_size(); }

static daf_context *budget_context(uint32_t policy, uint64_t budget, const char *spill_dir) {
    const uint32_t page = os_page_size();
    daf_options options;
    daf_options_init(&options);
    options.rounding = DAF_ROUND_NEAREST; /* bounds below are nearest rounding's */
    options.bits = 8;
    options.policy = policy;
    options.budget_bytes = budget;
    options.page_size = page;
    options.chunk_bytes = 16 * page;
    options.spill_dir = spill_dir;
    daf_context *ctx = NULL;
    CHECK_STATUS(daf_create(&options, &ctx), DAF_OK);
    return ctx;
}

void budget_fail_policy_refuses(void) {
    const uint32_t page = os_page_size();
    enum { N = 10 };
    const size_t count = budget_count();
    float *x = floats(count);
    fill_varied(x, count, 301);
    daf_context *ctx = budget_context(DAF_POLICY_FAIL, 8 * page, NULL);
    daf_handle handles[N];
    int saved = 0, status = DAF_OK;
    while (saved < N && (status = daf_save(ctx, x, count, NULL, &handles[saved])) == DAF_OK) saved++;
    CHECK_STATUS(status, DAF_E_BUDGET_EXCEEDED);
    CHECK(saved > 0 && saved < N && handles[saved] == 0);
    daf_context_statistics s = stats_of(ctx);
    CHECK_SIZE(s.budget_refusals, 1);
    CHECK(s.pool_capacity_bytes <= s.budget_bytes && s.budget_bytes == 8 * page);
    CHECK_SIZE(s.evictions_degrade + s.evictions_spill + s.evictions_recompute, 0);
    float *back = floats(count);
    for (int i = 0; i < saved; i++) CHECK_STATUS(daf_restore(ctx, handles[i], back, count), DAF_OK);
    CHECK_SIZE(count_over_bound(x, back, count, 8, 256, 0), 0);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(back);
    free(x);
}

void budget_spill_roundtrip(void) {
    const uint32_t page = os_page_size();
    char dir[] = "/tmp/daf-abi-spill-XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL)) return;
    enum { N = 12 };
    const size_t count = budget_count();
    float *x = floats(count * N), *back = floats(count), *expected = floats(count);
    fill_varied(x, count * N, 302);
    daf_context *ctx = budget_context(DAF_POLICY_SPILL, 10 * page, dir);
    daf_context *reference = new_context(8, 256, DAF_ROUND_NEAREST);
    daf_handle handles[N];
    for (int i = 0; i < N; i++) CHECK_STATUS(daf_save(ctx, x + count * i, count, NULL, &handles[i]), DAF_OK);
    daf_context_statistics s = stats_of(ctx);
    CHECK(s.spilled_entries > 0 && s.spill_file_bytes > 0 && s.evictions_spill == s.spilled_entries);
    CHECK(s.pool_peak_capacity_bytes <= 10 * page);
    for (int i = 0; i < N; i++) {
        where("entry %d", i);
        daf_handle h = 0;
        CHECK_STATUS(daf_save(reference, x + count * i, count, NULL, &h), DAF_OK);
        CHECK_STATUS(daf_restore(reference, h, expected, count), DAF_OK);
        CHECK_STATUS(daf_restore(ctx, handles[i], back, count), DAF_OK);
        CHECK(memcmp(back, expected, count * sizeof(float)) == 0); /* exactly as from memory */
    }
    where("");
    CHECK_SIZE(stats_of(ctx).spill_restores, s.spilled_entries);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    CHECK(rmdir(dir) == 0); /* nothing left behind */
    CHECK_STATUS(daf_destroy(reference), DAF_OK);
    free(x);
    free(back);
    free(expected);
}

typedef struct recompute_data {
    const float *values;
    size_t count;
    int calls;
    int fail;
} recompute_data;

static int recompute_copy(void *user, daf_handle handle, float *dst, size_t count) {
    recompute_data *data = user;
    (void)handle;
    data->calls++;
    if (data->fail || count != data->count) return 1;
    memcpy(dst, data->values, count * sizeof(float));
    return 0;
}

/* Saves n tensors of `count` values from x, tensor i with importance i and `callback` reading
 * data[i] to rebuild it. */
static void save_recomputable(daf_context *ctx, const float *x, size_t count, int n, daf_recompute_fn callback,
                              recompute_data *data, daf_handle *handles) {
    for (int i = 0; i < n; i++) {
        data[i].values = x + count * (size_t)i;
        data[i].count = count;
        data[i].calls = 0;
        data[i].fail = 0;
        daf_save_params params;
        daf_save_params_init(&params);
        params.importance = (float)i;
        params.recompute = callback;
        params.recompute_user = &data[i];
        CHECK_STATUS(daf_save(ctx, x + count * (size_t)i, count, &params, &handles[i]), DAF_OK);
    }
}

void budget_recompute_callback(void) {
    const uint32_t page = os_page_size();
    enum { N = 10 };
    const size_t count = budget_count();
    float *x = floats(count * N), *back = floats(count);
    fill_varied(x, count * N, 303);
    daf_context *ctx = budget_context(DAF_POLICY_RECOMPUTE, 10 * page, NULL);
    recompute_data data[N];
    daf_handle handles[N];
    save_recomputable(ctx, x, count, N, recompute_copy, data, handles);
    daf_handle_information info;
    info.struct_size = sizeof info;
    CHECK_STATUS(daf_handle_info(ctx, handles[0], &info), DAF_OK);
    CHECK(info.state == DAF_ENTRY_DROPPED); /* the least important went first */
    CHECK_STATUS(daf_restore(ctx, handles[0], back, count), DAF_OK);
    CHECK(memcmp(back, x, count * sizeof(float)) == 0 && data[0].calls == 1);
    data[0].fail = 1;
    CHECK_STATUS(daf_restore(ctx, handles[0], back, count), DAF_E_RECOMPUTE_FAILED);
    daf_context_statistics s = stats_of(ctx);
    CHECK(s.evictions_recompute == s.dropped_entries && s.dropped_entries > 0);
    CHECK(s.recompute_restores == 1 && s.recompute_failures == 1);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(x);
    free(back);
}

static int g_callback_rounding = -1;

static int recompute_noting_rounding(void *user, daf_handle handle, float *dst, size_t count) {
    g_callback_rounding = fegetround();
    return recompute_copy(user, handle, dst, count);
}

void caller_float_environment_in_contexts(void) {
    const uint32_t page = os_page_size();
    /* Saves and restores (sync and async) give the same values under a host that rounds
     * upward as in the default environment; a recompute callback runs in the host's
     * environment, and the host has it back after each call. */
    enum { N = 10 };
    const size_t count = budget_count();
    float *x = floats(count * N), *expected = floats(count), *back = floats(count);
    fill_varied(x, count * N, 404);
    /* Nearest rounding: a context's stochastic seed changes from save to save. */
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle h = save_with_bits(ctx, x, count, 0);
    CHECK_STATUS(daf_restore(ctx, h, expected, count), DAF_OK);
    CHECK_STATUS(daf_release(ctx, h), DAF_OK);
    fenv_t saved;
    fegetenv(&saved);
    fesetround(FE_UPWARD);
    h = save_with_bits(ctx, x, count, 0);
    CHECK_STATUS(daf_restore(ctx, h, back, count), DAF_OK);
    CHECK(memcmp(back, expected, count * sizeof(float)) == 0);
    CHECK_STATUS(daf_release(ctx, h), DAF_OK);
    daf_save_params params;
    daf_save_params_init(&params);
    CHECK_STATUS(daf_save_async(ctx, x, count, &params, &h), DAF_OK);
    CHECK_STATUS(daf_wait(ctx, h), DAF_OK);
    CHECK_STATUS(daf_restore(ctx, h, back, count), DAF_OK);
    CHECK(memcmp(back, expected, count * sizeof(float)) == 0);
    CHECK(fegetround() == FE_UPWARD);

    daf_context *dropping = budget_context(DAF_POLICY_RECOMPUTE, 10 * page, NULL);
    recompute_data data[N];
    daf_handle handles[N];
    save_recomputable(dropping, x, count, N, recompute_noting_rounding, data, handles);
    CHECK_STATUS(daf_restore(dropping, handles[0], back, count), DAF_OK);
    CHECK(data[0].calls == 1 && g_callback_rounding == FE_UPWARD);
    CHECK(fegetround() == FE_UPWARD);
    fesetenv(&saved);
    CHECK_STATUS(daf_destroy(dropping), DAF_OK);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(x);
    free(expected);
    free(back);
}
