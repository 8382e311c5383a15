/* SPDX-License-Identifier: MIT */
/* abi_test: struct_size handling of versioned structs. */
#include "abi_test.h"

/* ============================================================================================
 * struct_size
 * ========================================================================================== */

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
    daf_packed_information s;
    unsigned char bytes[sizeof(daf_packed_information) + TAIL];
    uint64_t align_;
} big_blob_info;
typedef union {
    daf_context_statistics s;
    unsigned char bytes[sizeof(daf_context_statistics) + TAIL];
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

void struct_size_too_small_is_rejected(void) {
    const uint32_t qp = sizeof(daf_quantize_params), op = sizeof(daf_options),
                   sp = sizeof(daf_save_params), bi = sizeof(daf_packed_information),
                   cs = sizeof(daf_context_statistics);
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

void exact_struct_size_is_accepted(void) {
    CHECK_STATUS(try_quantize_params(sizeof(daf_quantize_params), 0xFF), DAF_OK);
    CHECK_STATUS(try_options(sizeof(daf_options), 0xFF), DAF_OK);
    CHECK_STATUS(try_save_params(sizeof(daf_save_params), 0xFF), DAF_OK);
    CHECK_STATUS(try_blob_info(sizeof(daf_packed_information)), DAF_OK);
    CHECK_STATUS(try_context_stats(sizeof(daf_context_statistics)), DAF_OK);
}

void larger_input_struct_with_zero_tail_is_accepted(void) {
    CHECK_STATUS(try_quantize_params(sizeof(daf_quantize_params) + TAIL, 0), DAF_OK);
    CHECK_STATUS(try_options(sizeof(daf_options) + TAIL, 0), DAF_OK);
    CHECK_STATUS(try_save_params(sizeof(daf_save_params) + TAIL, 0), DAF_OK);
}

void larger_input_struct_with_nonzero_tail_is_rejected(void) {
    CHECK_STATUS(try_quantize_params(sizeof(daf_quantize_params) + TAIL, 1), DAF_E_STRUCT_SIZE);
    CHECK_STATUS(try_options(sizeof(daf_options) + TAIL, 1), DAF_E_STRUCT_SIZE);
    CHECK_STATUS(try_save_params(sizeof(daf_save_params) + TAIL, 1), DAF_E_STRUCT_SIZE);
}

void larger_output_struct_tail_is_zeroed(void) {
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
