/* SPDX-License-Identifier: MIT */
/* abi_test: damaged blobs are rejected with their documented status. */
#include "abi_test.h"

/* ============================================================================================
 * Damaged blobs
 * ========================================================================================== */

/* A small blob with two groups and one non-finite value, so every section is present. */
static unsigned char *small_blob(float *x, size_t count, size_t *size) {
    fill_varied(x, count, 131);
    x[count / 2] = NAN;
    return lib_pack(x, count, 3, 16, DAF_ROUND_NEAREST, 0, size);
}

void truncated_blob_is_corrupt(void) {
    float x[40];
    size_t size = 0;
    unsigned char *blob = small_blob(x, 40, &size);
    float out[40];
    daf_packed_information info;
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

void flipped_header_bit_is_rejected(void) {
    float x[40];
    size_t size = 0;
    unsigned char *blob = small_blob(x, 40, &size);
    float out[40];
    daf_packed_information info;
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

void wrong_magic_is_corrupt(void) {
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
        daf_packed_information info;
        info.struct_size = sizeof info;
        CHECK_STATUS(daf_packed_info(blob, size, &info), DAF_E_CORRUPT);
    }
    free(blob);
}

void format_version_2_is_unsupported(void) {
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
    daf_packed_information info;
    info.struct_size = sizeof info;
    CHECK_STATUS(daf_packed_info(blob, size, &info), DAF_E_UNSUPPORTED_FORMAT);
    free(blob);
}

/* Header fields edited to impossible values with the hash recomputed: only the field is wrong. */
void inconsistent_header_fields_are_corrupt(void) {
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
        daf_packed_information info;
        info.struct_size = sizeof info;
        CHECK_STATUS(daf_packed_info(blob, size, &info), DAF_E_CORRUPT);
    }
    free(out);
    free(blob);
    free(original);
}

void bad_group_table_is_corrupt(void) {
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

void bad_nonfinite_list_is_corrupt(void) {
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

void count_mismatch_is_size_mismatch(void) {
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
