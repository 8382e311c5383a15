/* SPDX-License-Identifier: MIT */
/* abi_test: codec round trips within the documented bound. */
#include "abi_test.h"

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

void roundtrip_nearest_within_bound(void) { roundtrip_all_bits(DAF_ROUND_NEAREST); }

void roundtrip_stochastic_within_bound(void) { roundtrip_all_bits(DAF_ROUND_STOCHASTIC); }

void roundtrip_group_size_limits(void) {
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

void stochastic_is_reproducible(void) {
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

void stochastic_is_unbiased(void) {
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

#if defined(__aarch64__)
/* AArch64's floating-point control register; <fenv.h> has no name for its FZ bit. */
#define FPCR_FZ (1ul << 24)
static unsigned long fpcr_read(void) {
    unsigned long value;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(value));
    return value;
}
static void fpcr_write(unsigned long value) { __asm__ __volatile__("msr fpcr, %0" : : "r"(value)); }
#endif

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
#elif defined(__aarch64__)
    case 2: /* flush-to-zero (FPCR.FZ), as ML frameworks set it for speed */
        if (set) fpcr_write(fpcr_read() | FPCR_FZ);
        return set ? 1 : CHECK((fpcr_read() & FPCR_FZ) == FPCR_FZ);
#endif
    default: return 0;
    }
}

void caller_float_environment(void) {
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
