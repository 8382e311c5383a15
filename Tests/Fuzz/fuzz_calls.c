/* SPDX-License-Identifier: MIT */
/*
 * fuzz_calls.c — libFuzzer target: the input bytes are a program of context and pool calls
 * (saves sync and async, waits, restores of all or a range, releases, importance and budget
 * changes, stats; pool alloc, write, read, free, importance, evict, trim, budget, stats) on a
 * context with a small budget and one of the policies, and on a pool with a small budget.
 * A model of what the caller knows checks every status and every restored value
 * (context_model.h) and every pool byte, eviction order and figure; any disagreement aborts,
 * so libFuzzer reports it with the input. Not a speed test: tensors are small, budgets tiny.
 */
#include "context_model.h"

#define ENTRIES 8
#define BLOCKS 8
#define MAX_BLOCK 20000
#define PAGE model_page_size()

#define FAIL(...) MODEL_ABORT("fuzz_calls", __VA_ARGS__)

/* ---- the input as a byte source ---------------------------------------------------------- */

typedef struct cursor {
    const uint8_t *p;
    size_t n;
} cursor;

static unsigned cursor_next(void *state) {
    cursor *c = state;
    if (c->n == 0) return 0;
    c->n--;
    return *c->p++;
}

static void report(model_context *m, enum model_problem problem, const char *what) {
    (void)m;
    static const char *kinds[] = {"mismatch", "lost entry", "status"};
    FAIL("%s: %s", kinds[problem], what);
}

/* ---- the context ------------------------------------------------------------------------- */

static const uint32_t policies[] = {
    DAF_POLICY_FAIL,
    DAF_POLICY_DEGRADE,
    DAF_POLICY_SPILL,
    DAF_POLICY_RECOMPUTE,
    DAF_POLICY_DEGRADE | DAF_POLICY_RECOMPUTE | DAF_POLICY_SPILL,
    DAF_POLICY_DEGRADE | DAF_POLICY_SPILL,
    DAF_POLICY_RECOMPUTE | DAF_POLICY_SPILL,
};

static void context_open(model_context *m, const model_source *src) {
    memset(m, 0, sizeof *m);
    m->single_threaded = 1;
    m->report = report;
    daf_options *o = &m->options;
    daf_options_init(o);
    o->policy = policies[model_take(src) % (sizeof policies / sizeof policies[0])];
    o->bits = 1 + model_take(src) % 8;
    o->group_size = DAF_LANES * (1 + model_take(src) % 20);
    o->rounding = model_take(src) % 4 == 0 ? DAF_ROUND_STOCHASTIC : DAF_ROUND_NEAREST;
    o->seed = model_take(src);
    o->threads = 1 + model_take(src) % 2;
    o->page_size = PAGE;
    o->chunk_bytes = PAGE * (1 + model_take(src) % 4);
    unsigned pick = model_take(src);
    o->budget_bytes = pick % 4 == 0 ? 0 : PAGE * (2 + pick / 4 % 16);
    o->degrade_floor_bits = model_take(src) % 4; /* 0: range only */
    o->pool_flags = model_take(src) % 2 ? DAF_POOL_AUTO_TRIM : 0;
    m->budget = o->budget_bytes;
    m->budget_seen = o->budget_bytes != 0;
    int s = daf_create(o, &m->ctx);
    if (s != DAF_OK)
        FAIL("daf_create (policy %u, budget %llu, chunk %llu) returned %s: %s", o->policy,
             (unsigned long long)o->budget_bytes, (unsigned long long)o->chunk_bytes,
             daf_status_name(s), daf_last_error(NULL));
}

/* Destroys the context with whatever is still saved or pending; the sources are freed only
 * after daf_destroy returned (async saves may read them until then). */
static void context_close(model_context *m, model_entry *entries) {
    int s = daf_destroy(m->ctx);
    if (s != DAF_OK) FAIL("daf_destroy returned %s", daf_status_name(s));
    for (int i = 0; i < ENTRIES; i++) {
        free(entries[i].values);
        memset(&entries[i], 0, sizeof entries[i]);
    }
}

