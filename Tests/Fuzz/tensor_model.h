/* SPDX-License-Identifier: MIT */
/*
 * tensor_model.h — the oracle shared by the call-sequence fuzzer and the concurrency soak:
 * test tensors made from a seed, and the check of a restored tensor against its source under
 * the error bound daf.h documents (per width the entry has had, half a step for nearest
 * rounding, a step for stochastic; non-finite values bit-exact). Not a reimplementation of
 * the codec: it only knows the bound, never the packed bytes.
 */
#ifndef DAF_TENSOR_MODEL_H
#define DAF_TENSOR_MODEL_H

#include <daf.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints "<who>: <message>" and aborts, so libFuzzer reports the input. */
#define MODEL_ABORT(who, ...)                                                                 \
    do {                                                                                      \
        fprintf(stderr, who ": " __VA_ARGS__);                                                \
        fputc('\n', stderr);                                                                  \
        abort();                                                                              \
    } while (0)

/* SplitMix64 (Steele et al. 2014): every tensor is a function of its seed. */
static inline uint64_t model_next(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint32_t float_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline float bits_float(uint32_t u) {
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* values[0..count): uniform in [-2^e, 2^e) with e from the seed in [-8, 8], a constant run now
 * and then (which must come back exactly), and, for one seed in eight, a few NaN (with a
 * payload) and ±Inf values. No group is wider than FLT_MAX, so no group is "wide". */
static inline void model_fill(float *values, size_t count, uint64_t seed) {
    uint64_t rng = seed;
    float scale = ldexpf(1.0f, (int)(model_next(&rng) % 17) - 8);
    int nonfinite = model_next(&rng) % 8 == 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t r = model_next(&rng);
        values[i] = ((float)(r >> 40) / 16777216.0f * 2.0f - 1.0f) * scale;
    }
    if (count > 40 && model_next(&rng) % 4 == 0) {
        size_t start = (size_t)(model_next(&rng) % (count - 32));
        for (size_t i = start; i < start + 32; i++) values[i] = scale / 3;
    }
    if (nonfinite && count > 0) {
        static const uint32_t specials[] = {0x7FC00000u, 0x7FC01234u, 0x7F800000u, 0xFF800000u};
        for (int k = 0; k < 3; k++) {
            values[model_next(&rng) % count] = bits_float(specials[model_next(&rng) % 4]);
        }
    }
}

/* What a restore is compared with. */
typedef struct model_expectation {
    uint32_t group_size; /* the context's group size */
    uint32_t saved_bits; /* bits the entry was saved with */
    uint32_t bits;       /* bits it has now (daf_handle_info), <= saved_bits */
    int stochastic;      /* rounding of the context */
    int exact;           /* rebuilt by a recompute callback: bit-exact */
} model_expectation;

/* The bound of daf.h for one value of a group whose finite values span [lo, hi]: over every
 * width the entry has had (saved_bits, halved down to bits), half a step (nearest) or a step
 * (stochastic) of the original range, plus float rounding of each decode (a few ulps of the
 * group's magnitude per width). */
static inline float model_bound(float lo, float hi, const model_expectation *e) {
    float range = hi - lo, magnitude = fmaxf(fabsf(lo), fabsf(hi));
    float ulp = nextafterf(magnitude, INFINITY) - magnitude;
    float bound = 0;
    uint32_t w = e->saved_bits;
    for (;;) {
        /* at 0 bits (range only) every value is its group's midpoint: a step is the range */
        float step = w == 0 ? range : range / (float)((1u << w) - 1u);
        bound += (e->stochastic ? step : step / 2) * (1 + 1e-5f) + 4 * ulp + 2e-45f;
        if (w <= e->bits) break;
        w = w / 2 > e->bits ? w / 2 : e->bits;
    }
    return bound;
}

/* Compares got[0..count) with elements [first, first + count) of src[0..total). Returns the
 * number of values outside the bound and describes the first in why[0..why_size). */
static inline size_t model_check(const float *src, size_t total, size_t first, const float *got,
                                 size_t count, const model_expectation *e, char *why,
                                 size_t why_size) {
    size_t bad = 0;
    size_t g_size = e->group_size, end = first + count;
    for (size_t g0 = first - first % g_size; g0 < end; g0 += g_size) {
        size_t g1 = g0 + g_size < total ? g0 + g_size : total;
        float lo = INFINITY, hi = -INFINITY;
        for (size_t i = g0; i < g1; i++) {
            if (isfinite(src[i])) {
                lo = fminf(lo, src[i]);
                hi = fmaxf(hi, src[i]);
            }
        }
        float bound = lo <= hi ? model_bound(lo, hi, e) : 0;
        size_t a = g0 > first ? g0 : first, b = g1 < end ? g1 : end;
        for (size_t i = a; i < b; i++) {
            float x = src[i], y = got[i - first];
            int ok;
            if (e->exact || !isfinite(x)) {
                ok = float_bits(x) == float_bits(y) || (e->exact && x == y);
            } else {
                ok = isfinite(y) && fabsf(x - y) <= bound;
            }
            if (!ok && bad++ == 0) {
                snprintf(why, why_size,
                         "value %zu of %zu: saved %.9g (0x%08x), restored %.9g (0x%08x), bound %.9g "
                         "(group [%.9g, %.9g], bits %u of %u, %s%s)",
                         i, total, (double)x, float_bits(x), (double)y, float_bits(y),
                         (double)bound, (double)lo, (double)hi, e->bits, e->saved_bits,
                         e->stochastic ? "stochastic" : "nearest", e->exact ? ", exact" : "");
            }
        }
    }
    return bad;
}

#endif /* DAF_TENSOR_MODEL_H */
