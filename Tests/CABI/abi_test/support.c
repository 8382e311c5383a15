/* SPDX-License-Identifier: MIT */
/* abi_test: the harness, test data, error bound and reference encoder that every section uses.
 * Declared in abi_test.h; no case lives here. */
#include "abi_test.h"

#include <float.h>

/* ============================================================================================
 * Harness: checks count into the running case; failures print file:line, the expression and
 * what was got; a case fails if any of its checks failed.
 * ========================================================================================== */

pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER; /* checks may run on worker threads */
long g_case_checks;
long g_case_failures;
char g_where[200]; /* what the current loop iteration is testing, for messages */

/* Sets the context printed with the next failures ("bits=3 count=17"). Main thread only. */
void where(const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(g_where, sizeof g_where, format, args);
    va_end(args);
}

/* Prints a detail line (under the lock, so lines from threads do not interleave). */
void note(const char *format, ...) {
    va_list args;
    pthread_mutex_lock(&g_lock);
    va_start(args, format);
    fputs("    ", stdout);
    vprintf(format, args);
    fputc('\n', stdout);
    va_end(args);
    pthread_mutex_unlock(&g_lock);
}

int record(int passed, const char *file, int line, const char *expression,
           const char *detail) {
    pthread_mutex_lock(&g_lock);
    g_case_checks++;
    if (!passed) {
        g_case_failures++;
        if (g_case_failures <= MAX_REPORTS_PER_CASE) {
            printf("  %s:%d: CHECK failed: %s\n", file, line, expression);
            if (detail != NULL && detail[0] != '\0') printf("    %s\n", detail);
            if (g_where[0] != '\0') printf("    while testing: %s\n", g_where);
        } else if (g_case_failures == MAX_REPORTS_PER_CASE + 1) {
            printf("  (further failures of this case are counted but not printed)\n");
        }
    }
    pthread_mutex_unlock(&g_lock);
    return passed;
}

int check_true(int passed, const char *expression, const char *file, int line) {
    return record(passed, file, line, expression, NULL);
}

int check_status(int got, int expected, const char *expression, const char *file,
                 int line) {
    char detail[400];
    detail[0] = '\0';
    if (got != expected) {
        snprintf(detail, sizeof detail, "got %s (%d), expected %s (%d); daf_last_error(NULL): \"%s\"",
                 daf_status_name(got), got, daf_status_name(expected), expected,
                 daf_last_error(NULL));
    }
    return record(got == expected, file, line, expression, detail);
}

/* For the few places where daf.h allows (or does not decide between) two codes. */
int check_status_either(int got, int first, int second, const char *expression,
                        const char *file, int line) {
    char detail[400];
    detail[0] = '\0';
    int passed = got == first || got == second;
    if (!passed) {
        snprintf(detail, sizeof detail, "got %s (%d), expected %s or %s", daf_status_name(got),
                 got, daf_status_name(first), daf_status_name(second));
    }
    return record(passed, file, line, expression, detail);
}

int check_size(unsigned long long got, unsigned long long expected, const char *expression,
               const char *file, int line) {
    char detail[200];
    detail[0] = '\0';
    if (got != expected) snprintf(detail, sizeof detail, "got %llu, expected %llu", got, expected);
    return record(got == expected, file, line, expression, detail);
}

int check_string(const char *got, const char *expected, const char *expression,
                 const char *file, int line) {
    char detail[400];
    detail[0] = '\0';
    int passed = got != NULL && strcmp(got, expected) == 0;
    if (!passed) {
        snprintf(detail, sizeof detail, "got %s%s%s, expected \"%s\"", got ? "\"" : "",
                 got ? got : "NULL", got ? "\"" : "", expected);
    }
    return record(passed, file, line, expression, detail);
}

uint32_t os_page_size(void) {
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0 || page > (long)DAF_MAX_PAGE_SIZE) {
        printf("abi_test: sysconf(_SC_PAGESIZE) gave %ld\n", page);
        exit(2);
    }
    return (uint32_t)page;
}