/* ---- the pool ---------------------------------------------------------------------------- */

typedef struct block {
    daf_pool_block id; /* 0: free slot */
    daf_pool_block stale;
    size_t size;
    float importance;
    uint64_t age;      /* allocation order: ties in importance go oldest first */
    uint8_t *bytes;    /* what the block holds */
} block;

typedef struct pool_model {
    daf_pool *pool;
    uint64_t budget;
    uint64_t next_age;
    block blocks[BLOCKS];
} pool_model;

static void pool_open(pool_model *p, const model_source *src) {
    memset(p, 0, sizeof *p);
    daf_pool_options o;
    daf_pool_options_init(&o);
    o.page_size = PAGE;
    o.chunk_bytes = PAGE * (1 + model_take(src) % 4);
    unsigned pick = model_take(src);
    o.budget_bytes = pick % 4 == 0 ? 0 : PAGE * (1 + pick / 4 % 24);
    o.flags = model_take(src) % 2 ? DAF_POOL_AUTO_TRIM : 0;
    p->budget = o.budget_bytes;
    int s = daf_pool_create(&o, &p->pool);
    if (s != DAF_OK) FAIL("daf_pool_create returned %s", daf_status_name(s));
}

static void block_forget(block *b) {
    b->stale = b->id;
    b->id = 0;
    free(b->bytes);
    b->bytes = NULL;
}

static void pool_close(pool_model *p) {
    int s = daf_pool_destroy(p->pool);
    if (s != DAF_OK) FAIL("daf_pool_destroy returned %s", daf_status_name(s));
    for (int i = 0; i < BLOCKS; i++) free(p->blocks[i].bytes);
}

/* The block the pool must evict next: lowest importance, then oldest. */
static block *pool_least(pool_model *p) {
    block *least = NULL;
    for (int i = 0; i < BLOCKS; i++) {
        block *b = &p->blocks[i];
        if (b->id && (!least || b->importance < least->importance ||
                      (b->importance == least->importance && b->age < least->age)))
            least = b;
    }
    return least;
}

static void pool_verify(pool_model *p, block *b, size_t offset, size_t n) {
    uint8_t *got = malloc(n ? n : 1);
    if (!got) abort();
    int s = daf_pool_read(p->pool, b->id, offset, got, n);
    if (s != DAF_OK) FAIL("daf_pool_read of block %llu [%zu, +%zu) returned %s",
                          (unsigned long long)b->id, offset, n, daf_status_name(s));
    for (size_t i = 0; i < n; i++)
        if (got[i] != b->bytes[offset + i])
            FAIL("block %llu byte %zu of %zu is 0x%02x, written 0x%02x", (unsigned long long)b->id,
                 offset + i, b->size, got[i], b->bytes[offset + i]);
    free(got);
}

static void pool_write(pool_model *p, block *b, size_t offset, size_t n, uint64_t seed) {
    uint8_t *data = malloc(n ? n : 1);
    if (!data) abort();
    for (size_t i = 0; i < n; i++) data[i] = (uint8_t)model_next(&seed);
    int s = daf_pool_write(p->pool, b->id, offset, data, n);
    if (s != DAF_OK) FAIL("daf_pool_write of block %llu [%zu, +%zu) of %zu returned %s",
                          (unsigned long long)b->id, offset, n, b->size, daf_status_name(s));
    memcpy(b->bytes + offset, data, n);
    free(data);
}

