/*
 * abi_test.c — libdaf's C ABI tested from C, built through pkg-config against the installed
 * release library exactly as a user builds (see run.sh). Each case checks one concern and runs
 * in its own child process, so a crash or a hang in the library fails that case, not the run.
 * It tests only what include/daf.h promises; the Swift internals have their own tests.
 *
 * Usage: abi_test [--no-fork] [--list] [NAME-SUBSTRING...]
 * Output: one PASS/FAIL line per case, failure details above it, and last `N passed, N failed`
 * (cases). The exit status is nonzero if any case failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <daf.h>

#include <fenv.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

/* ============================================================================================
 * Harness: checks count into the running case; failures print file:line, the expression and
 * what was got; a case fails if any of its checks failed.
 * ========================================================================================== */

enum { MAX_REPORTS_PER_CASE = 12, CASE_TIMEOUT_SECONDS = 300 };

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER; /* checks may run on worker threads */
static long g_case_checks;
static long g_case_failures;
static char g_where[200]; /* what the current loop iteration is testing, for messages */

/* Sets the context printed with the next failures ("bits=3 count=17"). Main thread only. */
static void where(const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(g_where, sizeof g_where, format, args);
    va_end(args);
}

/* Prints a detail line (under the lock, so lines from threads do not interleave). */
static void note(const char *format, ...) {
    va_list args;
    pthread_mutex_lock(&g_lock);
    va_start(args, format);
    fputs("    ", stdout);
    vprintf(format, args);
    fputc('\n', stdout);
    va_end(args);
    pthread_mutex_unlock(&g_lock);
}

