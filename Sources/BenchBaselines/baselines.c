/* SPDX-License-Identifier: MIT */
/* The bandwidth baselines of bench_baselines.h: plain C loops the compiler vectorizes
 * (-O3, AVX2 on x86), one contiguous chunk per thread. Deliberately nothing clever: they stand
 * for "what reading or writing this buffer costs". */
#include "bench_baselines.h"
#include <pthread.h>

typedef struct {
    const float *src;
    float *dst;
    size_t count;
    float value, min, max;
} chunk;

/* Sixteen floats, loadable from any 4-byte aligned address. */
typedef float floats16 __attribute__((ext_vector_type(16), aligned(4)));

static void *read_chunk(void *arg) {
    chunk *c = arg;
    /* Four independent vector accumulators: the loop is limited by memory, not by latency. */
    const float *p = c->src;
    size_t i = 0;
    floats16 lo0 = p[0], lo1 = p[0], lo2 = p[0], lo3 = p[0];
    floats16 hi0 = p[0], hi1 = p[0], hi2 = p[0], hi3 = p[0];
    for (; i + 64 <= c->count; i += 64) {
        floats16 a = *(const floats16 *)(p + i), b = *(const floats16 *)(p + i + 16);
        floats16 d = *(const floats16 *)(p + i + 32), e = *(const floats16 *)(p + i + 48);
        lo0 = __builtin_elementwise_min(lo0, a); hi0 = __builtin_elementwise_max(hi0, a);
        lo1 = __builtin_elementwise_min(lo1, b); hi1 = __builtin_elementwise_max(hi1, b);
        lo2 = __builtin_elementwise_min(lo2, d); hi2 = __builtin_elementwise_max(hi2, d);
        lo3 = __builtin_elementwise_min(lo3, e); hi3 = __builtin_elementwise_max(hi3, e);
    }
    floats16 lo = __builtin_elementwise_min(__builtin_elementwise_min(lo0, lo1), __builtin_elementwise_min(lo2, lo3));
    floats16 hi = __builtin_elementwise_max(__builtin_elementwise_max(hi0, hi1), __builtin_elementwise_max(hi2, hi3));
    float mn = __builtin_reduce_min(lo), mx = __builtin_reduce_max(hi);
    for (; i < c->count; i++) {
        mn = p[i] < mn ? p[i] : mn;
        mx = p[i] > mx ? p[i] : mx;
    }
    c->min = mn;
    c->max = mx;
    return NULL;
}

static void *fill_chunk(void *arg) {
    chunk *c = arg;
    for (size_t i = 0; i < c->count; i++) c->dst[i] = c->value;
    return NULL;
}

static void run_split(void *(*fn)(void *), const float *src, float *dst, size_t count, float value,
                      int threads, chunk *chunks) {
    pthread_t ids[64];
    if (threads < 1) threads = 1;
    if (threads > 64) threads = 64;
    size_t per = count / (size_t)threads;
    for (int t = 0; t < threads; t++) {
        size_t first = per * (size_t)t;
        size_t n = t == threads - 1 ? count - first : per;
        chunks[t] = (chunk){src ? src + first : NULL, dst ? dst + first : NULL, n, value, 0, 0};
    }
    for (int t = 1; t < threads; t++) pthread_create(&ids[t], NULL, fn, &chunks[t]);
    fn(&chunks[0]);
    for (int t = 1; t < threads; t++) pthread_join(ids[t], NULL);
}

void bench_read_minmax(const float *src, size_t count, int threads, float *out_min, float *out_max) {
    chunk chunks[64];
    if (count == 0) { *out_min = *out_max = 0; return; }
    if ((size_t)threads > count) threads = 1;
    run_split(read_chunk, src, NULL, count, 0, threads, chunks);
    int used = threads < 1 ? 1 : (threads > 64 ? 64 : threads);
    *out_min = chunks[0].min;
    *out_max = chunks[0].max;
    for (int t = 1; t < used; t++) {
        if (chunks[t].min < *out_min) *out_min = chunks[t].min;
        if (chunks[t].max > *out_max) *out_max = chunks[t].max;
    }
}

void bench_fill(float *dst, size_t count, float value, int threads) {
    chunk chunks[64];
    run_split(fill_chunk, NULL, dst, count, value, threads, chunks);
}

typedef struct {
    void (*body)(void *, size_t);
    void *context;
    size_t first, end;
} part_share;

static void *run_share(void *arg) {
    part_share *s = arg;
    for (size_t part = s->first; part < s->end; part++) s->body(s->context, part);
    return NULL;
}

void bench_split_parts(int threads, size_t parts, void (*body)(void *context, size_t part), void *context) {
    pthread_t ids[64];
    part_share shares[64];
    if (threads < 1) threads = 1;
    if (threads > 64) threads = 64;
    for (int t = 0; t < threads; t++) {
        shares[t] = (part_share){body, context, parts * (size_t)t / (size_t)threads,
                                 parts * (size_t)(t + 1) / (size_t)threads};
    }
    for (int t = 1; t < threads; t++) pthread_create(&ids[t], NULL, run_share, &shares[t]);
    run_share(&shares[0]);
    for (int t = 1; t < threads; t++) pthread_join(ids[t], NULL);
}

void bench_layer_forward(const float *x, const float *w, float *y, int m, int k, int n) {
    for (int i = 0; i < m; i++) {
        float *row = y + (size_t)i * n;
        for (int j = 0; j < n; j++) row[j] = 0.0f;
        for (int p = 0; p < k; p++) {
            const float a = x[(size_t)i * k + p];
            const float *wrow = w + (size_t)p * n;
            for (int j = 0; j < n; j++) row[j] += a * wrow[j];
        }
        for (int j = 0; j < n; j++) row[j] = row[j] > 0.0f ? row[j] : 0.0f;
    }
}
