/* SPDX-License-Identifier: MIT */
/* abi_test: the packed format is exactly the documented one. */
#include "abi_test.h"

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

void nearest_blob_matches_reference_encoder(void) {
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

void stochastic_blob_matches_reference_encoder(void) {
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

void extreme_values_match_reference_encoder(void) {
    float x[16 * 10];
    size_t count = fill_extremes(x);
    static const uint32_t groups[] = {16, 32, 160};
    compare_with_reference(x, count, DAF_ROUND_NEAREST, groups, 3);
    compare_with_reference(x, count, DAF_ROUND_STOCHASTIC, groups, 3);
}

void extreme_values_within_bound(void) {
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

void nonfinite_values_come_back_bit_exact(void) {
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

void all_nonfinite_group(void) {
    const size_t count = 600;
    float *x = floats(count);
    fill_varied(x, count, 72);
    for (size_t i = 256; i < 512; i++) x[i] = i % 2 ? NAN : -INFINITY;
    size_t size = 0;
    unsigned char *blob = lib_pack(x, count, 4, 256, DAF_ROUND_NEAREST, 0, &size);
    CHECK_SIZE(size, daf_packed_bound_finite(count, 4, 256) + 256 * DAF_PACKED_NONFINITE_BYTES);
    float *out = lib_unpack(blob, size, count);
    CHECK_SIZE(count_over_bound(x, out, count, 4, 256, 0), 0);
    free(out);
    free(blob);
    free(x);
}

void constant_group_is_exact(void) {
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

void blob_header_fields(void) {
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

void packed_info_describes_blob(void) {
    const size_t count = 777;
    float *x = floats(count);
    fill_varied(x, count, 82);
    x[0] = -INFINITY;
    size_t size = 0;
    unsigned char *blob = lib_pack(x, count, 7, 32, DAF_ROUND_STOCHASTIC, 4242, &size);
    daf_packed_information info;
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

void blob_at_any_alignment(void) {
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
        daf_packed_information info;
        info.struct_size = sizeof info;
        CHECK_STATUS(daf_packed_info(buffer + shift, size, &info), DAF_OK);
    }
    free(out);
    free(expected);
    free(buffer);
    free(aligned);
    free(x);
}

void trailing_bytes_are_ignored(void) {
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
    daf_packed_information info;
    info.struct_size = sizeof info;
    CHECK_STATUS(daf_packed_info(longer, size + 100, &info), DAF_OK);
    CHECK_SIZE(info.packed_size, size);
    free(out);
    free(expected);
    free(longer);
    free(blob);
    free(x);
}

void zero_count_blob(void) {
    float one = 1.0f;
    unsigned char blob[256];
    size_t size = 0;
    CHECK_STATUS(daf_quantize_pack(&one, 0, NULL, blob, sizeof blob, &size), DAF_OK);
    CHECK_SIZE(size, DAF_PACKED_HEADER_BYTES);
    daf_packed_information info;
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
void dst_too_small_reports_needed_size(void) {
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

void range_unpack_equals_full_unpack(void) {
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

void range_unpack_past_end_is_out_of_range(void) {
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

void minmax_values(void) {
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