static void pool_alloc(pool_model *p, block *b, const model_source *src) {
    if (b->id) {
        int s = daf_pool_free(p->pool, b->id);
        if (s != DAF_OK) FAIL("daf_pool_free of a live block returned %s", daf_status_name(s));
        block_forget(b);
    }
    unsigned pick = model_take16(src);
    size_t size = pick % 8 == 0 ? 0 : pick % MAX_BLOCK;
    float importance = (float)((int)model_take(src) - 128) / 8;
    daf_pool_block id = 0;
    int s = daf_pool_alloc(p->pool, size, importance, &id);
    if (s == DAF_E_BUDGET_EXCEEDED && p->budget != 0 && id == 0) return;
    if (s != DAF_OK || id == 0) FAIL("daf_pool_alloc(%zu) returned %s", size, daf_status_name(s));
    b->id = id;
    b->size = size;
    b->importance = importance;
    b->age = p->next_age++;
    b->bytes = malloc(size ? size : 1);
    if (!b->bytes) abort();
    pool_write(p, b, 0, size, id); /* every byte defined, so every read can be checked */
}

/* A byte range of the block, or (one time in eight) one reaching past its end. */
static int pool_range(const block *b, const model_source *src, size_t *offset, size_t *n) {
    *offset = model_take16(src) % (b->size + 1);
    *n = model_take16(src) % (b->size - *offset + 1);
    if (model_take(src) % 8 == 0) {
        *n = b->size - *offset + 1 + model_take(src) % 4;
        return 0;
    }
    return 1;
}

static void pool_step(pool_model *p, unsigned op, const model_source *src) {
    block *b = &p->blocks[model_take(src) % BLOCKS];
    size_t offset, n;
    int s;
    switch (op) {
    case 0: pool_alloc(p, b, src); break;
    case 1: /* write */
    case 2: /* read */
        if (!b->id) {
            uint8_t byte = 0;
            s = op == 1 ? daf_pool_write(p->pool, b->stale, 0, &byte, 1)
                        : daf_pool_read(p->pool, b->stale, 0, &byte, 1);
            if (s != DAF_E_UNKNOWN_HANDLE)
                FAIL("pool %s of a freed or zero handle returned %s", op == 1 ? "write" : "read",
                     daf_status_name(s));
            break;
        }
        if (pool_range(b, src, &offset, &n)) {
            if (op == 1) pool_write(p, b, offset, n, model_take16(src));
            else pool_verify(p, b, offset, n);
        } else {
            uint8_t *scratch = calloc(n, 1);
            if (!scratch) abort();
            s = op == 1 ? daf_pool_write(p->pool, b->id, offset, scratch, n)
                        : daf_pool_read(p->pool, b->id, offset, scratch, n);
            if (s != DAF_E_OUT_OF_RANGE)
                FAIL("pool %s [%zu, +%zu) of a %zu-byte block returned %s",
                     op == 1 ? "write" : "read", offset, n, b->size, daf_status_name(s));
            free(scratch);
        }
        break;
    case 3: /* free */
        s = daf_pool_free(p->pool, b->id ? b->id : b->stale);
        if (s != (b->id ? DAF_OK : DAF_E_UNKNOWN_HANDLE))
            FAIL("daf_pool_free of a %s block returned %s", b->id ? "live" : "freed",
                 daf_status_name(s));
        if (b->id) block_forget(b);
        break;
    case 4: /* importance */
        if (!b->id) break;
        b->importance = (float)((int)model_take(src) - 128) / 8;
        s = daf_pool_set_importance(p->pool, b->id, b->importance);
        if (s != DAF_OK) FAIL("daf_pool_set_importance returned %s", daf_status_name(s));
        break;
    case 5: { /* least important, then evict */
        block *least = pool_least(p);
        daf_pool_block named = 0, evicted = 0;
        s = daf_pool_least_important(p->pool, &named);
        if (s != DAF_OK || named != (least ? least->id : 0))
            FAIL("daf_pool_least_important named %llu (%s), the model %llu",
                 (unsigned long long)named, daf_status_name(s),
                 (unsigned long long)(least ? least->id : 0));
        if (model_take(src) % 2) break;
        s = daf_pool_evict(p->pool, &evicted);
        if (s != DAF_OK || evicted != named)
            FAIL("daf_pool_evict took %llu (%s), expected %llu", (unsigned long long)evicted,
                 daf_status_name(s), (unsigned long long)named);
        if (least) block_forget(least);
        break;
    }
    case 6: /* trim, or a new budget; then every byte of every block must still be there */
        if (model_take(src) % 2) {
            s = daf_pool_trim(p->pool);
            if (s != DAF_OK) FAIL("daf_pool_trim returned %s", daf_status_name(s));
        } else {
            unsigned pick = model_take(src);
            uint64_t budget = pick % 4 == 0 ? 0 : PAGE * (1 + pick / 4 % 24);
            s = daf_pool_set_budget(p->pool, budget);
            if (s == DAF_OK) p->budget = budget;
            else if (s != DAF_E_BUDGET_EXCEEDED || budget == 0)
                FAIL("daf_pool_set_budget(%llu) returned %s", (unsigned long long)budget,
                     daf_status_name(s));
        }
        for (int i = 0; i < BLOCKS; i++)
            if (p->blocks[i].id) pool_verify(p, &p->blocks[i], 0, p->blocks[i].size);
        break;
    default: { /* stats and sizes */
        daf_pool_statistics st;
        memset(&st, 0, sizeof st);
        st.struct_size = sizeof st;
        s = daf_pool_stats(p->pool, &st);
        uint64_t live = 0, bytes = 0;
        for (int i = 0; i < BLOCKS; i++) {
            if (!p->blocks[i].id) continue;
            live++;
            bytes += p->blocks[i].size;
            size_t size = 0;
            if (daf_pool_block_size(p->pool, p->blocks[i].id, &size) != DAF_OK || size != p->blocks[i].size)
                FAIL("daf_pool_block_size says %zu for a %zu-byte block", size, p->blocks[i].size);
        }
        if (s != DAF_OK || st.live_blocks != live || st.live_bytes != bytes ||
            st.budget_bytes != p->budget || (p->budget && st.capacity_bytes > p->budget) ||
            st.capacity_bytes != st.pages_total * st.page_size || st.pages_free > st.pages_total)
            FAIL("daf_pool_stats (%s): %llu blocks of %llu bytes (model %llu, %llu), budget %llu "
                 "(model %llu), capacity %llu, pages %llu free of %llu",
                 daf_status_name(s), (unsigned long long)st.live_blocks,
                 (unsigned long long)st.live_bytes, (unsigned long long)live,
                 (unsigned long long)bytes, (unsigned long long)st.budget_bytes,
                 (unsigned long long)p->budget, (unsigned long long)st.capacity_bytes,
                 (unsigned long long)st.pages_free, (unsigned long long)st.pages_total);
        break;
    }
    }
}