static int record(int passed, const char *file, int line, const char *expression,
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

static int check_true(int passed, const char *expression, const char *file, int line) {
    return record(passed, file, line, expression, NULL);
}

static int check_status(int got, int expected, const char *expression, const char *file,
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
static int check_status_either(int got, int first, int second, const char *expression,
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

static int check_size(unsigned long long got, unsigned long long expected, const char *expression,
                      const char *file, int line) {
    char detail[200];
    detail[0] = '\0';
    if (got != expected) snprintf(detail, sizeof detail, "got %llu, expected %llu", got, expected);
    return record(got == expected, file, line, expression, detail);
}

static int check_string(const char *got, const char *expected, const char *expression,
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

#define CHECK(expr) check_true(!!(expr), #expr, __FILE__, __LINE__)
#define CHECK_STATUS(call, expected) check_status((call), (expected), #call, __FILE__, __LINE__)
#define CHECK_STATUS_EITHER(call, a, b) check_status_either((call), (a), (b), #call, __FILE__, __LINE__)
#define CHECK_SIZE(got, expected) \
    check_size((unsigned long long)(got), (unsigned long long)(expected), #got " == " #expected, __FILE__, __LINE__)
#define CHECK_STRING(got, expected) check_string((got), (expected), #got, __FILE__, __LINE__)

/* Allocation in the tests themselves: failing it is the test's problem, not the library's. */
static void *xmalloc(size_t bytes) {
    void *p = malloc(bytes == 0 ? 1 : bytes);
    if (p == NULL) {
        printf("abi_test: out of memory (%zu bytes)\n", bytes);
        exit(2);
    }
    return p;
}

static float *floats(size_t count) { return xmalloc(count * sizeof(float)); }

/* ============================================================================================
 * Data: a seeded 64-bit LCG; values of varied scale and offset, so groups differ.
 * ========================================================================================== */

typedef struct rng {
    uint64_t state;
} rng;

static rng rng_seeded(uint64_t seed) {
    rng r;
    r.state = seed * 0x9E3779B97F4A7C15ULL + 1;
    return r;
}

static uint64_t rng_next(rng *r) {
    r->state = r->state * 6364136223846793005ULL + 1442695040888963407ULL;
    return r->state;
}

static uint32_t rng_below(rng *r, uint32_t n) { return (uint32_t)((rng_next(r) >> 33) % n); }

static float rng_unit(rng *r) { return (float)(rng_next(r) >> 40) * (1.0f / 16777216.0f); }

static float rng_normalish(rng *r) {
    return (rng_unit(r) + rng_unit(r) + rng_unit(r) + rng_unit(r) - 2.0f) * 1.7f;
}

/* count values; every run of 100..400 values has its own scale (1e-3 .. 1e3) and offset. */
static void fill_varied(float *x, size_t count, uint64_t seed) {
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

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float float_of(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int is_finite(float f) { return (bits_of(f) & 0x7F800000u) != 0x7F800000u; }

/* ============================================================================================
 * The documented error bound: per group, over its finite values, |restored - x| <= step / 2
 * (nearest) or < step (stochastic), step = (max - min) / (2^bits - 1), plus float rounding of
 * the final multiply-add (slack below). Non-finite values must come back bit-exactly.
 * ========================================================================================== */

static size_t count_over_bound(const float *src, const float *out, size_t count, uint32_t bits,
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
static uint32_t lowbias32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

static uint32_t fnv1a32(const unsigned char *bytes, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= bytes[i];
        h *= 16777619u;
    }
    return h;
}

static void put16(unsigned char *p, uint16_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p) {
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Bytes of the code stream of n values: rows of 16 lanes, P = 32 / bits rows per word. */
static size_t ref_code_bytes(size_t n, uint32_t bits) {
    size_t per_word = 32 / bits;
    size_t rows = (n + DAF_LANES - 1) / DAF_LANES;
    return (rows + per_word - 1) / per_word * DAF_LANES * 4;
}

/* Offset D of the codes: header, then the group table rounded up to 64 bytes. */
static size_t ref_codes_offset(size_t count, uint32_t group_size) {
    size_t groups = (count + group_size - 1) / group_size;
    return DAF_PACKED_HEADER_BYTES + (groups * 8 + 63) / 64 * 64;
}

static size_t ref_packed_size(size_t count, uint32_t bits, uint32_t group_size, size_t nonfinite) {
    return ref_codes_offset(count, group_size) + ref_code_bytes(count, bits) +
           DAF_PACKED_NONFINITE_BYTES * nonfinite;
}

/* Rounds 0 <= t < 2^22 half to even: adding and subtracting 2^23 leaves no fraction bits, and
 * the float addition itself rounds half to even (avoids needing libm's nearbyintf). */
static float round_half_even(float t) {
    volatile float big = 12582912.0f; /* 1.5 * 2^23: rounds any |t| < 2^22, negative too */
    float shifted = t + big;
    return shifted - big;
}

/* x is already halved for a wide group; step is |scale|. */
static uint32_t ref_code(float x, float min, float step, uint32_t levels, uint32_t rounding,
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
    float u = float_of(0x3F800000u | (r << 7)) - 1.5f;
    float v = round_half_even(t + u); /* t + u >= -0.5 rounds to 0 or more */
    uint32_t q = v > 0.0f ? (uint32_t)v : 0u;
    return q > levels ? levels : q;
}

/* The whole blob for src[0..count); *size_out gets its size. The caller frees it. */
static unsigned char *ref_pack(const float *src, size_t count, uint32_t bits, uint32_t group_size,
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
static unsigned char *lib_pack(const float *src, size_t count, uint32_t bits, uint32_t group_size,
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
static int same_blob(const unsigned char *lib, size_t lib_size, const unsigned char *ref,
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
static float *lib_unpack(const void *blob, size_t size, size_t count) {
    float *out = floats(count);
    CHECK_STATUS(daf_unpack_dequantize(blob, size, out, count), DAF_OK);
    return out;
}

/* Re-hashes a header after a test edited it, so only the edited field is wrong. */
static void rehash(unsigned char *blob) { put32(blob + 60, fnv1a32(blob, 60)); }

static daf_context *new_context(uint32_t bits, uint32_t group_size, uint32_t rounding) {
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

static daf_context_stats stats_of(daf_context *ctx) {
    daf_context_stats stats;
    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    CHECK_STATUS(daf_stats(ctx, &stats), DAF_OK);
    return stats;
}

static daf_handle save_with_bits(daf_context *ctx, const float *src, size_t count, uint32_t bits) {
    daf_save_params params;
    daf_save_params_init(&params);
    params.bits = bits;
    daf_handle handle = 0;
    CHECK_STATUS(daf_save(ctx, src, count, &params, &handle), DAF_OK);
    CHECK(handle != 0);
    return handle;
}

/* A float pointer that is certainly not 4-byte aligned (the buffer is never read through it). */
static float *misaligned(void *buffer) { return (float *)(void *)((char *)buffer + 1); }

/* ============================================================================================
 * Version and status codes
 * ========================================================================================== */

static void version_number_matches_header(void) {
    CHECK_SIZE(daf_version_number(), DAF_VERSION_NUMBER);
    CHECK_SIZE(DAF_VERSION_NUMBER, DAF_VERSION_MAJOR * 10000 + DAF_VERSION_MINOR * 100 + DAF_VERSION_PATCH);
}

static void version_string_matches_header(void) {
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", DAF_VERSION_MAJOR, DAF_VERSION_MINOR,
             DAF_VERSION_PATCH);
    CHECK_STRING(DAF_VERSION_STRING, expected);
    CHECK_STRING(daf_version_string(), DAF_VERSION_STRING);
}

static void status_values_are_frozen(void) {
    /* Released values never change: pinned here as literals. */
    CHECK(DAF_OK == 0);
    CHECK(DAF_E_NULL_ARGUMENT == -1);
    CHECK(DAF_E_INVALID_ARGUMENT == -2);
    CHECK(DAF_E_STRUCT_SIZE == -3);
    CHECK(DAF_E_OVERFLOW == -4);
    CHECK(DAF_E_MISALIGNED == -5);
    CHECK(DAF_E_DST_TOO_SMALL == -6);
    CHECK(DAF_E_CORRUPT == -7);
    CHECK(DAF_E_UNSUPPORTED_FORMAT == -8);
    CHECK(DAF_E_SIZE_MISMATCH == -9);
    CHECK(DAF_E_OUT_OF_RANGE == -10);
    CHECK(DAF_E_NO_MEMORY == -11);
    CHECK(DAF_E_INVALID_CONTEXT == -12);
    CHECK(DAF_E_UNKNOWN_HANDLE == -13);
    CHECK(DAF_E_INTERNAL == -14);
    CHECK(DAF_E_BUDGET_EXCEEDED == -15);
    CHECK(DAF_E_IO == -16);
    CHECK(DAF_E_RECOMPUTE_FAILED == -17);
}

static void status_names_match_list(void) {
#define DAF_TEST_NAME_(name, value, message)          \
    where("status %s (%d)", #name, (int)(value));   \
    CHECK_STRING(daf_status_name(value), #name);
    DAF_STATUS_LIST(DAF_TEST_NAME_)
#undef DAF_TEST_NAME_
}

static void status_messages_match_list(void) {
#define DAF_TEST_MESSAGE_(name, value, message)                           \
    where("status %s (%d)", #name, (int)(value));                       \
    CHECK(daf_status_message(value) != NULL);                           \
    CHECK(daf_status_message(value) != NULL && daf_status_message(value)[0] != '\0'); \
    CHECK_STRING(daf_status_message(value), message);
    DAF_STATUS_LIST(DAF_TEST_MESSAGE_)
#undef DAF_TEST_MESSAGE_
}

static void unknown_status_codes(void) {
    static const int unknown[] = {12345, -9999, 1, -18, -100, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        where("status %d", unknown[i]);
        CHECK_STRING(daf_status_name(unknown[i]), "DAF_E_UNKNOWN_STATUS");
        const char *message = daf_status_message(unknown[i]);
        CHECK(message != NULL && message[0] != '\0');
    }
}

/* ============================================================================================
 * _init functions
 * ========================================================================================== */

static void quantize_params_init_defaults(void) {
    daf_quantize_params params;
    memset(&params, 0xA5, sizeof params);
    CHECK_STATUS(daf_quantize_params_init(&params), DAF_OK);
    CHECK_SIZE(params.struct_size, sizeof(daf_quantize_params));
    CHECK_SIZE(params.bits, DAF_DEFAULT_BITS);
    CHECK_SIZE(params.group_size, DAF_DEFAULT_GROUP_SIZE);
    CHECK_SIZE(params.rounding, DAF_ROUND_NEAREST);
    CHECK_SIZE(params.seed, 0);
}

static void options_init_defaults(void) {
    daf_options options;
    memset(&options, 0xA5, sizeof options);
    CHECK_STATUS(daf_options_init(&options), DAF_OK);
    CHECK_SIZE(options.struct_size, sizeof(daf_options));
    CHECK_SIZE(options.bits, DAF_DEFAULT_BITS);
    CHECK_SIZE(options.group_size, DAF_DEFAULT_GROUP_SIZE);
    CHECK_SIZE(options.rounding, DAF_ROUND_NEAREST);
    CHECK_SIZE(options.seed, 0);
    CHECK_SIZE(options.threads, 0);
    CHECK_SIZE(options.policy, DAF_POLICY_FAIL);
    CHECK_SIZE(options.budget_bytes, 0);
    CHECK_SIZE(options.chunk_bytes, DAF_DEFAULT_CHUNK_BYTES);
    CHECK_SIZE(options.page_size, DAF_DEFAULT_PAGE_SIZE);
    CHECK_SIZE(options.degrade_floor_bits, 1);
    CHECK_SIZE(options.pool_flags, 0);
    CHECK_SIZE(options.reserved, 0);
    CHECK(options.spill_dir == NULL);
}

static void save_params_init_defaults(void) {
    daf_save_params params;
    memset(&params, 0xA5, sizeof params);
    CHECK_STATUS(daf_save_params_init(&params), DAF_OK);
    CHECK_SIZE(params.struct_size, sizeof(daf_save_params));
    CHECK_SIZE(params.bits, 0);
    CHECK(params.importance == 0.0f);
    CHECK_SIZE(params.reserved, 0);
    CHECK(params.recompute == NULL && params.recompute_user == NULL);
}

static void init_functions_reject_null(void) {
    CHECK_STATUS(daf_quantize_params_init(NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_options_init(NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_save_params_init(NULL), DAF_E_NULL_ARGUMENT);
}

/* ============================================================================================
 * Codec: sizes
 * ========================================================================================== */

static const size_t odd_counts[] = {1, 15, 17, 255, 257, 1000003};
#define ODD_COUNTS (sizeof odd_counts / sizeof odd_counts[0])

static void packed_bound_matches_documented_layout(void) {
    static const size_t counts[] = {0, 1, 15, 16, 17, 31, 33, 255, 256, 257, 511, 4097, 65537, 1000003};
    static const uint32_t groups[] = {16, 32, 48, 256, 4096, 65536};
    for (uint32_t bits = DAF_MIN_BITS; bits <= DAF_MAX_BITS; bits++) {
        for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
                where("bits=%u group_size=%u count=%zu", bits, groups[g], counts[c]);
                CHECK_SIZE(daf_packed_bound(counts[c], bits, groups[g]),
                           ref_packed_size(counts[c], bits, groups[g], 0));
            }
        }
    }
    where("count 0");
    CHECK_SIZE(daf_packed_bound(0, 2, 256), DAF_PACKED_HEADER_BYTES);
}

static void packed_bound_rejects_invalid_params(void) {
    static const uint32_t bad_bits[] = {0, 9, 16, 32, UINT32_MAX};
    static const uint32_t bad_groups[] = {0, 8, 15, 17, 24, 65552, 131072, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad_bits / sizeof bad_bits[0]; i++) {
        where("bits=%u", bad_bits[i]);
        CHECK_SIZE(daf_packed_bound(100, bad_bits[i], 256), 0);
    }
    for (size_t i = 0; i < sizeof bad_groups / sizeof bad_groups[0]; i++) {
        where("group_size=%u", bad_groups[i]);
        CHECK_SIZE(daf_packed_bound(100, 2, bad_groups[i]), 0);
    }
    where("count near SIZE_MAX");
    CHECK_SIZE(daf_packed_bound(SIZE_MAX, 2, 256), 0);
    CHECK_SIZE(daf_packed_bound(SIZE_MAX, 8, 16), 0);
    CHECK_SIZE(daf_packed_bound(SIZE_MAX / 2, 8, 16), 0);
    /* daf.h: a tensor holds at most 2^58 values. */
    CHECK_SIZE(daf_packed_bound(((size_t)1 << 58) + 1, 8, 16), 0);
    CHECK(daf_packed_bound((size_t)1 << 58, 8, 16) > ((size_t)1 << 58));
}

static void packed_size_equals_bound_for_finite_data(void) {
    float *x = floats(1000003);
    fill_varied(x, 1000003, 11);
    for (uint32_t bits = 1; bits <= 8; bits++) {
        for (size_t c = 0; c < ODD_COUNTS; c++) {
            where("bits=%u count=%zu", bits, odd_counts[c]);
            daf_quantize_params params;
            daf_quantize_params_init(&params);
            params.bits = bits;
            size_t size = 0;
            CHECK_STATUS(daf_packed_size(x, odd_counts[c], &params, &size), DAF_OK);
            CHECK_SIZE(size, daf_packed_bound(odd_counts[c], bits, 256));
        }
    }
    free(x);
}

static void packed_size_adds_12_per_nonfinite(void) {
    const size_t count = 5000;
    float *x = floats(count);
    fill_varied(x, count, 12);
    static const size_t places[] = {0, 1, 17, 255, 256, 1000, 4095, 4999};
    for (size_t k = 0; k < sizeof places / sizeof places[0]; k++) {
        x[places[k]] = k % 3 == 0 ? NAN : k % 3 == 1 ? INFINITY : -INFINITY;
        where("%zu non-finite values", k + 1);
        size_t size = 0;
        CHECK_STATUS(daf_packed_size(x, count, NULL, &size), DAF_OK);
        CHECK_SIZE(size, daf_packed_bound(count, DAF_DEFAULT_BITS, DAF_DEFAULT_GROUP_SIZE) +
                             DAF_PACKED_NONFINITE_BYTES * (k + 1));
        size_t blob_size = 0;
        unsigned char *blob = lib_pack(x, count, DAF_DEFAULT_BITS, DAF_DEFAULT_GROUP_SIZE,
                                       DAF_ROUND_NEAREST, 0, &blob_size);
        CHECK_SIZE(blob_size, size);
        free(blob);
    }
    free(x);
}

/* ============================================================================================
 * Codec: round trips within the documented bound
 * ========================================================================================== */

static void roundtrip_all_bits(uint32_t rounding) {
    float *x = floats(1000003);
    fill_varied(x, 1000003, 21 + rounding);
    for (uint32_t bits = 1; bits <= 8; bits++) {
        for (size_t c = 0; c < ODD_COUNTS; c++) {
            size_t count = odd_counts[c];
            where("bits=%u count=%zu rounding=%u", bits, count, rounding);
            size_t size = 0;
            unsigned char *blob = lib_pack(x, count, bits, 256, rounding, 77, &size);
            float *out = lib_unpack(blob, size, count);
            CHECK_SIZE(count_over_bound(x, out, count, bits, 256, rounding == DAF_ROUND_STOCHASTIC), 0);
            free(out);
            free(blob);
        }
    }
    free(x);
}

static void roundtrip_nearest_within_bound(void) { roundtrip_all_bits(DAF_ROUND_NEAREST); }

static void roundtrip_stochastic_within_bound(void) { roundtrip_all_bits(DAF_ROUND_STOCHASTIC); }

static void roundtrip_group_size_limits(void) {
    static const uint32_t groups[] = {16, 48, 4080, 65536};
    const size_t count = 200003;
    float *x = floats(count);
    fill_varied(x, count, 31);
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        for (uint32_t bits = 1; bits <= 8; bits += 3) {
            where("group_size=%u bits=%u", groups[g], bits);
            size_t size = 0;
            unsigned char *blob = lib_pack(x, count, bits, groups[g], DAF_ROUND_NEAREST, 0, &size);
            float *out = lib_unpack(blob, size, count);
            CHECK_SIZE(count_over_bound(x, out, count, bits, groups[g], 0), 0);
            free(out);
            free(blob);
        }
    }
    free(x);
}

static void stochastic_is_reproducible(void) {
    const size_t count = 10007;
    float *x = floats(count);
    fill_varied(x, count, 41);
    size_t a_size, b_size, c_size;
    unsigned char *a = lib_pack(x, count, 3, 256, DAF_ROUND_STOCHASTIC, 0x123456789ABCDEFULL, &a_size);
    unsigned char *b = lib_pack(x, count, 3, 256, DAF_ROUND_STOCHASTIC, 0x123456789ABCDEFULL, &b_size);
    unsigned char *c = lib_pack(x, count, 3, 256, DAF_ROUND_STOCHASTIC, 0x123456789ABCDEEULL, &c_size);
    CHECK(a_size == b_size && memcmp(a, b, a_size) == 0);
    CHECK(a_size == c_size && memcmp(a, c, a_size) != 0);
    CHECK_SIZE(get64(a + 32), 0x123456789ABCDEFULL);
    free(a);
    free(b);
    free(c);
    free(x);
}

static void stochastic_is_unbiased(void) {
    /* Every group spans [0, 3] with 2 bits, so the step is 1 and values sit at random
     * fractions of it; the mean error of a million values must be far below the step. */
    const size_t count = 1 << 20;
    float *x = floats(count);
    rng r = rng_seeded(51);
    for (size_t i = 0; i < count; i++) x[i] = (i % 256 == 0) ? 0.0f : (i % 256 == 1) ? 3.0f : 3.0f * rng_unit(&r);
    size_t size = 0;
    unsigned char *blob = lib_pack(x, count, 2, 256, DAF_ROUND_STOCHASTIC, 2024, &size);
    float *out = lib_unpack(blob, size, count);
    double sum = 0.0;
    for (size_t i = 0; i < count; i++) sum += (double)out[i] - (double)x[i];
    double mean = sum / (double)count;
    if (!CHECK(fabs(mean) < 0.005)) note("mean error %.6g (step 1)", mean);
    free(out);
    free(blob);
    free(x);
}

/* One of the host floating-point environments of caller_float_environment: sets it when
 * `set`, else checks that it is still in place. Returns 0 when this platform lacks it. */
static int host_environment(int which, int set) {
    switch (which) {
    case 0: return set ? fesetround(FE_UPWARD) == 0 : CHECK(fegetround() == FE_UPWARD);
    case 1: return set ? fesetround(FE_TOWARDZERO) == 0 : CHECK(fegetround() == FE_TOWARDZERO);
#if defined(__x86_64__)
    case 2: /* flush-to-zero and denormals-are-zero, as ML frameworks set them for speed */
        if (set) _mm_setcsr(_mm_getcsr() | 0x8040u);
        return set ? 1 : CHECK((_mm_getcsr() & 0x8040u) == 0x8040u);
#endif
    default: return 0;
    }
}

static void caller_float_environment(void) {
    /* A host that rounds upward or toward zero, or flushes denormals, gets the same bytes and
     * values as one in the default environment (libdaf computes in its own), and its own
     * environment back after every call, also around a recompute callback. */
    const size_t count = 5000;
    float *x = floats(count);
    rng r = rng_seeded(77);
    for (size_t i = 0; i < count; i++) {
        float v = rng_normalish(&r) * (i % 3 == 0 ? 1e-3f : 3.0f);
        x[i] = i % 97 == 0 ? v * 1e-40f : v; /* some denormals */
    }
    for (uint32_t rounding = 0; rounding <= 1; rounding++) {
        for (uint32_t bits = 1; bits <= 8; bits *= 2) {
            size_t size = 0;
            unsigned char *expected = lib_pack(x, count, bits, 256, rounding, 9, &size);
            float *values = lib_unpack(expected, size, count);
            for (int which = 0; which < 3; which++) {
                fenv_t saved;
                fegetenv(&saved);
                if (!host_environment(which, 1)) { fesetenv(&saved); continue; }
                where("environment %d bits=%u rounding=%u", which, bits, rounding);
                size_t got_size = 0;
                unsigned char *got = lib_pack(x, count, bits, 256, rounding, 9, &got_size);
                host_environment(which, 0);
                CHECK(got_size == size && memcmp(got, expected, size) == 0);
                float *got_values = lib_unpack(got, got_size, count);
                host_environment(which, 0);
                CHECK(memcmp(got_values, values, count * sizeof(float)) == 0);
                fesetenv(&saved);
                free(got_values);
                free(got);
            }
            free(values);
            free(expected);
        }
    }
    free(x);
}

/* ============================================================================================
 * Codec: the format is exactly the documented one
 * ========================================================================================== */

static void compare_with_reference(const float *x, size_t count, uint32_t rounding,
                                   const uint32_t *groups, size_t group_count) {
    for (uint32_t bits = 1; bits <= 8; bits++) {
        for (size_t g = 0; g < group_count; g++) {
            where("bits=%u group_size=%u count=%zu rounding=%u", bits, groups[g], count, rounding);
            size_t lib_size = 0, ref_size = 0;
            unsigned char *lib = lib_pack(x, count, bits, groups[g], rounding, 0xFEEDFACECAFEBEEFULL, &lib_size);
            unsigned char *ref = ref_pack(x, count, bits, groups[g], rounding, 0xFEEDFACECAFEBEEFULL, &ref_size);
            same_blob(lib, lib_size, ref, ref_size, count, groups[g]);
            free(lib);
            free(ref);
        }
    }
}

static void nearest_blob_matches_reference_encoder(void) {
    static const uint32_t groups[] = {16, 48, 256, 4096};
    const size_t count = 100003;
    float *x = floats(count);
    fill_varied(x, count, 61);
    x[5] = NAN;
    x[300] = -INFINITY;
    compare_with_reference(x, count, DAF_ROUND_NEAREST, groups, 4);
    compare_with_reference(x, 17, DAF_ROUND_NEAREST, groups, 4);
    free(x);
}

static void stochastic_blob_matches_reference_encoder(void) {
    static const uint32_t groups[] = {16, 256, 1024};
    const size_t count = 100003;
    float *x = floats(count);
    fill_varied(x, count, 62);
    x[7] = INFINITY;
    compare_with_reference(x, count, DAF_ROUND_STOCHASTIC, groups, 3);
    free(x);
}

/* Values that take the encoder's documented special paths: "wide" groups (hi - lo overflows),
 * a top code that would decode to Inf, denormal groups (1 / scale overflows), -0, FLT_MAX,
 * exact midpoints. 10 groups of 16. */
static size_t fill_extremes(float *x) {
    size_t n = 0;
    for (int i = 0; i < 16; i++) x[n++] = (i % 2 ? 1.0f : -1.0f) * FLT_MAX * (float)(i + 1) / 16.0f;
    for (int i = 0; i < 16; i++) x[n++] = 1e-42f * (float)i;        /* denormals */
    for (int i = 0; i < 16; i++) x[n++] = -1e-40f + 3e-41f * (float)(i % 5);
    for (int i = 0; i < 16; i++) x[n++] = i % 2 ? -0.0f : 0.0f;     /* only zeros of both signs */
    for (int i = 0; i < 16; i++) x[n++] = (float)i * 0.5f;          /* halves: ties at 1 bit */
    for (int i = 0; i < 16; i++) x[n++] = i == 3 ? NAN : 1e30f * (float)(i - 8);
    for (int i = 0; i < 16; i++) x[n++] = i == 0 ? -FLT_MAX : i == 15 ? FLT_MAX : 0.0f;
    for (int i = 0; i < 16; i++) x[n++] = 1.0f + (float)i * FLT_EPSILON;
    for (int i = 0; i < 16; i++) x[n++] = float_of(0x00000001u + (uint32_t)i); /* tiniest denormals */
    for (int i = 0; i < 16; i++) x[n++] = FLT_MAX * ((float)i / 15.0f); /* [0, FLT_MAX]: not wide */
    return n;
}

static void extreme_values_match_reference_encoder(void) {
    float x[16 * 10];
    size_t count = fill_extremes(x);
    static const uint32_t groups[] = {16, 32, 160};
    compare_with_reference(x, count, DAF_ROUND_NEAREST, groups, 3);
    compare_with_reference(x, count, DAF_ROUND_STOCHASTIC, groups, 3);
}

static void extreme_values_within_bound(void) {
    float x[16 * 10];
    size_t count = fill_extremes(x);
    for (uint32_t bits = 1; bits <= 8; bits++) {
        for (uint32_t rounding = 0; rounding <= 1; rounding++) {
            where("bits=%u rounding=%u", bits, rounding);
            size_t size = 0;
            unsigned char *blob = lib_pack(x, count, bits, 16, rounding, 5, &size);
            float *out = lib_unpack(blob, size, count);
            CHECK_SIZE(count_over_bound(x, out, count, bits, 16, (int)rounding), 0);
            free(out);
            free(blob);
        }
    }
}

static void nonfinite_values_come_back_bit_exact(void) {
    const size_t count = 3001;
    static const uint32_t patterns[] = {0x7FC00000u, 0xFFC00000u, 0x7FC12345u, 0x7F800001u,
                                        0xFFBFFFFFu, 0x7F800000u, 0xFF800000u};
    float *x = floats(count);
    fill_varied(x, count, 71);
    for (size_t k = 0; k < 60; k++) x[(k * 97 + 3) % count] = float_of(patterns[k % 7]);
    for (uint32_t bits = 1; bits <= 8; bits++) {
        where("bits=%u", bits);
        size_t size = 0;
        unsigned char *blob = lib_pack(x, count, bits, 256, DAF_ROUND_NEAREST, 0, &size);
        float *out = lib_unpack(blob, size, count);
        size_t wrong = 0;
        for (size_t i = 0; i < count; i++) wrong += !is_finite(x[i]) && bits_of(x[i]) != bits_of(out[i]);
        CHECK_SIZE(wrong, 0);
        CHECK_SIZE(count_over_bound(x, out, count, bits, 256, 0), 0); /* the rest as usual */
        free(out);
        free(blob);
    }
    free(x);
}

static void all_nonfinite_group(void) {
    const size_t count = 600;
    float *x = floats(count);
    fill_varied(x, count, 72);
    for (size_t i = 256; i < 512; i++) x[i] = i % 2 ? NAN : -INFINITY;
    size_t size = 0;
    unsigned char *blob = lib_pack(x, count, 4, 256, DAF_ROUND_NEAREST, 0, &size);
    CHECK_SIZE(size, daf_packed_bound(count, 4, 256) + 256 * DAF_PACKED_NONFINITE_BYTES);
    float *out = lib_unpack(blob, size, count);
    CHECK_SIZE(count_over_bound(x, out, count, 4, 256, 0), 0);
    free(out);
    free(blob);
    free(x);
}

static void constant_group_is_exact(void) {
    static const float constants[] = {0.0f, 3.25f, -7.0f, 1e-40f, 123456.789f, -FLT_MAX, FLT_MAX};
    const size_t count = 1000;
    float *x = floats(count);
    for (size_t c = 0; c < sizeof constants / sizeof constants[0]; c++) {
        for (uint32_t bits = 1; bits <= 8; bits++) {
            where("constant %.9g bits=%u", constants[c], bits);
            for (size_t i = 0; i < count; i++) x[i] = constants[c];
            x[10] = NAN; /* a non-finite value does not spoil its group's exactness */
            size_t size = 0;
            unsigned char *blob = lib_pack(x, count, bits, 256, DAF_ROUND_STOCHASTIC, 9, &size);
            float *out = lib_unpack(blob, size, count);
            size_t inexact = 0;
            for (size_t i = 0; i < count; i++) inexact += i != 10 && out[i] != constants[c];
            CHECK_SIZE(inexact, 0);
            free(out);
            free(blob);
        }
    }
    free(x);
}

static void blob_header_fields(void) {
    const size_t count = 1234;
    float *x = floats(count);
    fill_varied(x, count, 81);
    x[100] = NAN;
    x[1233] = INFINITY;
    size_t size = 0;
    unsigned char *blob = lib_pack(x, count, 5, 48, DAF_ROUND_STOCHASTIC, 0x0102030405060708ULL, &size);
    CHECK(memcmp(blob, "DAFQ", 4) == 0);
    CHECK_SIZE(blob[4] | blob[5] << 8, DAF_PACKED_FORMAT_VERSION);
    CHECK_SIZE(blob[6], 5);
    CHECK_SIZE(blob[7], DAF_ROUND_STOCHASTIC);
    CHECK_SIZE(get32(blob + 8), 48);
    CHECK_SIZE(get32(blob + 12), DAF_LANES);
    CHECK_SIZE(get64(blob + 16), count);
    CHECK_SIZE(get64(blob + 24), 2);
    CHECK_SIZE(get64(blob + 32), 0x0102030405060708ULL);
    CHECK_SIZE(get64(blob + 40), size);
    size_t reserved_nonzero = 0;
    for (size_t i = 48; i < 60; i++) reserved_nonzero += blob[i] != 0;
    CHECK_SIZE(reserved_nonzero, 0);
    CHECK_SIZE(get32(blob + 60), fnv1a32(blob, 60));
    /* The non-finite list at the end: indices, then raw bits. */
    size_t e = size - 2 * DAF_PACKED_NONFINITE_BYTES;
    CHECK_SIZE(get64(blob + e), 100);
    CHECK_SIZE(get64(blob + e + 8), 1233);
    CHECK_SIZE(get32(blob + e + 16), bits_of(NAN));
    CHECK_SIZE(get32(blob + e + 20), 0x7F800000u);
    free(blob);
    /* Nearest rounding stores seed 0 whatever the params said. */
    blob = lib_pack(x, count, 2, 256, DAF_ROUND_NEAREST, 99, &size);
    CHECK_SIZE(get64(blob + 32), 0);
    free(blob);
    free(x);
}

static void packed_info_describes_blob(void) {
    const size_t count = 777;
    float *x = floats(count);
    fill_varied(x, count, 82);
    x[0] = -INFINITY;
    size_t size = 0;
    unsigned char *blob = lib_pack(x, count, 7, 32, DAF_ROUND_STOCHASTIC, 4242, &size);
    daf_blob_info info;
    memset(&info, 0xEE, sizeof info);
    info.struct_size = sizeof info;
    CHECK_STATUS(daf_packed_info(blob, size, &info), DAF_OK);
    CHECK_SIZE(info.struct_size, sizeof info);
    CHECK_SIZE(info.format_version, DAF_PACKED_FORMAT_VERSION);
    CHECK_SIZE(info.bits, 7);
    CHECK_SIZE(info.group_size, 32);
    CHECK_SIZE(info.rounding, DAF_ROUND_STOCHASTIC);
    CHECK_SIZE(info.reserved, 0);
    CHECK_SIZE(info.count, count);
    CHECK_SIZE(info.nonfinite_count, 1);
    CHECK_SIZE(info.seed, 4242);
    CHECK_SIZE(info.packed_size, size);
    free(blob);
    free(x);
}

static void blob_at_any_alignment(void) {
    const size_t count = 1000;
    float *x = floats(count);
    fill_varied(x, count, 83);
    size_t size = 0;
    unsigned char *aligned = lib_pack(x, count, 3, 64, DAF_ROUND_NEAREST, 0, &size);
    unsigned char *buffer = xmalloc(size + 8);
    float *expected = lib_unpack(aligned, size, count);
    float *out = floats(count);
    for (size_t shift = 1; shift < 8; shift++) {
        where("blob at offset %zu", shift);
        size_t packed = 0;
        daf_quantize_params params;
        daf_quantize_params_init(&params);
        params.bits = 3;
        params.group_size = 64;
        CHECK_STATUS(daf_quantize_pack(x, count, &params, buffer + shift, size, &packed), DAF_OK);
        CHECK(packed == size && memcmp(buffer + shift, aligned, size) == 0);
        CHECK_STATUS(daf_unpack_dequantize(buffer + shift, size, out, count), DAF_OK);
        CHECK(memcmp(out, expected, count * sizeof(float)) == 0);
        CHECK_STATUS(daf_unpack_dequantize_range(buffer + shift, size, 10, 100, out), DAF_OK);
        CHECK(memcmp(out, expected + 10, 100 * sizeof(float)) == 0);
        daf_blob_info info;
        info.struct_size = sizeof info;
        CHECK_STATUS(daf_packed_info(buffer + shift, size, &info), DAF_OK);
    }
    free(out);
    free(expected);
    free(buffer);
    free(aligned);
    free(x);
}

static void trailing_bytes_are_ignored(void) {
    const size_t count = 300;
    float *x = floats(count);
    fill_varied(x, count, 84);
    size_t size = 0;
    unsigned char *blob = lib_pack(x, count, 2, 256, DAF_ROUND_NEAREST, 0, &size);
    unsigned char *longer = xmalloc(size + 100);
    memcpy(longer, blob, size);
    memset(longer + size, 0x5A, 100);
    float *expected = lib_unpack(blob, size, count);
    float *out = floats(count);
    CHECK_STATUS(daf_unpack_dequantize(longer, size + 100, out, count), DAF_OK);
    CHECK(memcmp(out, expected, count * sizeof(float)) == 0);
    CHECK_STATUS(daf_unpack_dequantize_range(longer, size + 100, 250, 50, out), DAF_OK);
    CHECK(memcmp(out, expected + 250, 50 * sizeof(float)) == 0);
    daf_blob_info info;
    info.struct_size = sizeof info;
    CHECK_STATUS(daf_packed_info(longer, size + 100, &info), DAF_OK);
    CHECK_SIZE(info.packed_size, size);
    free(out);
    free(expected);
    free(longer);
    free(blob);
    free(x);
}

static void zero_count_blob(void) {
    float one = 1.0f;
    unsigned char blob[256];
    size_t size = 0;
    CHECK_STATUS(daf_quantize_pack(&one, 0, NULL, blob, sizeof blob, &size), DAF_OK);
    CHECK_SIZE(size, DAF_PACKED_HEADER_BYTES);
    daf_blob_info info;
    info.struct_size = sizeof info;
    CHECK_STATUS(daf_packed_info(blob, size, &info), DAF_OK);
    CHECK_SIZE(info.count, 0);
    float out = 42.0f;
    CHECK_STATUS(daf_unpack_dequantize(blob, size, &out, 0), DAF_OK);
    CHECK_STATUS(daf_unpack_dequantize_range(blob, size, 0, 0, &out), DAF_OK);
    CHECK(out == 42.0f);
    CHECK_STATUS(daf_unpack_dequantize(blob, size, &out, 1), DAF_E_SIZE_MISMATCH);
}

/* daf.h: on DAF_E_DST_TOO_SMALL, *dst_size is the size needed (dst's contents unspecified). */
static void dst_too_small_reports_needed_size(void) {
    const size_t count = 1000;
    float *x = floats(count);
    fill_varied(x, count, 91);
    x[3] = NAN;
    size_t needed = 0;
    CHECK_STATUS(daf_packed_size(x, count, NULL, &needed), DAF_OK);
    unsigned char *dst = xmalloc(needed);
    static const size_t short_by[] = {1, 2, 12, 64};
    for (size_t k = 0; k < sizeof short_by / sizeof short_by[0]; k++) {
        where("capacity needed-%zu", short_by[k]);
        memset(dst, 0xAB, needed);
        size_t reported = 0;
        CHECK_STATUS(daf_quantize_pack(x, count, NULL, dst, needed - short_by[k], &reported), DAF_E_DST_TOO_SMALL);
        CHECK_SIZE(reported, needed);
    }
    where("capacity 0");
    size_t reported = 0;
    memset(dst, 0xAB, needed);
    CHECK_STATUS(daf_quantize_pack(x, count, NULL, dst, 0, &reported), DAF_E_DST_TOO_SMALL);
    CHECK_SIZE(reported, needed);
    where("exact capacity");
    CHECK_STATUS(daf_quantize_pack(x, count, NULL, dst, needed, &reported), DAF_OK);
    CHECK_SIZE(reported, needed);
    free(dst);
    free(x);
}

static void range_unpack_equals_full_unpack(void) {
    const size_t count = 70001;
    float *x = floats(count);
    fill_varied(x, count, 101);
    for (size_t k = 0; k < 40; k++) x[(k * 1777) % count] = k % 2 ? NAN : INFINITY;
    float *part = floats(count);
    rng r = rng_seeded(102);
    for (uint32_t bits = 1; bits <= 8; bits++) {
        uint32_t group = bits % 2 ? 16 : 256;
        size_t size = 0;
        unsigned char *blob = lib_pack(x, count, bits, group, DAF_ROUND_STOCHASTIC, bits, &size);
        float *full = lib_unpack(blob, size, count);
        for (int trial = 0; trial < 120; trial++) {
            size_t first, n;
            switch (trial) {
            case 0: first = 0; n = count; break;
            case 1: first = 0; n = 0; break;
            case 2: first = count; n = 0; break;
            case 3: first = count - 1; n = 1; break;
            case 4: first = group - 1; n = 2; break;
            default:
                first = rng_below(&r, (uint32_t)count);
                n = rng_below(&r, (uint32_t)(count - first + 1));
                if (trial % 3 == 0 && n > 300) n = rng_below(&r, 300);
            }
            where("bits=%u group=%u first=%zu count=%zu", bits, group, first, n);
            memset(part, 0, count * sizeof(float));
            if (CHECK_STATUS(daf_unpack_dequantize_range(blob, size, first, n, part), DAF_OK)) {
                CHECK(memcmp(part, full + first, n * sizeof(float)) == 0);
            }
        }
        free(full);
        free(blob);
    }
    free(part);
    free(x);
}

static void range_unpack_past_end_is_out_of_range(void) {
    const size_t count = 1000;
    float *x = floats(count);
    fill_varied(x, count, 103);
    size_t size = 0;
    unsigned char *blob = lib_pack(x, count, 2, 256, DAF_ROUND_NEAREST, 0, &size);
    float *out = floats(count + 10);
    CHECK_STATUS(daf_unpack_dequantize_range(blob, size, 0, count + 1, out), DAF_E_OUT_OF_RANGE);
    CHECK_STATUS(daf_unpack_dequantize_range(blob, size, 1, count, out), DAF_E_OUT_OF_RANGE);
    CHECK_STATUS(daf_unpack_dequantize_range(blob, size, count, 1, out), DAF_E_OUT_OF_RANGE);
    CHECK_STATUS(daf_unpack_dequantize_range(blob, size, count + 1, 0, out), DAF_E_OUT_OF_RANGE);
    CHECK_STATUS(daf_unpack_dequantize_range(blob, size, SIZE_MAX, 2, out), DAF_E_OUT_OF_RANGE);
    /* A count of SIZE_MAX is past the 2^58-value limit: daf.h allows DAF_E_OVERFLOW for it. */
    CHECK_STATUS_EITHER(daf_unpack_dequantize_range(blob, size, 2, SIZE_MAX, out), DAF_E_OUT_OF_RANGE, DAF_E_OVERFLOW);
    free(out);
    free(blob);
    free(x);
}

static void minmax_values(void) {
    float x[40];
    for (int i = 0; i < 40; i++) x[i] = (float)(i - 20) * 0.5f;
    float lo = 0.0f, hi = 0.0f;
    CHECK_STATUS(daf_minmax(x, 40, &lo, &hi), DAF_OK);
    CHECK(lo == -10.0f && hi == 9.5f);
    x[0] = NAN;
    x[1] = -INFINITY;
    x[39] = INFINITY;
    CHECK_STATUS(daf_minmax(x, 40, &lo, &hi), DAF_OK);
    CHECK(lo == -9.0f && hi == 9.0f);
    for (int i = 0; i < 40; i++) x[i] = i % 2 ? NAN : INFINITY;
    CHECK_STATUS(daf_minmax(x, 40, &lo, &hi), DAF_OK);
    CHECK(isnan(lo) && isnan(hi));
    lo = hi = 0.0f;
    CHECK_STATUS(daf_minmax(x, 0, &lo, &hi), DAF_OK);
    CHECK(isnan(lo) && isnan(hi));
    lo = hi = 0.0f;
    CHECK_STATUS(daf_minmax(NULL, 0, &lo, &hi), DAF_OK);
    CHECK(isnan(lo) && isnan(hi));
    /* A large odd-length buffer against a plain loop. */
    const size_t count = 1000003;
    float *big = floats(count);
    fill_varied(big, count, 104);
    big[999999] = -5000.25f;
    big[7] = 6000.5f;
    float want_lo = big[0], want_hi = big[0];
    for (size_t i = 1; i < count; i++) {
        if (big[i] < want_lo) want_lo = big[i];
        if (big[i] > want_hi) want_hi = big[i];
    }
    CHECK_STATUS(daf_minmax(big, count, &lo, &hi), DAF_OK);
    CHECK(lo == want_lo && hi == want_hi);
    free(big);
}

/* ============================================================================================
 * NULL, misaligned, overflowing and invalid arguments
 * ========================================================================================== */

static void codec_null_arguments(void) {
    float x[64] = {0};
    unsigned char blob[512];
    size_t size = 0;
    daf_quantize_params params;
    daf_quantize_params_init(&params);
    CHECK_STATUS(daf_quantize_pack(x, 64, &params, blob, sizeof blob, &size), DAF_OK);
    float out[64];
    float lo, hi;
    daf_blob_info info;
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

static void codec_null_params_mean_defaults(void) {
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

static void codec_zero_count_allows_null_pointers(void) {
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

static void context_null_arguments(void) {
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
static void context_null_ctx_is_rejected(void) {
    float x[16] = {0};
    daf_handle handle = 7;
    daf_context_stats stats;
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
    daf_entry_info info;
    info.struct_size = sizeof info;
    CHECK_STATUS(daf_handle_info(NULL, 1, &info), first);
}

static void async_and_thread_calls_check_arguments(void) {
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

static void codec_misaligned_float_pointers(void) {
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

static void context_misaligned_float_pointers(void) {
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

static void codec_count_overflow(void) {
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

static void context_count_overflow(void) {
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

static void codec_invalid_params(void) {
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
        if (bad[k].rounding == 0) CHECK_SIZE(daf_packed_bound(64, bad[k].bits, bad[k].group_size), 0);
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

static void create_rejects_invalid_options(void) {
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

static void save_rejects_invalid_bits(void) {
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

static void save_rejects_nonfinite_importance(void) {
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

static void set_importance_checks_value(void) {
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

/* ============================================================================================
 * struct_size
 * ========================================================================================== */

enum { TAIL = 16 };

/* Each input struct followed by TAIL bytes a newer header might define. */
typedef union {
    daf_quantize_params s;
    unsigned char bytes[sizeof(daf_quantize_params) + TAIL];
    uint64_t align_;
} big_quantize_params;
typedef union {
    daf_options s;
    unsigned char bytes[sizeof(daf_options) + TAIL];
    uint64_t align_;
} big_options;
typedef union {
    daf_save_params s;
    unsigned char bytes[sizeof(daf_save_params) + TAIL];
    uint64_t align_;
} big_save_params;
typedef union {
    daf_blob_info s;
    unsigned char bytes[sizeof(daf_blob_info) + TAIL];
    uint64_t align_;
} big_blob_info;
typedef union {
    daf_context_stats s;
    unsigned char bytes[sizeof(daf_context_stats) + TAIL];
    uint64_t align_;
} big_context_stats;

/* Calls each struct-taking function with the given struct_size (and the tail bytes as set). */
static int try_quantize_params(uint32_t struct_size, unsigned char tail_byte) {
    float x[64] = {0};
    unsigned char blob[512];
    size_t size = 0;
    big_quantize_params p;
    memset(&p, 0, sizeof p);
    daf_quantize_params_init(&p.s);
    p.s.struct_size = struct_size;
    p.bytes[sizeof p.bytes - 1] = tail_byte;
    int a = daf_packed_size(x, 64, &p.s, &size);
    int b = daf_quantize_pack(x, 64, &p.s, blob, sizeof blob, &size);
    if (a != b) {
        note("daf_packed_size gave %s but daf_quantize_pack %s", daf_status_name(a), daf_status_name(b));
        return DAF_E_INTERNAL;
    }
    return a;
}

static int try_options(uint32_t struct_size, unsigned char tail_byte) {
    big_options o;
    memset(&o, 0, sizeof o);
    daf_options_init(&o.s);
    o.s.struct_size = struct_size;
    o.bytes[sizeof o.bytes - 1] = tail_byte;
    daf_context *ctx = NULL;
    int status = daf_create(&o.s, &ctx);
    if (status == DAF_OK) daf_destroy(ctx);
    else CHECK(ctx == NULL);
    return status;
}

static int try_save_params(uint32_t struct_size, unsigned char tail_byte) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    big_save_params p;
    memset(&p, 0, sizeof p);
    daf_save_params_init(&p.s);
    p.s.struct_size = struct_size;
    p.bytes[sizeof p.bytes - 1] = tail_byte;
    daf_handle handle = 0;
    int status = daf_save(ctx, x, 64, &p.s, &handle);
    daf_destroy(ctx);
    return status;
}

static int try_blob_info(uint32_t struct_size) {
    float x[64] = {0};
    unsigned char blob[512];
    size_t size = 0;
    daf_quantize_pack(x, 64, NULL, blob, sizeof blob, &size);
    big_blob_info info;
    memset(&info, 0xEE, sizeof info);
    info.s.struct_size = struct_size;
    return daf_packed_info(blob, size, &info.s);
}

static int try_context_stats(uint32_t struct_size) {
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    big_context_stats stats;
    memset(&stats, 0xEE, sizeof stats);
    stats.s.struct_size = struct_size;
    int status = daf_stats(ctx, &stats.s);
    daf_destroy(ctx);
    return status;
}

static void struct_size_too_small_is_rejected(void) {
    const uint32_t qp = sizeof(daf_quantize_params), op = sizeof(daf_options),
                   sp = sizeof(daf_save_params), bi = sizeof(daf_blob_info),
                   cs = sizeof(daf_context_stats);
    const uint32_t sizes[][3] = {{0, 4, qp - 1}, {0, 4, op - 1}, {0, 4, sp - 1}, {0, 4, bi - 1}, {0, 4, cs - 1}};
    for (int k = 0; k < 3; k++) {
        where("struct_size %u/%u/%u/%u/%u", sizes[0][k], sizes[1][k], sizes[2][k], sizes[3][k], sizes[4][k]);
        CHECK_STATUS(try_quantize_params(sizes[0][k], 0), DAF_E_STRUCT_SIZE);
        CHECK_STATUS(try_options(sizes[1][k], 0), DAF_E_STRUCT_SIZE);
        CHECK_STATUS(try_save_params(sizes[2][k], 0), DAF_E_STRUCT_SIZE);
        CHECK_STATUS(try_blob_info(sizes[3][k]), DAF_E_STRUCT_SIZE);
        CHECK_STATUS(try_context_stats(sizes[4][k]), DAF_E_STRUCT_SIZE);
    }
}

static void exact_struct_size_is_accepted(void) {
    CHECK_STATUS(try_quantize_params(sizeof(daf_quantize_params), 0xFF), DAF_OK);
    CHECK_STATUS(try_options(sizeof(daf_options), 0xFF), DAF_OK);
    CHECK_STATUS(try_save_params(sizeof(daf_save_params), 0xFF), DAF_OK);
    CHECK_STATUS(try_blob_info(sizeof(daf_blob_info)), DAF_OK);
    CHECK_STATUS(try_context_stats(sizeof(daf_context_stats)), DAF_OK);
}

static void larger_input_struct_with_zero_tail_is_accepted(void) {
    CHECK_STATUS(try_quantize_params(sizeof(daf_quantize_params) + TAIL, 0), DAF_OK);
    CHECK_STATUS(try_options(sizeof(daf_options) + TAIL, 0), DAF_OK);
    CHECK_STATUS(try_save_params(sizeof(daf_save_params) + TAIL, 0), DAF_OK);
}

static void larger_input_struct_with_nonzero_tail_is_rejected(void) {
    CHECK_STATUS(try_quantize_params(sizeof(daf_quantize_params) + TAIL, 1), DAF_E_STRUCT_SIZE);
    CHECK_STATUS(try_options(sizeof(daf_options) + TAIL, 1), DAF_E_STRUCT_SIZE);
    CHECK_STATUS(try_save_params(sizeof(daf_save_params) + TAIL, 1), DAF_E_STRUCT_SIZE);
}

static void larger_output_struct_tail_is_zeroed(void) {
    float x[300];
    fill_varied(x, 300, 121);
    unsigned char blob[1024];
    size_t size = 0;
    CHECK_STATUS(daf_quantize_pack(x, 300, NULL, blob, sizeof blob, &size), DAF_OK);
    big_blob_info info;
    memset(&info, 0xEE, sizeof info);
    info.s.struct_size = sizeof info.s + TAIL;
    CHECK_STATUS(daf_packed_info(blob, size, &info.s), DAF_OK);
    size_t dirty = 0;
    for (size_t i = sizeof info.s; i < sizeof info.bytes; i++) dirty += info.bytes[i] != 0;
    CHECK_SIZE(dirty, 0);
    CHECK_SIZE(info.s.count, 300);
    CHECK_SIZE(info.s.packed_size, size);
    CHECK_SIZE(info.s.struct_size, sizeof info.s + TAIL);

    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    save_with_bits(ctx, x, 300, 0);
    big_context_stats stats;
    memset(&stats, 0xEE, sizeof stats);
    stats.s.struct_size = sizeof stats.s + TAIL;
    CHECK_STATUS(daf_stats(ctx, &stats.s), DAF_OK);
    dirty = 0;
    for (size_t i = sizeof stats.s; i < sizeof stats.bytes; i++) dirty += stats.bytes[i] != 0;
    CHECK_SIZE(dirty, 0);
    CHECK_SIZE(stats.s.live_entries, 1);
    CHECK_SIZE(stats.s.saves, 1);
    CHECK_SIZE(stats.s.reserved, 0);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

/* ============================================================================================
 * Damaged blobs
 * ========================================================================================== */

/* A small blob with two groups and one non-finite value, so every section is present. */
static unsigned char *small_blob(float *x, size_t count, size_t *size) {
    fill_varied(x, count, 131);
    x[count / 2] = NAN;
    return lib_pack(x, count, 3, 16, DAF_ROUND_NEAREST, 0, size);
}

static void truncated_blob_is_corrupt(void) {
    float x[40];
    size_t size = 0;
    unsigned char *blob = small_blob(x, 40, &size);
    float out[40];
    daf_blob_info info;
    for (size_t length = 0; length < size; length++) {
        where("blob of %zu bytes cut to %zu", size, length);
        unsigned char *cut = xmalloc(length); /* exactly length bytes: a reader past it is a bug */
        memcpy(cut, blob, length);
        for (size_t i = 0; i < 40; i++) out[i] = -123.0f;
        CHECK_STATUS(daf_unpack_dequantize(cut, length, out, 40), DAF_E_CORRUPT);
        size_t touched = 0;
        for (size_t i = 0; i < 40; i++) touched += out[i] != -123.0f;
        CHECK_SIZE(touched, 0);
        CHECK_STATUS(daf_unpack_dequantize_range(cut, length, 0, 1, out), DAF_E_CORRUPT);
        info.struct_size = sizeof info;
        CHECK_STATUS(daf_packed_info(cut, length, &info), DAF_E_CORRUPT);
        free(cut);
    }
    free(blob);
}

static void flipped_header_bit_is_rejected(void) {
    float x[40];
    size_t size = 0;
    unsigned char *blob = small_blob(x, 40, &size);
    float out[40];
    daf_blob_info info;
    info.struct_size = sizeof info;
    for (size_t byte = 0; byte < DAF_PACKED_HEADER_BYTES; byte++) {
        for (int bit = 0; bit < 8; bit++) {
            where("header byte %zu bit %d flipped", byte, bit);
            blob[byte] ^= (unsigned char)(1u << bit);
            if (byte == 4 || byte == 5) {
                /* The format version itself: an unknown version may be reported as such. */
                CHECK_STATUS_EITHER(daf_unpack_dequantize(blob, size, out, 40), DAF_E_CORRUPT, DAF_E_UNSUPPORTED_FORMAT);
                CHECK_STATUS_EITHER(daf_packed_info(blob, size, &info), DAF_E_CORRUPT, DAF_E_UNSUPPORTED_FORMAT);
            } else {
                CHECK_STATUS(daf_unpack_dequantize(blob, size, out, 40), DAF_E_CORRUPT);
                CHECK_STATUS(daf_packed_info(blob, size, &info), DAF_E_CORRUPT);
                CHECK_STATUS(daf_unpack_dequantize_range(blob, size, 0, 10, out), DAF_E_CORRUPT);
            }
            blob[byte] ^= (unsigned char)(1u << bit);
        }
    }
    where("restored blob");
    CHECK_STATUS(daf_unpack_dequantize(blob, size, out, 40), DAF_OK);
    free(blob);
}

static void wrong_magic_is_corrupt(void) {
    float x[40];
    size_t size = 0;
    unsigned char *blob = small_blob(x, 40, &size);
    float out[40];
    static const char *magics[] = {"DAFq", "QFAD", "\0\0\0\0", "ZSTD"};
    for (size_t k = 0; k < 4; k++) {
        where("magic %zu", k);
        memcpy(blob, magics[k], 4);
        rehash(blob);
        CHECK_STATUS(daf_unpack_dequantize(blob, size, out, 40), DAF_E_CORRUPT);
        daf_blob_info info;
        info.struct_size = sizeof info;
        CHECK_STATUS(daf_packed_info(blob, size, &info), DAF_E_CORRUPT);
    }
    free(blob);
}

static void format_version_2_is_unsupported(void) {
    float x[40];
    size_t size = 0;
    unsigned char *blob = small_blob(x, 40, &size);
    float out[40];
    put16(blob + 4, 2);
    rehash(blob);
    for (size_t i = 0; i < 40; i++) out[i] = -123.0f;
    CHECK_STATUS(daf_unpack_dequantize(blob, size, out, 40), DAF_E_UNSUPPORTED_FORMAT);
    CHECK(out[0] == -123.0f && out[39] == -123.0f);
    CHECK_STATUS(daf_unpack_dequantize_range(blob, size, 0, 5, out), DAF_E_UNSUPPORTED_FORMAT);
    daf_blob_info info;
    info.struct_size = sizeof info;
    CHECK_STATUS(daf_packed_info(blob, size, &info), DAF_E_UNSUPPORTED_FORMAT);
    free(blob);
}

/* Header fields edited to impossible values with the hash recomputed: only the field is wrong. */
static void inconsistent_header_fields_are_corrupt(void) {
    float x[40];
    size_t size = 0;
    unsigned char *original = small_blob(x, 40, &size);
    unsigned char *blob = xmalloc(size);
    float *out = floats(2000); /* room for the largest count an edit claims */
    for (int edit = 0; edit < 14; edit++) {
        memcpy(blob, original, size);
        const char *what = "";
        switch (edit) {
        case 0: blob[6] = 0; what = "bits 0"; break;
        case 1: blob[6] = 9; what = "bits 9"; break;
        case 2: blob[7] = 2; what = "rounding 2"; break;
        case 3: put32(blob + 8, 0); what = "group_size 0"; break;
        case 4: put32(blob + 8, 24); what = "group_size 24"; break;
        case 5: put32(blob + 8, 65552); what = "group_size 65552"; break;
        case 6: put32(blob + 12, 8); what = "lanes 8"; break;
        case 7: put64(blob + 16, 1000); what = "count 1000 (needs more groups and codes)"; break;
        case 8: put64(blob + 16, 0); what = "count 0 (no groups, no codes)"; break;
        case 9: put64(blob + 24, 2); what = "nonfinite count + 1"; break;
        case 10: put64(blob + 24, 0); what = "nonfinite count - 1"; break;
        case 11: put64(blob + 40, size + 1); what = "total size + 1"; break;
        case 12: put64(blob + 40, size - 1); what = "total size - 1"; break;
        case 13: put64(blob + 16, UINT64_MAX); what = "count UINT64_MAX"; break;
        }
        where("%s", what);
        rehash(blob);
        /* Unpack with the count the edited header claims, so only corruption can refuse it. */
        uint64_t claimed = get64(blob + 16);
        CHECK_STATUS(daf_unpack_dequantize(blob, size, out, claimed <= 2000 ? (size_t)claimed : 40), DAF_E_CORRUPT);
        daf_blob_info info;
        info.struct_size = sizeof info;
        CHECK_STATUS(daf_packed_info(blob, size, &info), DAF_E_CORRUPT);
    }
    free(out);
    free(blob);
    free(original);
}

static void bad_group_table_is_corrupt(void) {
    float x[40];
    size_t size = 0;
    unsigned char *original = small_blob(x, 40, &size);
    unsigned char *blob = xmalloc(size);
    float out[40];
    const struct {
        size_t offset;
        uint32_t bits;
        const char *what;
    } edits[] = {{64, 0x7FC00000u, "min NaN"},        {64, 0x7F800000u, "min +Inf"},
                 {72, 0xFF800000u, "min -Inf"},       {68, 0x7FC00000u, "scale NaN"},
                 {68, 0x7F800000u, "scale +Inf"},     {76, 0xFF800000u, "scale -Inf"}};
    for (size_t k = 0; k < sizeof edits / sizeof edits[0]; k++) {
        where("group table: %s", edits[k].what);
        memcpy(blob, original, size);
        put32(blob + edits[k].offset, edits[k].bits);
        CHECK_STATUS(daf_unpack_dequantize(blob, size, out, 40), DAF_E_CORRUPT);
    }
    free(blob);
    free(original);
}

static void bad_nonfinite_list_is_corrupt(void) {
    const size_t count = 40;
    float x[40];
    fill_varied(x, count, 132);
    x[5] = NAN;
    x[30] = INFINITY;
    size_t size = 0;
    unsigned char *original = lib_pack(x, count, 3, 16, DAF_ROUND_NEAREST, 0, &size);
    unsigned char *blob = xmalloc(size);
    size_t e = size - 2 * DAF_PACKED_NONFINITE_BYTES;
    float out[40];
    for (int edit = 0; edit < 4; edit++) {
        memcpy(blob, original, size);
        const char *what = "";
        switch (edit) {
        case 0: put64(blob + e, 30); put64(blob + e + 8, 5); what = "indices descending"; break;
        case 1: put64(blob + e + 8, 5); what = "index repeated"; break;
        case 2: put64(blob + e + 8, 40); what = "index == count"; break;
        case 3: put64(blob + e + 8, UINT64_MAX); what = "index UINT64_MAX"; break;
        }
        where("non-finite list: %s", what);
        CHECK_STATUS(daf_unpack_dequantize(blob, size, out, 40), DAF_E_CORRUPT);
    }
    free(blob);
    free(original);
}

static void count_mismatch_is_size_mismatch(void) {
    const size_t count = 500;
    float *x = floats(count + 1);
    fill_varied(x, count, 133);
    size_t size = 0;
    unsigned char *blob = lib_pack(x, count, 2, 256, DAF_ROUND_NEAREST, 0, &size);
    float *out = floats(count + 1);
    static const size_t wrong[] = {0, 1, 499, 501};
    for (size_t k = 0; k < 4; k++) {
        where("count %zu for a blob of %zu", wrong[k], count);
        for (size_t i = 0; i <= count; i++) out[i] = -123.0f;
        CHECK_STATUS(daf_unpack_dequantize(blob, size, out, wrong[k]), DAF_E_SIZE_MISMATCH);
        size_t touched = 0;
        for (size_t i = 0; i <= count; i++) touched += out[i] != -123.0f;
        CHECK_SIZE(touched, 0);
    }
    free(out);
    free(blob);
    free(x);
}

/* ============================================================================================
 * Contexts
 * ========================================================================================== */

static void save_restore_release_roundtrip(void) {
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

static void context_stochastic_rounding(void) {
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
static void context_stochastic_seed_per_save(void) {
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

static void context_keeps_nonfinite_values(void) {
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
    CHECK_SIZE(stats_of(ctx).live_packed_bytes, daf_packed_bound(count, 2, 256) + 3 * DAF_PACKED_NONFINITE_BYTES);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(out);
    free(x);
}

static void zero_count_save(void) {
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

static void handle_zero_is_unknown(void) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    save_with_bits(ctx, x, 64, 0);
    where("handle 0");
    check_unknown_handle(ctx, 0);
    where("handle UINT64_MAX");
    check_unknown_handle(ctx, UINT64_MAX);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

static void released_handle_is_unknown(void) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handle = save_with_bits(ctx, x, 64, 0);
    CHECK_STATUS(daf_release(ctx, handle), DAF_OK);
    check_unknown_handle(ctx, handle);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

static void double_release_is_unknown(void) {
    float x[64] = {0};
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handle = save_with_bits(ctx, x, 64, 0);
    CHECK_STATUS(daf_release(ctx, handle), DAF_OK);
    CHECK_STATUS(daf_release(ctx, handle), DAF_E_UNKNOWN_HANDLE);
    CHECK_STATUS(daf_release(ctx, handle), DAF_E_UNKNOWN_HANDLE);
    CHECK_SIZE(stats_of(ctx).releases, 1);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

static void other_contexts_handle_is_unknown(void) {
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

static void handles_are_never_reused(void) {
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

static void destroy_twice_is_invalid_context(void) {
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    CHECK_STATUS(daf_destroy(ctx), DAF_E_INVALID_CONTEXT);
}

static void calls_on_destroyed_context_are_invalid_context(void) {
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
    daf_context_stats stats;
    stats.struct_size = sizeof stats;
    CHECK_STATUS(daf_stats(ctx, &stats), DAF_E_INVALID_CONTEXT);
    CHECK(daf_last_error(ctx) != NULL);
}

static void foreign_pointer_is_invalid_context(void) {
    uint64_t not_a_context[64];
    memset(not_a_context, 0x5A, sizeof not_a_context);
    daf_context *bogus = (daf_context *)(void *)not_a_context;
    float x[16] = {0};
    daf_handle handle = 1;
    CHECK_STATUS(daf_save(bogus, x, 16, NULL, &handle), DAF_E_INVALID_CONTEXT);
    CHECK_STATUS(daf_restore(bogus, 1, x, 16), DAF_E_INVALID_CONTEXT);
    daf_context_stats stats;
    stats.struct_size = sizeof stats;
    CHECK_STATUS(daf_stats(bogus, &stats), DAF_E_INVALID_CONTEXT);
    CHECK_STATUS(daf_destroy(bogus), DAF_E_INVALID_CONTEXT);
    size_t changed = 0;
    for (size_t i = 0; i < 64; i++) changed += not_a_context[i] != 0x5A5A5A5A5A5A5A5AULL;
    CHECK_SIZE(changed, 0); /* the library did not write through it */
}

static void restore_wrong_count_is_size_mismatch(void) {
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

static void restore_range_equals_full_restore(void) {
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

static void restore_range_past_end_is_out_of_range(void) {
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

static void bits_override_per_save(void) {
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
        CHECK_SIZE(bytes[k], daf_packed_bound(count, bits[k], 256));
    }
    where("");
    if (!CHECK(error[1] < error[0])) note("max error: 8 bits %g, 1 bit %g", error[1], error[0]);
    CHECK(bytes[1] > bytes[0]);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(out);
    free(x);
}

static void stats_fresh_context_all_zero(void) {
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_context_stats stats = stats_of(ctx);
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

static void stats_counters(void) {
    static const size_t counts[3] = {1000, 20000, 333};
    float *x = floats(20000);
    fill_varied(x, 20000, 181);
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle handles[3];
    uint64_t packed = 0, fp32 = 0;
    for (int k = 0; k < 3; k++) {
        handles[k] = save_with_bits(ctx, x, counts[k], 0);
        packed += daf_packed_bound(counts[k], 2, 256);
        fp32 += 4 * counts[k];
    }
    daf_context_stats s = stats_of(ctx);
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

static void failed_calls_do_not_count(void) {
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
    daf_context_stats s = stats_of(ctx);
    CHECK_SIZE(s.saves, 1);
    CHECK_SIZE(s.restores, 0);
    CHECK_SIZE(s.releases, 0);
    CHECK_SIZE(s.live_entries, 1);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

static void last_error_after_context_failure(void) {
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

static void last_error_after_codec_failure(void) {
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

static void threads_share_one_context(void) {
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    pthread_t threads[THREADS];
    worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i].ctx = ctx;
        workers[i].id = i;
        CHECK(pthread_create(&threads[i], NULL, save_restore_worker, &workers[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    daf_context_stats s = stats_of(ctx);
    CHECK_SIZE(s.saves, THREADS * TENSORS_PER_THREAD);
    CHECK_SIZE(s.restores, THREADS * TENSORS_PER_THREAD);
    CHECK_SIZE(s.releases, THREADS * TENSORS_PER_THREAD);
    CHECK_SIZE(s.live_entries, 0);
    CHECK_SIZE(s.live_packed_bytes, 0);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
}

static void threads_with_separate_contexts(void) {
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

static void restore_races_release(void) {
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

static void pool_options_init_defaults(void) {
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

static void pool_null_arguments(void) {
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

static void pool_invalid_pool_is_rejected(void) {
    daf_pool *pool = new_pool(4096, 65536, 0);
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
        CHECK_STATUS(daf_pool_alloc(bad[k], 10, 1.0f, &out), DAF_E_INVALID_CONTEXT);
        CHECK(out == 0);
        CHECK_STATUS(daf_pool_free(bad[k], block), DAF_E_INVALID_CONTEXT);
        CHECK_STATUS(daf_pool_write(bad[k], block, 0, &byte, 1), DAF_E_INVALID_CONTEXT);
        CHECK_STATUS(daf_pool_read(bad[k], block, 0, &byte, 1), DAF_E_INVALID_CONTEXT);
        CHECK_STATUS(daf_pool_block_size(bad[k], block, &size), DAF_E_INVALID_CONTEXT);
        CHECK_STATUS(daf_pool_set_importance(bad[k], block, 1.0f), DAF_E_INVALID_CONTEXT);
        CHECK_STATUS(daf_pool_least_important(bad[k], &out), DAF_E_INVALID_CONTEXT);
        CHECK_STATUS(daf_pool_evict(bad[k], &out), DAF_E_INVALID_CONTEXT);
        CHECK_STATUS(daf_pool_set_budget(bad[k], 0), DAF_E_INVALID_CONTEXT);
        CHECK_STATUS(daf_pool_trim(bad[k]), DAF_E_INVALID_CONTEXT);
        CHECK_STATUS(daf_pool_stats(bad[k], &stats), DAF_E_INVALID_CONTEXT);
    }
    CHECK_STATUS(daf_pool_destroy(pool), DAF_E_INVALID_CONTEXT); /* destroyed twice */
    CHECK_STATUS(daf_pool_destroy(made_up), DAF_E_INVALID_CONTEXT);
    /* A context is not a pool, and a pool is not a context. */
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    CHECK_STATUS(daf_pool_trim((daf_pool *)(void *)ctx), DAF_E_INVALID_CONTEXT);
    daf_pool *live = new_pool(4096, 65536, 0);
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

static void pool_rejects_invalid_options(void) {
    CHECK_STATUS(try_pool_options(4096, 65536, 0, 0), DAF_OK);
    CHECK_STATUS(try_pool_options(4096, 4096, DAF_POOL_AUTO_TRIM, 0), DAF_OK);
    CHECK_STATUS(try_pool_options(0, 65536, 0, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(3000, 65536, 0, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(2048, 65536, 0, 0), DAF_E_INVALID_ARGUMENT); /* below the OS page */
    CHECK_STATUS(try_pool_options(DAF_MAX_PAGE_SIZE * 2u, (uint64_t)DAF_MAX_PAGE_SIZE * 4u, 0, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(4096, 0, 0, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(4096, 6000, 0, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(4096, 4096ull * (DAF_MAX_CHUNK_PAGES + 1ull), 0, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(4096, UINT64_MAX, 0, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(4096, 65536, 2, 0), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_pool_options(4096, 65536, 0, 1), DAF_E_INVALID_ARGUMENT);
    daf_pool_options options;
    daf_pool_options_init(&options);
    daf_pool *pool = NULL;
    options.struct_size = 8;
    CHECK_STATUS(daf_pool_create(&options, &pool), DAF_E_STRUCT_SIZE);
    options.struct_size = 0;
    CHECK_STATUS(daf_pool_create(&options, &pool), DAF_E_STRUCT_SIZE);
}

static void pool_alloc_checks_arguments(void) {
    daf_pool *pool = new_pool(4096, 8 * 4096, 4 * 4096);
    daf_pool_block block = 7;
    CHECK_STATUS(daf_pool_alloc(pool, SIZE_MAX, 0.0f, &block), DAF_E_OVERFLOW);
    CHECK(block == 0);
    CHECK_STATUS(daf_pool_alloc(pool, 10, NAN, &block), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(daf_pool_alloc(pool, 10, INFINITY, &block), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(daf_pool_alloc(pool, 10, -INFINITY, &block), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(daf_pool_alloc(pool, 5 * 4096, 0.0f, &block), DAF_E_BUDGET_EXCEEDED);
    CHECK(block == 0);
    CHECK_STATUS(daf_pool_alloc(pool, 4 * 4096, 0.0f, &block), DAF_OK);
    CHECK_STATUS(daf_pool_alloc(pool, 1, 0.0f, &block), DAF_E_BUDGET_EXCEEDED);
    CHECK_STATUS(daf_pool_alloc(pool, 0, 0.0f, &block), DAF_OK); /* an empty block takes no page */
    daf_pool_statistics s = pool_stats_of(pool);
    CHECK_SIZE(s.capacity_bytes, 4 * 4096);
    CHECK_SIZE(s.budget_refusals, 2);
    CHECK_STATUS(daf_pool_set_importance(pool, block, NAN), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(daf_pool_destroy(pool), DAF_OK);
}

static void pool_unknown_blocks(void) {
    daf_pool *pool = new_pool(4096, 65536, 0), *other = new_pool(4096, 65536, 0);
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

static void pool_range_checks(void) {
    daf_pool *pool = new_pool(4096, 65536, 0);
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
static void pool_roundtrip_and_stats(void) {
    daf_pool *pool = new_pool(4096, 4 * 4096, 0);
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
    CHECK_SIZE(s.page_size, 4096);
    CHECK_SIZE(s.live_blocks, N);
    size_t live = 0, pages = 0;
    for (int i = 0; i < N; i++) live += sizes[i], pages += (sizes[i] + 4095) / 4096;
    CHECK_SIZE(s.live_bytes, live);
    CHECK_SIZE(s.pages_total - s.pages_free, pages);
    CHECK_SIZE(s.fragmentation_bytes, pages * 4096 - live);
    CHECK(s.capacity_bytes == s.pages_total * 4096 && s.chunks_mapped > 1 && s.allocs == N);
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
    CHECK_STATUS(daf_pool_set_budget(pool, s.capacity_bytes - 4096), DAF_E_BUDGET_EXCEEDED);
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

static void pool_stats_struct_size(void) {
    daf_pool *pool = new_pool(4096, 65536, 0);
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

static void create_rejects_invalid_budget_options(void) {
    CHECK_STATUS(try_budget_options(DAF_POLICY_DEGRADE | DAF_POLICY_SPILL | DAF_POLICY_RECOMPUTE, 1, 4096, 0, NULL), DAF_OK);
    CHECK_STATUS(try_budget_options(8, 1, 4096, 0, NULL), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_budget_options(DAF_POLICY_DEGRADE, 0, 4096, 0, NULL), DAF_OK); /* floor 0: range only */
    CHECK_STATUS(try_budget_options(0, 9, 4096, 0, NULL), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_budget_options(0, 1, 5000, 0, NULL), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_budget_options(0, 1, 4096, 3, NULL), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_budget_options(DAF_POLICY_SPILL, 1, 4096, 0, "/nonexistent/libdaf"), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_budget_options(DAF_POLICY_SPILL, 1, 4096, 0, ""), DAF_E_INVALID_ARGUMENT);
    CHECK_STATUS(try_budget_options(DAF_POLICY_DEGRADE, 1, 4096, 0, "/nonexistent/libdaf"), DAF_OK);
}

static void budget_calls_check_arguments(void) {
    daf_context *ctx = new_context(8, 256, DAF_ROUND_NEAREST);
    float x[64] = {1.0f, 2.0f, 3.0f};
    daf_save_params params;
    daf_save_params_init(&params);
    params.reserved = 1;
    daf_handle handle = 5;
    CHECK_STATUS(daf_save(ctx, x, 64, &params, &handle), DAF_E_INVALID_ARGUMENT);
    CHECK(handle == 0);
    CHECK_STATUS(daf_save(ctx, x, 64, NULL, &handle), DAF_OK);
    daf_entry_info info;
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

static daf_context *budget_context(uint32_t policy, uint64_t budget, const char *spill_dir) {
    daf_options options;
    daf_options_init(&options);
    options.bits = 8;
    options.policy = policy;
    options.budget_bytes = budget;
    options.page_size = 4096;
    options.chunk_bytes = 16 * 4096;
    options.spill_dir = spill_dir;
    daf_context *ctx = NULL;
    CHECK_STATUS(daf_create(&options, &ctx), DAF_OK);
    return ctx;
}

static void budget_fail_policy_refuses(void) {
    enum { COUNT = 8000, N = 10 };
    float *x = floats(COUNT);
    fill_varied(x, COUNT, 301);
    daf_context *ctx = budget_context(DAF_POLICY_FAIL, 8 * 4096, NULL);
    daf_handle handles[N];
    int saved = 0, status = DAF_OK;
    while (saved < N && (status = daf_save(ctx, x, COUNT, NULL, &handles[saved])) == DAF_OK) saved++;
    CHECK_STATUS(status, DAF_E_BUDGET_EXCEEDED);
    CHECK(saved > 0 && saved < N && handles[saved] == 0);
    daf_context_stats s = stats_of(ctx);
    CHECK_SIZE(s.budget_refusals, 1);
    CHECK(s.pool_capacity_bytes <= s.budget_bytes && s.budget_bytes == 8 * 4096);
    CHECK_SIZE(s.evictions_degrade + s.evictions_spill + s.evictions_recompute, 0);
    float *back = floats(COUNT);
    for (int i = 0; i < saved; i++) CHECK_STATUS(daf_restore(ctx, handles[i], back, COUNT), DAF_OK);
    CHECK_SIZE(count_over_bound(x, back, COUNT, 8, 256, 0), 0);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(back);
    free(x);
}

static void budget_spill_roundtrip(void) {
    char dir[] = "/tmp/daf-abi-spill-XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL)) return;
    enum { COUNT = 8000, N = 12 };
    float *x = floats(COUNT * N), *back = floats(COUNT), *expected = floats(COUNT);
    fill_varied(x, COUNT * N, 302);
    daf_context *ctx = budget_context(DAF_POLICY_SPILL, 10 * 4096, dir);
    daf_context *reference = new_context(8, 256, DAF_ROUND_NEAREST);
    daf_handle handles[N];
    for (int i = 0; i < N; i++) CHECK_STATUS(daf_save(ctx, x + COUNT * i, COUNT, NULL, &handles[i]), DAF_OK);
    daf_context_stats s = stats_of(ctx);
    CHECK(s.spilled_entries > 0 && s.spill_file_bytes > 0 && s.evictions_spill == s.spilled_entries);
    CHECK(s.pool_peak_capacity_bytes <= 10 * 4096);
    for (int i = 0; i < N; i++) {
        where("entry %d", i);
        daf_handle h = 0;
        CHECK_STATUS(daf_save(reference, x + COUNT * i, COUNT, NULL, &h), DAF_OK);
        CHECK_STATUS(daf_restore(reference, h, expected, COUNT), DAF_OK);
        CHECK_STATUS(daf_restore(ctx, handles[i], back, COUNT), DAF_OK);
        CHECK(memcmp(back, expected, COUNT * sizeof(float)) == 0); /* exactly as from memory */
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

static void budget_recompute_callback(void) {
    enum { COUNT = 8000, N = 10 };
    float *x = floats(COUNT * N), *back = floats(COUNT);
    fill_varied(x, COUNT * N, 303);
    daf_context *ctx = budget_context(DAF_POLICY_RECOMPUTE, 10 * 4096, NULL);
    recompute_data data[N];
    daf_handle handles[N];
    save_recomputable(ctx, x, COUNT, N, recompute_copy, data, handles);
    daf_entry_info info;
    info.struct_size = sizeof info;
    CHECK_STATUS(daf_handle_info(ctx, handles[0], &info), DAF_OK);
    CHECK(info.state == DAF_ENTRY_DROPPED); /* the least important went first */
    CHECK_STATUS(daf_restore(ctx, handles[0], back, COUNT), DAF_OK);
    CHECK(memcmp(back, x, COUNT * sizeof(float)) == 0 && data[0].calls == 1);
    data[0].fail = 1;
    CHECK_STATUS(daf_restore(ctx, handles[0], back, COUNT), DAF_E_RECOMPUTE_FAILED);
    daf_context_stats s = stats_of(ctx);
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

static void caller_float_environment_in_contexts(void) {
    /* Saves and restores (sync and async) give the same values under a host that rounds
     * upward as in the default environment; a recompute callback runs in the host's
     * environment, and the host has it back after each call. */
    enum { COUNT = 8000, N = 10 };
    float *x = floats(COUNT * N), *expected = floats(COUNT), *back = floats(COUNT);
    fill_varied(x, COUNT * N, 404);
    /* Nearest rounding: a context's stochastic seed changes from save to save. */
    daf_context *ctx = new_context(2, 256, DAF_ROUND_NEAREST);
    daf_handle h = save_with_bits(ctx, x, COUNT, 0);
    CHECK_STATUS(daf_restore(ctx, h, expected, COUNT), DAF_OK);
    CHECK_STATUS(daf_release(ctx, h), DAF_OK);
    fenv_t saved;
    fegetenv(&saved);
    fesetround(FE_UPWARD);
    h = save_with_bits(ctx, x, COUNT, 0);
    CHECK_STATUS(daf_restore(ctx, h, back, COUNT), DAF_OK);
    CHECK(memcmp(back, expected, COUNT * sizeof(float)) == 0);
    CHECK_STATUS(daf_release(ctx, h), DAF_OK);
    daf_save_params params;
    daf_save_params_init(&params);
    CHECK_STATUS(daf_save_async(ctx, x, COUNT, &params, &h), DAF_OK);
    CHECK_STATUS(daf_wait(ctx, h), DAF_OK);
    CHECK_STATUS(daf_restore(ctx, h, back, COUNT), DAF_OK);
    CHECK(memcmp(back, expected, COUNT * sizeof(float)) == 0);
    CHECK(fegetround() == FE_UPWARD);

    daf_context *dropping = budget_context(DAF_POLICY_RECOMPUTE, 10 * 4096, NULL);
    recompute_data data[N];
    daf_handle handles[N];
    save_recomputable(dropping, x, COUNT, N, recompute_noting_rounding, data, handles);
    CHECK_STATUS(daf_restore(dropping, handles[0], back, COUNT), DAF_OK);
    CHECK(data[0].calls == 1 && g_callback_rounding == FE_UPWARD);
    CHECK(fegetround() == FE_UPWARD);
    fesetenv(&saved);
    CHECK_STATUS(daf_destroy(dropping), DAF_OK);
    CHECK_STATUS(daf_destroy(ctx), DAF_OK);
    free(x);
    free(expected);
    free(back);
}

/* ============================================================================================
 * The case list and the runner
 * ========================================================================================== */

#define CASE_LIST(X)                                      \
    X(version_number_matches_header)                      \
    X(version_string_matches_header)                      \
    X(status_values_are_frozen)                           \
    X(status_names_match_list)                            \
    X(status_messages_match_list)                         \
    X(unknown_status_codes)                               \
    X(quantize_params_init_defaults)                      \
    X(options_init_defaults)                              \
    X(save_params_init_defaults)                          \
    X(init_functions_reject_null)                         \
    X(packed_bound_matches_documented_layout)             \
    X(packed_bound_rejects_invalid_params)                \
    X(packed_size_equals_bound_for_finite_data)           \
    X(packed_size_adds_12_per_nonfinite)                  \
    X(roundtrip_nearest_within_bound)                     \
    X(roundtrip_stochastic_within_bound)                  \
    X(roundtrip_group_size_limits)                        \
    X(stochastic_is_reproducible)                         \
    X(stochastic_is_unbiased)                             \
    X(caller_float_environment)                           \
    X(nearest_blob_matches_reference_encoder)             \
    X(stochastic_blob_matches_reference_encoder)          \
    X(extreme_values_match_reference_encoder)             \
    X(extreme_values_within_bound)                        \
    X(nonfinite_values_come_back_bit_exact)               \
    X(all_nonfinite_group)                                \
    X(constant_group_is_exact)                            \
    X(blob_header_fields)                                 \
    X(packed_info_describes_blob)                         \
    X(blob_at_any_alignment)                              \
    X(trailing_bytes_are_ignored)                         \
    X(zero_count_blob)                                    \
    X(dst_too_small_reports_needed_size)                  \
    X(range_unpack_equals_full_unpack)                    \
    X(range_unpack_past_end_is_out_of_range)              \
    X(minmax_values)                                      \
    X(codec_null_arguments)                               \
    X(codec_null_params_mean_defaults)                    \
    X(codec_zero_count_allows_null_pointers)              \
    X(context_null_arguments)                             \
    X(context_null_ctx_is_rejected)                       \
    X(async_and_thread_calls_check_arguments)             \
    X(codec_misaligned_float_pointers)                    \
    X(context_misaligned_float_pointers)                  \
    X(codec_count_overflow)                               \
    X(context_count_overflow)                             \
    X(codec_invalid_params)                               \
    X(create_rejects_invalid_options)                     \
    X(save_rejects_invalid_bits)                          \
    X(save_rejects_nonfinite_importance)                  \
    X(set_importance_checks_value)                        \
    X(struct_size_too_small_is_rejected)                  \
    X(exact_struct_size_is_accepted)                      \
    X(larger_input_struct_with_zero_tail_is_accepted)     \
    X(larger_input_struct_with_nonzero_tail_is_rejected)  \
    X(larger_output_struct_tail_is_zeroed)                \
    X(truncated_blob_is_corrupt)                          \
    X(flipped_header_bit_is_rejected)                     \
    X(wrong_magic_is_corrupt)                             \
    X(format_version_2_is_unsupported)                    \
    X(inconsistent_header_fields_are_corrupt)             \
    X(bad_group_table_is_corrupt)                         \
    X(bad_nonfinite_list_is_corrupt)                      \
    X(count_mismatch_is_size_mismatch)                    \
    X(save_restore_release_roundtrip)                     \
    X(context_stochastic_rounding)                        \
    X(context_stochastic_seed_per_save)                   \
    X(context_keeps_nonfinite_values)                     \
    X(zero_count_save)                                    \
    X(handle_zero_is_unknown)                             \
    X(released_handle_is_unknown)                         \
    X(double_release_is_unknown)                          \
    X(other_contexts_handle_is_unknown)                   \
    X(handles_are_never_reused)                           \
    X(destroy_twice_is_invalid_context)                   \
    X(calls_on_destroyed_context_are_invalid_context)     \
    X(foreign_pointer_is_invalid_context)                 \
    X(restore_wrong_count_is_size_mismatch)               \
    X(restore_range_equals_full_restore)                  \
    X(restore_range_past_end_is_out_of_range)             \
    X(bits_override_per_save)                             \
    X(stats_fresh_context_all_zero)                       \
    X(stats_counters)                                     \
    X(failed_calls_do_not_count)                          \
    X(last_error_after_context_failure)                   \
    X(last_error_after_codec_failure)                     \
    X(threads_share_one_context)                          \
    X(threads_with_separate_contexts)                     \
    X(restore_races_release)                              \
    X(pool_options_init_defaults)                         \
    X(pool_null_arguments)                                \
    X(pool_invalid_pool_is_rejected)                      \
    X(pool_rejects_invalid_options)                       \
    X(pool_alloc_checks_arguments)                        \
    X(pool_unknown_blocks)                                \
    X(pool_range_checks)                                  \
    X(pool_roundtrip_and_stats)                           \
    X(pool_stats_struct_size)                             \
    X(create_rejects_invalid_budget_options)              \
    X(budget_calls_check_arguments)                       \
    X(budget_fail_policy_refuses)                         \
    X(budget_spill_roundtrip)                             \
    X(budget_recompute_callback)                          \
    X(caller_float_environment_in_contexts)

typedef struct test_case {
    const char *name;
    void (*run)(void);
} test_case;

#define CASE_ENTRY_(name) {#name, name},
static const test_case cases[] = {CASE_LIST(CASE_ENTRY_)};
#undef CASE_ENTRY_

/* Runs one case in this process; returns its number of failed checks. */
static long run_here(const test_case *c) {
    g_case_checks = 0;
    g_case_failures = 0;
    g_where[0] = '\0';
    c->run();
    if (g_case_checks == 0) {
        printf("  %s: the case made no check\n", c->name);
        g_case_failures++;
    }
    return g_case_failures;
}

/* Runs one case in a child process; returns 1 if it passed. */
static int run_isolated(const test_case *c) {
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return run_here(c) == 0;
    }
    if (child == 0) {
        alarm(CASE_TIMEOUT_SECONDS);
        long failures = run_here(c);
        fflush(stdout);
        _exit(failures == 0 ? 0 : 1);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
        /* interrupted: wait again */
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGALRM) {
            printf("  %s: timed out after %d s (a hang or deadlock in the library?)\n", c->name,
                   CASE_TIMEOUT_SECONDS);
        } else {
            printf("  %s: CRASHED with signal %d (%s) — the library must return a status instead\n",
                   c->name, sig, strsignal(sig));
        }
        return 0;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv) {
    int isolate = 1, list = 0;
    int filters = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-fork") == 0) isolate = 0;
        else if (strcmp(argv[i], "--list") == 0) list = 1;
        else filters++;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("abi_test: header %s, library %s\n", DAF_VERSION_STRING, daf_version_string());
    int passed = 0, failed = 0;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const test_case *c = &cases[k];
        if (filters > 0) {
            int wanted = 0;
            for (int i = 1; i < argc; i++)
                if (argv[i][0] != '-' && strstr(c->name, argv[i]) != NULL) wanted = 1;
            if (!wanted) continue;
        }
        if (list) {
            printf("%s\n", c->name);
            continue;
        }
        int ok = isolate ? run_isolated(c) : run_here(c) == 0;
        printf("%s %s\n", ok ? "PASS" : "FAIL", c->name);
        if (ok) passed++;
        else failed++;
    }
    if (list) return 0;
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