/* Allocation in the tests themselves: failing it is the test's problem, not the library's. */
void *xmalloc(size_t bytes) {
    void *p = malloc(bytes == 0 ? 1 : bytes);
    if (p == NULL) {
        printf("abi_test: out of memory (%zu bytes)\n", bytes);
        exit(2);
    }
    return p;
}

float *floats(size_t count) { return xmalloc(count * sizeof(float)); }

/* ============================================================================================
 * Data: a seeded 64-bit LCG; values of varied scale and offset, so groups differ.
 * ========================================================================================== */

rng rng_seeded(uint64_t seed) {
    rng r;
    r.state = seed * 0x9E3779B97F4A7C15ULL + 1;
    return r;
}

uint64_t rng_next(rng *r) {
    r->state = r->state * 6364136223846793005ULL + 1442695040888963407ULL;
    return r->state;
}

uint32_t rng_below(rng *r, uint32_t n) { return (uint32_t)((rng_next(r) >> 33) % n); }

float rng_unit(rng *r) { return (float)(rng_next(r) >> 40) * (1.0f / 16777216.0f); }

float rng_normalish(rng *r) {
    return (rng_unit(r) + rng_unit(r) + rng_unit(r) + rng_unit(r) - 2.0f) * 1.7f;
}

/* count values; every run of 100..400 values has its own scale (1e-3 .. 1e3) and offset. */
void fill_varied(float *x, size_t count, uint64_t seed) {
    static const float scales[] = {1e-3f, 0.05f, 1.0f, 7.5f, 300.0f, 1000.0f};
    rng r = rng_seeded(seed);
    size_t i = 0;
    while (i < count) {
        size_t run = 100 + rng_below(&r, 301);
        float scale = scales[rng_below(&r, 6)];
        float offset = (rng_unit(&r) - 0.5f) * 10.0f * scale;
        for (size_t k = 0; k < run && i < count; k++, i++) x[i] = offset + scale * rng_normalish(&r);
    }
}

uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

float float_of(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

const size_t odd_counts[ODD_COUNTS] = {1, 15, 17, 255, 257, 1000003};

int is_finite(float f) { return (bits_of(f) & 0x7F800000u) != 0x7F800000u; }

/* ============================================================================================
 * The documented error bound: per group, over its finite values, |restored - x| <= step / 2
 * (nearest) or < step (stochastic), step = (max - min) / (2^bits - 1), plus float rounding of
 * the final multiply-add (slack below). Non-finite values must come back bit-exactly.
 * ========================================================================================== */

size_t count_over_bound(const float *src, const float *out, size_t count, uint32_t bits,
                        uint32_t group_size, int stochastic) {
    const double levels = (double)((1u << bits) - 1u);
    const double smallest = 1.401298464324817e-45; /* FLT_TRUE_MIN, spelled out for C99 */
    size_t bad = 0;
    double worst = 0.0;
    for (size_t first = 0; first < count; first += group_size) {
        size_t n = count - first < group_size ? count - first : group_size;
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = first; i < first + n; i++) {
            if (!is_finite(src[i])) continue;
            if (src[i] < lo) lo = src[i];
            if (src[i] > hi) hi = src[i];
        }
        double step = hi >= lo ? (hi - lo) / levels : 0.0;
        double allowed = (stochastic ? step : step / 2.0) +
                         (hi >= lo ? 1e-6 * (fabs(lo) + fabs(hi)) : 0.0) + (levels + 2.0) * smallest;
        for (size_t i = first; i < first + n; i++) {
            int ok;
            double error = 0.0;
            if (!is_finite(src[i])) {
                ok = bits_of(src[i]) == bits_of(out[i]);
            } else {
                error = fabs((double)out[i] - (double)src[i]);
                ok = is_finite(out[i]) && error <= allowed;
            }
            if (!ok) {
                if (bad < 5) {
                    note("element %zu: src %.9g (0x%08x) came back %.9g (0x%08x); group [%.9g, %.9g], "
                         "allowed error %.9g", i, src[i], bits_of(src[i]), out[i], bits_of(out[i]),
                         lo, hi, allowed);
                }
                bad++;
            }
            if (error > worst) worst = error;
        }
    }
    if (bad > 0) note("%zu of %zu values over the bound (largest error %.9g)", bad, count, worst);
    return bad;
}

