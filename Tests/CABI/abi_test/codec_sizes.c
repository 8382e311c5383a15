/* SPDX-License-Identifier: MIT */
/* abi_test: codec size cases (bound and packed size). */
#include "abi_test.h"

/* ============================================================================================
 * Codec: sizes
 * ========================================================================================== */

void packed_bound_matches_documented_layout(void) {
    static const size_t counts[] = {0, 1, 15, 16, 17, 31, 33, 255, 256, 257, 511, 4097, 65537, 1000003};
    static const uint32_t groups[] = {16, 32, 48, 256, 4096, 65536};
    for (uint32_t bits = DAF_MIN_BITS; bits <= DAF_MAX_BITS; bits++) {
        for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
                where("bits=%u group_size=%u count=%zu", bits, groups[g], counts[c]);
                CHECK_SIZE(daf_packed_bound_finite(counts[c], bits, groups[g]),
                           ref_packed_size(counts[c], bits, groups[g], 0));
                /* The true bound: every value NaN or ±Inf. */
                CHECK_SIZE(daf_packed_bound(counts[c], bits, groups[g]),
                           ref_packed_size(counts[c], bits, groups[g], counts[c]));
            }
        }
    }
    where("count 0");
    CHECK_SIZE(daf_packed_bound_finite(0, 2, 256), DAF_PACKED_HEADER_BYTES);
}

void packed_bound_rejects_invalid_params(void) {
    static const uint32_t bad_bits[] = {0, 9, 16, 32, UINT32_MAX};
    static const uint32_t bad_groups[] = {0, 8, 15, 17, 24, 65552, 131072, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad_bits / sizeof bad_bits[0]; i++) {
        where("bits=%u", bad_bits[i]);
        CHECK_SIZE(daf_packed_bound_finite(100, bad_bits[i], 256), 0);
        CHECK_SIZE(daf_packed_bound(100, bad_bits[i], 256), 0);
    }
    for (size_t i = 0; i < sizeof bad_groups / sizeof bad_groups[0]; i++) {
        where("group_size=%u", bad_groups[i]);
        CHECK_SIZE(daf_packed_bound_finite(100, 2, bad_groups[i]), 0);
        CHECK_SIZE(daf_packed_bound(100, 2, bad_groups[i]), 0);
    }
    where("count near SIZE_MAX");
    CHECK_SIZE(daf_packed_bound_finite(SIZE_MAX, 2, 256), 0);
    CHECK_SIZE(daf_packed_bound(SIZE_MAX, 2, 256), 0);
    CHECK_SIZE(daf_packed_bound(((size_t)1 << 58) + 1, 8, 16), 0);
    CHECK_SIZE(daf_packed_bound_finite(SIZE_MAX, 8, 16), 0);
    CHECK_SIZE(daf_packed_bound_finite(SIZE_MAX / 2, 8, 16), 0);
    /* daf.h: a tensor holds at most 2^58 values. */
    CHECK_SIZE(daf_packed_bound_finite(((size_t)1 << 58) + 1, 8, 16), 0);
    CHECK(daf_packed_bound_finite((size_t)1 << 58, 8, 16) > ((size_t)1 << 58));
}

void packed_size_equals_bound_for_finite_data(void) {
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
            CHECK_SIZE(size, daf_packed_bound_finite(odd_counts[c], bits, 256));
        }
    }
    free(x);
}

void packed_size_adds_12_per_nonfinite(void) {
    const size_t count = 5000;
    float *x = floats(count);
    fill_varied(x, count, 12);
    static const size_t places[] = {0, 1, 17, 255, 256, 1000, 4095, 4999};
    for (size_t k = 0; k < sizeof places / sizeof places[0]; k++) {
        x[places[k]] = k % 3 == 0 ? NAN : k % 3 == 1 ? INFINITY : -INFINITY;
        where("%zu non-finite values", k + 1);
        size_t size = 0;
        CHECK_STATUS(daf_packed_size(x, count, NULL, &size), DAF_OK);
        CHECK_SIZE(size, daf_packed_bound_finite(count, DAF_DEFAULT_BITS, DAF_DEFAULT_GROUP_SIZE) +
                             DAF_PACKED_NONFINITE_BYTES * (k + 1));
        size_t blob_size = 0;
        unsigned char *blob = lib_pack(x, count, DAF_DEFAULT_BITS, DAF_DEFAULT_GROUP_SIZE,
                                       DAF_ROUND_NEAREST, 0, &blob_size);
        CHECK_SIZE(blob_size, size);
        free(blob);
    }
    free(x);
}
