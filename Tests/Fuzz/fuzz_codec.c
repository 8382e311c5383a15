/* SPDX-License-Identifier: MIT */
/*
 * fuzz_codec.c — libFuzzer target: arbitrary bytes as an untrusted packed blob, given to
 * daf_packed_info, daf_unpack_dequantize and daf_unpack_dequantize_range. It aborts when a
 * call returns a status daf.h does not list for it, when the calls disagree about the same
 * blob, or when a range unpack differs from the same range of the full unpack; ASan reports
 * any read or write outside the exact-size buffers. Not a test of the encoder (the seeds are
 * valid blobs, which the mutator takes apart).
 *
 * Input: 8 control bytes (two little-endian uint32: they pick the count given to the full
 * unpack when the header is unreadable and the range; bit 30 of the second asks for the
 * header's hash to be recomputed), then the blob. Without that repair nearly every mutation
 * of the header would stop at the hash check; with it, the fuzzer reaches the validation of
 * every field, the group table and the non-finite list behind it.
 */
#include "tensor_model.h"

#define FAIL(...) MODEL_ABORT("fuzz_codec", __VA_ARGS__)

/* Values decoded from a blob of at most libFuzzer's -max_len are few; this only guards the
 * harness's own allocations. */
#define MAX_VALUES ((size_t)1 << 22)

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* FNV-1a 32 of the header's first 60 bytes, stored little-endian at byte 60 (daf.h). */
static void rehash_header(uint8_t *blob, size_t size) {
    if (size < DAF_PACKED_HEADER_BYTES) return;
    uint32_t h = 2166136261u;
    for (int i = 0; i < 60; i++) h = (h ^ blob[i]) * 16777619u;
    for (int k = 0; k < 4; k++) blob[60 + k] = (uint8_t)(h >> (8 * k));
}

static int is_blob_status(int s) {
    return s == DAF_E_CORRUPT || s == DAF_E_UNSUPPORTED_FORMAT;
}

/* malloc of exactly n floats (at least one byte, so ASan still guards a zero-size buffer). */
static float *floats(size_t n) {
    float *p = malloc(n ? n * sizeof(float) : 1);
    if (!p) FAIL("out of memory for %zu floats", n);
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 8) return 0;
    uint32_t a = le32(data), b = le32(data + 4);
    size_t blob_size = size - 8;
    /* An exact-size copy: any read past the blob is an ASan report. */
    uint8_t *blob = malloc(blob_size ? blob_size : 1);
    if (!blob) FAIL("out of memory");
    memcpy(blob, data + 8, blob_size);
    if (b & 0x40000000u) rehash_header(blob, blob_size);

    daf_packed_information info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    int info_status = daf_packed_info(blob, blob_size, &info);
    if (info_status != DAF_OK && !is_blob_status(info_status))
        FAIL("daf_packed_info returned %s", daf_status_name(info_status));
    if (info_status == DAF_OK) {
        if (info.packed_size > blob_size || info.packed_size < DAF_PACKED_HEADER_BYTES ||
            info.bits > DAF_MAX_BITS || /* 0 is valid: "range only" (daf.h, packed format) */
            info.group_size % DAF_LANES != 0 || info.group_size < DAF_MIN_GROUP_SIZE ||
            info.group_size > DAF_MAX_GROUP_SIZE || info.nonfinite_count > info.count ||
            info.format_version != DAF_PACKED_FORMAT_VERSION || info.reserved != 0)
            FAIL("daf_packed_info accepted a header it describes as bits %u group %u count %llu "
                 "nonfinite %llu size %llu of %zu",
                 info.bits, info.group_size, (unsigned long long)info.count,
                 (unsigned long long)info.nonfinite_count, (unsigned long long)info.packed_size,
                 blob_size);
    }

    /* The full unpack, with the blob's count when the header is readable. */
    size_t count = info_status == DAF_OK ? (size_t)info.count : a % 4096;
    if (count > MAX_VALUES) FAIL("a %zu-byte blob claims %zu values", blob_size, count);
    float *full = floats(count);
    int full_status = daf_unpack_dequantize(blob, blob_size, full, count);
    if (full_status != DAF_OK && !is_blob_status(full_status) && full_status != DAF_E_SIZE_MISMATCH)
        FAIL("daf_unpack_dequantize returned %s", daf_status_name(full_status));
    if (full_status == DAF_OK && info_status != DAF_OK)
        FAIL("daf_unpack_dequantize accepted a blob daf_packed_info rejects (%s)",
             daf_status_name(info_status));
    if (info_status == DAF_OK && full_status == DAF_E_UNSUPPORTED_FORMAT)
        FAIL("daf_unpack_dequantize: unsupported format for a header daf_packed_info read");

    /* A wrong count must be refused before anything is written. */
    if (info_status == DAF_OK && count > 0) {
        float *short_dst = floats(count - 1);
        int s = daf_unpack_dequantize(blob, blob_size, short_dst, count - 1);
        if (s != DAF_E_SIZE_MISMATCH && !is_blob_status(s))
            FAIL("daf_unpack_dequantize with count %zu of %zu returned %s", count - 1, count,
                 daf_status_name(s));
        free(short_dst);
    }

    /* A range: mostly inside the tensor, sometimes past its end. */
    size_t first, n;
    if (b & 0x80000000u) {
        first = (size_t)(a % (count + 17));
        n = (size_t)((b & 0xFFFF) % 64);
    } else {
        first = count ? (size_t)(a % count) : 0;
        n = count - first ? (size_t)(b % (count - first + 1)) : 0;
    }
    float *part = floats(n);
    int range_status = daf_unpack_dequantize_range(blob, blob_size, first, n, part);
    int outside = first > count || n > count - first;
    if (range_status != DAF_OK && !is_blob_status(range_status) && range_status != DAF_E_OUT_OF_RANGE)
        FAIL("daf_unpack_dequantize_range(%zu, %zu) returned %s", first, n,
             daf_status_name(range_status));
    if (info_status == DAF_OK && range_status == DAF_OK && outside)
        FAIL("daf_unpack_dequantize_range(%zu, %zu) of %zu values succeeded", first, n, count);
    if (info_status == DAF_OK && range_status == DAF_E_OUT_OF_RANGE && !outside)
        FAIL("daf_unpack_dequantize_range(%zu, %zu) of %zu values: out of range", first, n, count);
    if (range_status == DAF_OK && info_status != DAF_OK)
        FAIL("daf_unpack_dequantize_range accepted a blob daf_packed_info rejects");
    /* Both succeeded: the range must be those values of the full unpack, bit for bit. */
    if (full_status == DAF_OK && range_status == DAF_OK) {
        for (size_t i = 0; i < n; i++) {
            uint32_t x, y;
            memcpy(&x, &full[first + i], 4);
            memcpy(&y, &part[i], 4);
            if (x != y)
                FAIL("range [%zu, +%zu) value %zu is 0x%08x, the full unpack's 0x%08x", first, n,
                     first + i, y, x);
        }
    }
    /* A range that reads nothing bad may succeed where the full unpack finds corruption (only
     * the overlapping groups are read), never the other way round. */
    if (full_status == DAF_OK && range_status != DAF_OK && range_status != DAF_E_OUT_OF_RANGE)
        FAIL("the full unpack succeeded but the range (%zu, %zu) returned %s", first, n,
             daf_status_name(range_status));

    free(part);
    free(full);
    free(blob);
    return 0;
}