/* ============================================================================================
 * A reference encoder written from the format description in daf.h alone. daf.h says the
 * encoding is exact "so another implementation can reproduce the bytes"; this is that other
 * implementation, and the library's blobs must equal its output byte for byte.
 * ========================================================================================== */

/* C. Wellons' lowbias32 (hash-prospector). */
uint32_t lowbias32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

uint32_t fnv1a32(const unsigned char *bytes, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= bytes[i];
        h *= 16777619u;
    }
    return h;
}

void put16(unsigned char *p, uint16_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

void put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

void put64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

uint32_t get32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t get64(const unsigned char *p) {
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Bytes of the code stream of n values: rows of 16 lanes, P = 32 / bits rows per word. */
size_t ref_code_bytes(size_t n, uint32_t bits) {
    size_t per_word = 32 / bits;
    size_t rows = (n + DAF_LANES - 1) / DAF_LANES;
    return (rows + per_word - 1) / per_word * DAF_LANES * 4;
}

/* Offset D of the codes: header, then the group table rounded up to 64 bytes. */
size_t ref_codes_offset(size_t count, uint32_t group_size) {
    size_t groups = (count + group_size - 1) / group_size;
    return DAF_PACKED_HEADER_BYTES + (groups * 8 + 63) / 64 * 64;
}

size_t ref_packed_size(size_t count, uint32_t bits, uint32_t group_size, size_t nonfinite) {
    return ref_codes_offset(count, group_size) + ref_code_bytes(count, bits) +
           DAF_PACKED_NONFINITE_BYTES * nonfinite;
}

/* Rounds 0 <= t < 2^22 half to even: adding and subtracting 2^23 leaves no fraction bits, and
 * the float addition itself rounds half to even (avoids needing libm's nearbyintf). */
float round_half_even(float t) {
    volatile float big = 12582912.0f; /* 1.5 * 2^23: rounds any |t| < 2^22, negative too */
    float shifted = t + big;
    return shifted - big;
}

/* x is already halved for a wide group; step is |scale|. */
uint32_t ref_code(float x, float min, float step, uint32_t levels, uint32_t rounding,
                  uint64_t seed, uint64_t index) {
    const float top = (float)levels;
    float t = 0.0f;
    if (step > 0.0f) {
        float inverse = 1.0f / step;
        t = is_finite(inverse) ? (x - min) * inverse : (x - min) / step;
    }
    if (t < 0.0f) t = 0.0f;
    if (t > top) t = top;
    if (rounding == DAF_ROUND_NEAREST) return (uint32_t)round_half_even(t);
    /* Dithering: one hash per lane per row pair; high half for even rows, low for odd. */
    uint64_t c = ((index >> 5) << 4) | (index & 15);
    uint32_t c_lo = (uint32_t)c, c_hi = (uint32_t)(c >> 32);
    uint32_t seed_lo = (uint32_t)seed, seed_hi = (uint32_t)(seed >> 32);
    uint32_t k = lowbias32(seed_lo ^ lowbias32(seed_hi ^ lowbias32(c_hi)));
    uint32_t h = lowbias32(c_lo ^ k);
    uint32_t r = ((index >> 4) & 1) == 0 ? h >> 16 : h & 0xFFFFu;
    float u = float_of(0x3F800000u | (r << 7) | 0x40u) - 1.5f; /* (r + 1/2) / 2^16 - 1/2 */
    float v = round_half_even(t + u); /* t + u > -0.5 rounds to 0 or more */
    uint32_t q = v > 0.0f ? (uint32_t)v : 0u;
    return q > levels ? levels : q;
}

/* The whole blob for src[0..count); *size_out gets its size. The caller frees it. */
unsigned char *ref_pack(const float *src, size_t count, uint32_t bits, uint32_t group_size,
                        uint32_t rounding, uint64_t seed, size_t *size_out) {
    size_t nonfinite = 0;
    for (size_t i = 0; i < count; i++) nonfinite += !is_finite(src[i]);
    size_t size = ref_packed_size(count, bits, group_size, nonfinite);
    unsigned char *blob = calloc(size, 1);
    if (blob == NULL) exit(2);

    memcpy(blob, "DAFQ", 4);
    put16(blob + 4, 1);
    blob[6] = (unsigned char)bits;
    blob[7] = (unsigned char)rounding;
    put32(blob + 8, group_size);
    put32(blob + 12, DAF_LANES);
    put64(blob + 16, count);
    put64(blob + 24, nonfinite);
    put64(blob + 32, rounding == DAF_ROUND_STOCHASTIC ? seed : 0);
    put64(blob + 40, size);
    put32(blob + 60, fnv1a32(blob, 60));

    const uint32_t levels = (1u << bits) - 1u;
    const float top = (float)levels;
    const size_t per_word = 32 / bits;
    const size_t codes = ref_codes_offset(count, group_size);
    size_t groups = (count + group_size - 1) / group_size;
    for (size_t g = 0; g < groups; g++) {
        size_t first = g * group_size;
        size_t n = count - first < group_size ? count - first : group_size;
        float lo = INFINITY, hi = -INFINITY, min = 0.0f, step = 0.0f;
        int wide = 0;
        for (size_t i = first; i < first + n; i++) {
            if (!is_finite(src[i])) continue;
            if (src[i] < lo) lo = src[i];
            if (src[i] > hi) hi = src[i];
        }
        if (lo <= hi) { /* else no finite value: min = scale = 0 */
            lo += 0.0f;
            hi += 0.0f;
            if (is_finite(hi - lo)) {
                min = lo;
                step = (hi - lo) / top;
                /* A subnormal step that L steps cannot stretch to hi goes one ulp up. */
                if (step > 0.0f && step < FLT_MIN && (double)step * (double)top < (double)hi - (double)lo)
                    step = float_of(bits_of(step) + 1u);
            } else { /* "wide": the range exceeds FLT_MAX, so work on halves */
                wide = 1;
                min = lo / 2.0f;
                step = (hi / 2.0f - lo / 2.0f) / top;
            }
            /* While code L would decode to +-Inf, step one ulp toward 0. */
            for (;;) {
                float last = min + top * step;
                if (wide) last = 2.0f * last;
                if (is_finite(last) || step == 0.0f) break;
                step = float_of(bits_of(step) - 1u);
            }
        }
        put32(blob + DAF_PACKED_HEADER_BYTES + 8 * g, bits_of(min));
        put32(blob + DAF_PACKED_HEADER_BYTES + 8 * g + 4, bits_of(wide ? -step : step));
        for (size_t i = first; i < first + n; i++) {
            float x = src[i];
            uint32_t q = 0; /* non-finite values: code 0 */
            if (is_finite(x)) q = ref_code(wide ? x / 2.0f : x, min, step, levels, rounding, seed, i);
            size_t lane = i % DAF_LANES, row = i / DAF_LANES; /* one stream for the tensor */
            size_t word = (row / per_word) * DAF_LANES + lane;
            unsigned char *p = blob + codes + 4 * word;
            put32(p, get32(p) | q << ((row % per_word) * bits));
        }
    }
    size_t nonfinite_at = codes + ref_code_bytes(count, bits);
    size_t j = 0;
    for (size_t i = 0; i < count; i++) {
        if (is_finite(src[i])) continue;
        put64(blob + nonfinite_at + 8 * j, i);
        put32(blob + nonfinite_at + 8 * nonfinite + 4 * j, bits_of(src[i]));
        j++;
    }
    *size_out = size;
    return blob;
}

/* Packs with the library (checking every status) into a new buffer; the caller frees it. */
unsigned char *lib_pack(const float *src, size_t count, uint32_t bits, uint32_t group_size,
                        uint32_t rounding, uint64_t seed, size_t *size_out) {
    daf_quantize_params params;
    daf_quantize_params_init(&params);
    params.bits = bits;
    params.group_size = group_size;
    params.rounding = rounding;
    params.seed = seed;
    size_t needed = 0;
    CHECK_STATUS(daf_packed_size(src, count, &params, &needed), DAF_OK);
    if (needed < DAF_PACKED_HEADER_BYTES) needed = DAF_PACKED_HEADER_BYTES;
    unsigned char *blob = xmalloc(needed);
    size_t size = 0;
    CHECK_STATUS(daf_quantize_pack(src, count, &params, blob, needed, &size), DAF_OK);
    CHECK_SIZE(size, needed);
    *size_out = size;
    return blob;
}

/* Compares the library's blob with the reference's; prints the first differing byte. */
int same_blob(const unsigned char *lib, size_t lib_size, const unsigned char *ref,
              size_t ref_size, size_t count, uint32_t group_size) {
    if (!CHECK_SIZE(lib_size, ref_size)) return 0;
    for (size_t i = 0; i < ref_size; i++) {
        if (lib[i] == ref[i]) continue;
        size_t codes = ref_codes_offset(count, group_size);
        const char *region = i < 64 ? "header" : i < codes ? "group table or its padding"
                                                           : "codes or non-finite list";
        note("first difference at byte %zu (%s): library 0x%02x, reference 0x%02x", i, region,
             lib[i], ref[i]);
        if (i >= 64 && i < codes && i - 64 < ((count + group_size - 1) / group_size) * 8) {
            size_t entry = (i - 64) / 8 * 8 + 64;
            note("group %zu: library {min %.9g, scale %.9g}, reference {min %.9g, scale %.9g}",
                 (i - 64) / 8, float_of(get32(lib + entry)), float_of(get32(lib + entry + 4)),
                 float_of(get32(ref + entry)), float_of(get32(ref + entry + 4)));
        }
        return CHECK(!"library blob equals the reference encoder's blob");
    }
    return CHECK(1);
}

/* Unpacks a blob with the library into a new array; the caller frees it. */
float *lib_unpack(const void *blob, size_t size, size_t count) {
    float *out = floats(count);
    CHECK_STATUS(daf_unpack_dequantize(blob, size, out, count), DAF_OK);
    return out;
}

/* Re-hashes a header after a test edited it, so only the edited field is wrong. */
void rehash(unsigned char *blob) { put32(blob + 60, fnv1a32(blob, 60)); }

daf_context *new_context(uint32_t bits, uint32_t group_size, uint32_t rounding) {
    daf_options options;
    daf_options_init(&options);
    options.bits = bits;
    options.group_size = group_size;
    options.rounding = rounding;
    daf_context *ctx = NULL;
    CHECK_STATUS(daf_create(&options, &ctx), DAF_OK);
    CHECK(ctx != NULL);
    return ctx;
}

daf_context_statistics stats_of(daf_context *ctx) {
    daf_context_statistics stats;
    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    CHECK_STATUS(daf_stats(ctx, &stats), DAF_OK);
    return stats;
}

daf_handle save_with_bits(daf_context *ctx, const float *src, size_t count, uint32_t bits) {
    daf_save_params params;
    daf_save_params_init(&params);
    params.bits = bits;
    daf_handle handle = 0;
    CHECK_STATUS(daf_save(ctx, src, count, &params, &handle), DAF_OK);
    CHECK(handle != 0);
    return handle;
}

/* A float pointer that is certainly not 4-byte aligned (the buffer is never read through it). */
float *misaligned(void *buffer) { return (float *)(void *)((char *)buffer + 1); }