/* ---- the program ------------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cursor input = {data, size};
    model_source src = {cursor_next, &input};
    model_context m;
    model_entry entries[ENTRIES];
    pool_model pool;
    memset(entries, 0, sizeof entries);
    context_open(&m, &src);
    pool_open(&pool, &src);

    while (input.n > 0) {
        unsigned op = model_take(&src) % 24;
        model_entry *e = &entries[model_take(&src) % ENTRIES];
        switch (op) {
        case 0: case 1: model_save(&m, e, &src, 0); break;
        case 2: case 3: model_save(&m, e, &src, 1); break;
        case 4: model_wait(&m, e); break;
        case 5: case 6: model_restore(&m, e, &src, 0); break;
        case 7: model_restore(&m, e, &src, 1); break;
        case 8: model_release(&m, e); break;
        case 9: model_set_importance(&m, e, &src); break;
        case 10: model_set_budget(&m, &src); break;
        case 11: model_stats(&m, entries, ENTRIES); break;
        case 12: /* a fresh context: destroy with whatever is saved or pending */
            context_close(&m, entries);
            context_open(&m, &src);
            break;
        default: pool_step(&pool, op - 13, &src); break;
        }
    }
    /* Everything still saved must come back before the end. */
    for (int i = 0; i < ENTRIES; i++) model_restore(&m, &entries[i], &src, 0);
    model_stats(&m, entries, ENTRIES);
    context_close(&m, entries);
    pool_close(&pool);
    return 0;
}
