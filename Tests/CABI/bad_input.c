/* SPDX-License-Identifier: MIT */
/*
 * bad_input.c — the bad-input matrix of libdaf's C ABI: for every function of daf.h,
 * every kind of bad argument, one case per line in CASES below, each checked for the status
 * daf.h documents and, for a failure, a non-empty daf_last_error detail. It is not a test of
 * what good input gives (abi_test/ does that); it only shows that bad input cannot crash the
 * host, lose data or pass unnoticed. Built through pkg-config like abi_test (see run.sh);
 * .scripts/bad-input-table.sh turns CASES into the "Bad input" table of Tests/README.md.
 *
 * Every case runs in its own child process (fork), which builds a fresh fixture, so a trap or
 * a hang fails that case only and is reported by name.
 * Usage: bad_input [--list] [SUBSTRING...]   (runs the cases whose id or function contains one)
 * Output: one PASS/FAIL line per case, then `N passed, N failed`; exit status 0 only if all passed.
 */
#define _GNU_SOURCE /* syscall() for the open() interposer, O_CLOEXEC */

#include <daf.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ============================================================================================
 * Results that are not daf.h statuses: what a non-status call returned, or a test's verdict.
 * ========================================================================================== */

#define RETURNS_0 1000          /* a size_t call returned 0, as documented for bad input */
#define NON_NULL_STRING 1001    /* a string call returned a non-NULL string */
#define UNKNOWN_STATUS_NAME 1002 /* daf_status_name returned "DAF_E_UNKNOWN_STATUS" */
#define WRONG_DATA (-1000)      /* the call succeeded but wrote wrong values or sizes */
#define SETUP_FAILED (-1001)    /* the case's own preparation failed (not the library's fault) */

static const char *result_name(int result) {
    switch (result) {
    case RETURNS_0: return "returns 0";
    case NON_NULL_STRING: return "a non-NULL string";
    case UNKNOWN_STATUS_NAME: return "\"DAF_E_UNKNOWN_STATUS\"";
    case WRONG_DATA: return "wrong data";
    case SETUP_FAILED: return "setup failed";
    default: return daf_status_name(result);
    }
}

/* ============================================================================================
 * The fixture every case starts from (built in the child, so no case sees another's state).
 * ========================================================================================== */

enum { N = 1000, MAX_PAGE = 65536 };

/* The OS page size (sysconf(_SC_PAGESIZE): 4, 16 or 64 KiB), the pool page of the budget cases,
 * and the values of each spill-case tensor: one page of 8-bit codes plus the header and group
 * table, so two pages whatever the page size. Set by main. */
static size_t PAGE, SPILL_N;

typedef union big_struct {
    unsigned char bytes[8192];
    uint64_t align_u64;
    void *align_pointer;
} big_struct;

typedef struct fixture {
    daf_context *ctx;   /* live: threads 1, defaults (2 bits, group 256, no budget) */
    daf_context *other; /* another live context */
    daf_context *dead;  /* created, then destroyed */
    daf_context *fake;  /* the address of an ordinary object: never a context */
    daf_handle h;       /* x saved in ctx */
    daf_handle released; /* saved in ctx, then released */
    daf_handle foreign; /* saved in other */
    float x[N];         /* varied values; NaN at 7, +Inf at 300, -Inf at 999 */
    float out[N + 64];
    float *mis;         /* a float pointer one byte off alignment (never dereferenced by us) */
    uint32_t mis_storage[N + 2];
    unsigned char *blob; /* x packed at 4 bits, groups of 256 */
    size_t blob_size;
    size_t codes_at, list_at; /* offsets of the codes and of the non-finite list in blob */
    unsigned char *work; /* a copy of blob to damage, with 64 spare bytes */
    daf_pool *pool, *other_pool, *dead_pool, *fake_pool;
    daf_pool_block block, freed; /* a 100-byte block of pool; a freed one */
    daf_handle hout;
    daf_pool_block bout;
    size_t size;
    float lo, hi;
    unsigned char bytes[256];
    daf_quantize_params qp;
    daf_options opt;
    daf_save_params sp;
    daf_pool_options po;
    daf_packed_information bi;
    daf_context_statistics cs;
    daf_handle_information ei;
    daf_pool_statistics ps;
    big_struct big;
} fixture;

static fixture F;
static char g_base_dir[PATH_MAX - 64]; /* the run's temporary directory (spill cases) */

/* Struct variants: a fresh default struct with one field changed (comma expressions, so that
 * each case stays one line). */
#define QP(field, value) (daf_quantize_params_init(&F.qp), F.qp.field = (value), &F.qp)
#define OPT(field, value) (daf_options_init(&F.opt), F.opt.threads = 1, F.opt.field = (value), &F.opt)
#define SP(field, value) (daf_save_params_init(&F.sp), F.sp.field = (value), &F.sp)
#define PO(field, value) (daf_pool_options_init(&F.po), F.po.field = (value), &F.po)

/* An input struct of `known` bytes copied into F.big with struct_size = size; when tail is
 * nonzero, the byte just before `size` (beyond the known struct) is set to it. */
static void *in_struct(const void *s, size_t known, uint32_t size, unsigned char tail) {
    memset(&F.big, 0, sizeof F.big);
    memcpy(F.big.bytes, s, known);
    memcpy(F.big.bytes, &size, sizeof size);
    if (tail != 0 && size > known && size <= sizeof F.big.bytes) F.big.bytes[size - 1] = tail;
    return F.big.bytes;
}
static daf_quantize_params *in_qp(uint32_t size, unsigned char tail) {
    daf_quantize_params s;
    daf_quantize_params_init(&s);
    return in_struct(&s, sizeof s, size, tail);
}
static daf_options *in_opt(uint32_t size, unsigned char tail) {
    daf_options s;
    daf_options_init(&s);
    s.threads = 1;
    return in_struct(&s, sizeof s, size, tail);
}
static daf_save_params *in_sp(uint32_t size, unsigned char tail) {
    daf_save_params s;
    daf_save_params_init(&s);
    return in_struct(&s, sizeof s, size, tail);
}
static daf_pool_options *in_po(uint32_t size, unsigned char tail) {
    daf_pool_options s;
    daf_pool_options_init(&s);
    return in_struct(&s, sizeof s, size, tail);
}

/* An output struct in F.big: struct_size = size, every other byte 0xEE. */
static void *out_struct(uint32_t size) {
    memset(&F.big, 0xEE, sizeof F.big);
    memcpy(F.big.bytes, &size, sizeof size);
    return F.big.bytes;
}

/* For a struct_size larger than the library knows: OK, and the unknown tail zeroed. */
static int tail_zeroed(int status, size_t known, uint32_t size) {
    if (status != DAF_OK) return status;
    uint32_t written;
    memcpy(&written, F.big.bytes, sizeof written);
    if (written != size) return WRONG_DATA;
    for (size_t i = known; i < size; i++)
        if (F.big.bytes[i] != 0) return WRONG_DATA;
    return DAF_OK;
}

/* Creates a context from options and destroys it again; the status of the create. */
static int create_with(const daf_options *options) {
    daf_context *ctx = (daf_context *)&F; /* must be set to NULL on failure */
    int status = daf_create(options, &ctx);
    if (status == DAF_OK) {
        if (ctx == NULL) return WRONG_DATA;
        daf_destroy(ctx);
    } else if (ctx != NULL) {
        return WRONG_DATA;
    }
    return status;
}

static int pool_create_with(const daf_pool_options *options) {
    daf_pool *pool = (daf_pool *)&F;
    int status = daf_pool_create(options, &pool);
    if (status == DAF_OK) {
        if (pool == NULL) return WRONG_DATA;
        daf_pool_destroy(pool);
    } else if (pool != NULL) {
        return WRONG_DATA;
    }
    return status;
}

/* ============================================================================================
 * Detail messages. Before each case's call, a codec call fails on purpose (the "sentinel"), so
 * a context's slot is empty and the context-less slot holds a known text: a detail seen after
 * the call is the call's own.
 * ========================================================================================== */

static char g_sentinel[300];

static void arm(void) {
    daf_codec_set_threads(999999); /* a value no case uses, so its text is unique */
    snprintf(g_sentinel, sizeof g_sentinel, "%s", daf_last_error(NULL));
}

/* Whose detail a case checks: daf_last_error(NULL) for context-less calls (and a NULL ctx),
 * or of the context the call was given. */
enum detail_owner { LE_NULL, LE_CTX, LE_DEAD, LE_FAKE, LE_POOL, LE_NONE };

static const char *detail_of(enum detail_owner owner) {
    switch (owner) {
    case LE_NULL: return daf_last_error(NULL);
    case LE_CTX: return daf_last_error(F.ctx);
    case LE_DEAD: return daf_last_error(F.dead);
    case LE_FAKE: return daf_last_error(F.fake);
    case LE_POOL: return daf_last_error((daf_context *)(void *)F.pool);
    case LE_NONE: return "";
    }
    return "";
}

/* ============================================================================================
 * Little helpers the cases call.
 * ========================================================================================== */

static uint32_t fnv1a32(const unsigned char *bytes, size_t n) {
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        hash ^= bytes[i];
        hash *= 16777619u;
    }
    return hash;
}
static void put_le(unsigned char *p, uint64_t v, int width) {
    for (int i = 0; i < width; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static int is_zero(size_t got) { return got == 0 ? RETURNS_0 : WRONG_DATA; }
static int non_null(const char *s) { return s != NULL ? NON_NULL_STRING : WRONG_DATA; }
static int non_empty(const char *s) { return s != NULL && s[0] != '\0' ? NON_NULL_STRING : WRONG_DATA; }
static int unknown_name(const char *s) {
    return s != NULL && strcmp(s, "DAF_E_UNKNOWN_STATUS") == 0 ? UNKNOWN_STATUS_NAME : WRONG_DATA;
}

/* F.work := F.blob with `width` bytes at `offset` set to value; rehash recomputes the header
 * hash, so only the edited field is wrong. Returns F.work. */
static unsigned char *edited(size_t offset, int width, uint64_t value, int rehash) {
    memcpy(F.work, F.blob, F.blob_size);
    put_le(F.work + offset, value, width);
    if (rehash) put_le(F.work + 60, fnv1a32(F.work, 60), 4);
    return F.work;
}
static int unpack_edited(size_t offset, int width, uint64_t value, int rehash) {
    edited(offset, width, value, rehash);
    arm();
    return daf_unpack_dequantize(F.work, F.blob_size, F.out, N);
}
static int info_edited(size_t offset, int width, uint64_t value, int rehash) {
    edited(offset, width, value, rehash);
    F.bi.struct_size = sizeof F.bi;
    arm();
    return daf_packed_info(F.work, F.blob_size, &F.bi);
}
/* Every one of the 64 header bytes flipped in turn, hash not updated: each must be refused
 * by both readers; returns the first status that is not DAF_E_CORRUPT. */
static int every_header_byte_flipped(void) {
    for (size_t i = 0; i < DAF_PACKED_HEADER_BYTES; i++) {
        for (int which = 0; which < 2; which++) {
            edited(i, 1, F.blob[i] ^ 0x10u, 0);
            F.bi.struct_size = sizeof F.bi;
            arm();
            int status = which == 0 ? daf_unpack_dequantize(F.work, F.blob_size, F.out, N)
                                    : daf_packed_info(F.work, F.blob_size, &F.bi);
            if (status != DAF_E_CORRUPT) return status == DAF_OK ? WRONG_DATA : status;
        }
    }
    return DAF_E_CORRUPT;
}
/* Every shorter length of the blob: refused, and dst untouched (the blob is validated first). */
static int every_truncation(void) {
    for (size_t size = 0; size < F.blob_size; size++) {
        memset(F.out, 0x5A, sizeof F.out);
        arm();
        int status = daf_unpack_dequantize(F.blob, size, F.out, N);
        if (status != DAF_E_CORRUPT) return status == DAF_OK ? WRONG_DATA : status;
        for (size_t i = 0; i < N; i++)
            if (bits_of(F.out[i]) != 0x5A5A5A5Au) return WRONG_DATA;
    }
    return DAF_E_CORRUPT;
}

/* got[0..count) compared bit for bit with a decode of the untouched blob. */
static int same_as_reference(const float *got, size_t count) {
    float *ref = malloc(sizeof(float) * N);
    if (ref == NULL || daf_unpack_dequantize(F.blob, F.blob_size, ref, N) != DAF_OK) {
        free(ref);
        return SETUP_FAILED;
    }
    int same = memcmp(got, ref, count * sizeof(float)) == 0;
    free(ref);
    return same ? DAF_OK : WRONG_DATA;
}

/* The blob copied to an odd address and decoded there (packed blobs may have any alignment). */
static int unpack_at_odd_address(void) {
    memcpy(F.work + 1, F.blob, F.blob_size);
    int status = daf_unpack_dequantize(F.work + 1, F.blob_size, F.out, N);
    return status != DAF_OK ? status : same_as_reference(F.out, N);
}
static int info_at_odd_address(void) {
    memcpy(F.work + 3, F.blob, F.blob_size);
    F.bi.struct_size = sizeof F.bi;
    int status = daf_packed_info(F.work + 3, F.blob_size, &F.bi);
    return status != DAF_OK ? status : F.bi.count == N && F.bi.packed_size == F.blob_size ? DAF_OK : WRONG_DATA;
}
static int pack_to_odd_address(void) {
    daf_quantize_params_init(&F.qp);
    F.qp.bits = 4;
    int status = daf_quantize_pack(F.x, N, &F.qp, F.work + 1, F.blob_size, &F.size);
    return status != DAF_OK ? status : F.size == F.blob_size && memcmp(F.work + 1, F.blob, F.blob_size) == 0 ? DAF_OK : WRONG_DATA;
}
static int unpack_with_src_size_max(void) {
    int status = daf_unpack_dequantize(F.blob, SIZE_MAX, F.out, N);
    return status != DAF_OK ? status : same_as_reference(F.out, N);
}

/* NaN and ±Inf come back bit-exact, the rest as a normal decode would give. */
static int nonfinite_exact(const float *src, const float *got, size_t count) {
    for (size_t i = 0; i < count; i++) {
        int finite = (bits_of(src[i]) & 0x7F800000u) != 0x7F800000u;
        if (!finite && bits_of(got[i]) != bits_of(src[i])) return WRONG_DATA;
        if (finite && !isfinite(got[i])) return WRONG_DATA;
    }
    return DAF_OK;
}
/* Edits that leave a valid blob: a decode succeeds, and every value is finite or one of x's
 * NaN/Inf at its place (with same = 1: bit-identical to the original decode). */
static int unpack_edited_still_valid(size_t offset, int width, uint64_t value, int rehash, int same) {
    edited(offset, width, value, rehash);
    int status = daf_unpack_dequantize(F.work, F.blob_size, F.out, N);
    if (status != DAF_OK) return status;
    if (same) return same_as_reference(F.out, N);
    return nonfinite_exact(F.x, F.out, N);
}
static int pack_nonfinite_roundtrip(void) {
    int status = daf_unpack_dequantize(F.blob, F.blob_size, F.out, N);
    return status != DAF_OK ? status : nonfinite_exact(F.x, F.out, N);
}
static int pack_all_nan(void) {
    float v[32];
    for (int i = 0; i < 32; i++) v[i] = i % 3 == 0 ? NAN : i % 3 == 1 ? INFINITY : -INFINITY;
    int status = daf_quantize_pack(v, 32, NULL, F.work, F.blob_size, &F.size);
    if (status == DAF_OK) status = daf_unpack_dequantize(F.work, F.size, F.out, 32);
    return status != DAF_OK ? status : nonfinite_exact(v, F.out, 32);
}
static int pack_huge_values(void) {
    float v[64];
    for (int i = 0; i < 64; i++) v[i] = i % 2 ? FLT_MAX : -FLT_MAX;
    int status = daf_quantize_pack(v, 64, NULL, F.work, F.blob_size, &F.size);
    if (status == DAF_OK) status = daf_unpack_dequantize(F.work, F.size, F.out, 64);
    return status != DAF_OK ? status : nonfinite_exact(v, F.out, 64);
}
static int packed_size_counts_nonfinite(void) {
    daf_quantize_params_init(&F.qp);
    F.qp.bits = 4;
    int status = daf_packed_size(F.x, N, &F.qp, &F.size);
    if (status != DAF_OK) return status;
    return F.size == daf_packed_bound_finite(N, 4, 256) + 3 * DAF_PACKED_NONFINITE_BYTES ? DAF_OK : WRONG_DATA;
}
static int minmax_no_finite(void) {
    float v[3] = {NAN, INFINITY, -INFINITY};
    int status = daf_minmax(v, 3, &F.lo, &F.hi);
    return status != DAF_OK ? status : isnan(F.lo) && isnan(F.hi) ? DAF_OK : WRONG_DATA;
}
static int minmax_skips_nonfinite(void) {
    int status = daf_minmax(F.x, N, &F.lo, &F.hi);
    return status != DAF_OK ? status : isfinite(F.lo) && isfinite(F.hi) && F.lo <= F.hi ? DAF_OK : WRONG_DATA;
}
static int save_nonfinite_roundtrip(void) {
    int status = daf_restore(F.ctx, F.h, F.out, N);
    return status != DAF_OK ? status : nonfinite_exact(F.x, F.out, N);
}

/* Destination too small: the status, and *dst_size set to the size needed. */
static int pack_too_small(size_t capacity) {
    daf_quantize_params_init(&F.qp);
    F.qp.bits = 4;
    F.size = 0;
    arm();
    int status = daf_quantize_pack(F.x, N, &F.qp, F.work, capacity, &F.size);
    if (status == DAF_E_DST_TOO_SMALL && F.size != F.blob_size) return WRONG_DATA;
    return status;
}

/* Handles. */
static int release_twice(void) {
    daf_handle h = 0;
    if (daf_save(F.ctx, F.x, 64, NULL, &h) != DAF_OK || daf_release(F.ctx, h) != DAF_OK) return SETUP_FAILED;
    arm();
    return daf_release(F.ctx, h);
}
static int save_fails_handle_zero(void) {
    F.hout = 12345;
    int status = daf_save(F.ctx, F.mis, N, NULL, &F.hout);
    return F.hout == 0 ? status : WRONG_DATA;
}

/* A context with budget one page and no eviction; an async save that cannot fit: its error
 * comes from the first of `then` (0 wait, 1 restore, 2 release, 3 set_importance), after which
 * the handle is unknown (then = 4: a second wait); then = 5 gives daf_save_async's own status. */
static int async_over_budget(int then) {
    daf_options_init(&F.opt);
    F.opt.threads = 1;
    F.opt.rounding = DAF_ROUND_NEAREST; /* the data checks expect the codec's rounding */
    F.opt.page_size = PAGE;
    F.opt.chunk_bytes = PAGE;
    F.opt.budget_bytes = PAGE;
    daf_context *ctx = NULL;
    if (daf_create(&F.opt, &ctx) != DAF_OK) return SETUP_FAILED;
    F.ctx = ctx; /* the detail belongs to this context */
    static float big[MAX_PAGE * 4];
    for (size_t i = 0; i < SPILL_N * 4; i++) big[i] = (float)(i % 97);
    daf_handle h = 0;
    int accepted = daf_save_async(ctx, big, SPILL_N * 4, NULL, &h);
    if (then == 5) {
        if (accepted != DAF_OK) return accepted;
        return h != 0 && daf_wait(ctx, h) == DAF_E_BUDGET_EXCEEDED ? DAF_OK : WRONG_DATA;
    }
    if (accepted != DAF_OK || h == 0) return SETUP_FAILED;
    arm();
    switch (then) {
    case 0: return daf_wait(ctx, h);
    case 1: return daf_restore(ctx, h, big, SPILL_N * 4);
    case 2: return daf_release(ctx, h);
    case 3: return daf_set_importance(ctx, h, 1.0f);
    default:
        if (daf_wait(ctx, h) != DAF_E_BUDGET_EXCEEDED) return WRONG_DATA;
        arm();
        return daf_wait(ctx, h);
    }
}

/* Restore of an async save that is still queued behind a large one (threads = 1: one worker):
 * the restore waits, and the values equal a synchronous save's. */
static int restore_pending_async(int call) {
    static float big[1 << 22];
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) big[i] = (float)(i % 1013) * 0.25f;
    daf_handle first = 0, second = 0, sync = 0;
    if (daf_save_async(F.ctx, big, sizeof big / sizeof big[0], NULL, &first) != DAF_OK ||
        daf_save_async(F.ctx, F.x, N, NULL, &second) != DAF_OK || daf_save(F.ctx, F.x, N, NULL, &sync) != DAF_OK)
        return SETUP_FAILED;
    int status;
    float *expected = F.out;
    float got[N];
    switch (call) {
    case 0: status = daf_restore(F.ctx, second, got, N); break;
    case 1: status = daf_restore_range(F.ctx, second, 10, N - 10, got + 10); break;
    case 2: status = daf_release(F.ctx, second); break;
    case 3: status = daf_wait(F.ctx, second); break;
    default: status = daf_handle_info(F.ctx, second, (F.ei.struct_size = sizeof F.ei, &F.ei)); break;
    }
    if (status != DAF_OK) return status;
    if (call <= 1) {
        if (daf_restore(F.ctx, sync, expected, N) != DAF_OK) return SETUP_FAILED;
        size_t from = call == 1 ? 10 : 0;
        if (memcmp(got + from, expected + from, (N - from) * sizeof(float)) != 0) return WRONG_DATA;
    }
    if (call == 4 && F.ei.count != N) return WRONG_DATA;
    return daf_restore(F.ctx, first, big, sizeof big / sizeof big[0]); /* the big one is fine too */
}

/* Budgets. */
static int save_under_budget_zero(void) {
    if (daf_set_budget(F.ctx, 0) != DAF_OK) return WRONG_DATA;
    daf_handle h = 0;
    int status = daf_save(F.ctx, F.x, N, NULL, &h);
    return status != DAF_OK ? status : daf_restore(F.ctx, h, F.out, N);
}
static int save_after_budget_one_byte(void) {
    if (daf_release(F.ctx, F.h) != DAF_OK || daf_set_budget(F.ctx, 1) != DAF_OK) return SETUP_FAILED;
    arm();
    return daf_save(F.ctx, F.x, N, NULL, &F.hout);
}
static int pool_budget_below_live(void) {
    daf_pool_block b = 0;
    if (daf_pool_alloc(F.pool, 3 * 65536, 0.0f, &b) != DAF_OK) return SETUP_FAILED;
    arm();
    return daf_pool_set_budget(F.pool, 1);
}
static int pool_alloc_over_budget(void) {
    if (daf_pool_set_budget(F.pool, 65536) != DAF_OK) return SETUP_FAILED;
    arm();
    return daf_pool_alloc(F.pool, 2 * 65536, 0.0f, &F.bout);
}
static int pool_alloc_budget_zero(void) {
    if (daf_pool_set_budget(F.pool, 0) != DAF_OK) return WRONG_DATA;
    return daf_pool_alloc(F.pool, 5 * 65536, 0.0f, &F.bout);
}
static int pool_alloc_fails_block_zero(void) {
    F.bout = 777;
    int status = daf_pool_alloc(F.pool, 10, NAN, &F.bout);
    return F.bout == 0 ? status : WRONG_DATA;
}
static int destroy_twice(void) {
    daf_context *ctx = NULL;
    if (daf_create(NULL, &ctx) != DAF_OK || daf_destroy(ctx) != DAF_OK) return SETUP_FAILED;
    F.dead = ctx;
    arm();
    return daf_destroy(ctx);
}
static int pool_destroy_twice(void) {
    daf_pool *pool = NULL;
    if (daf_pool_create(NULL, &pool) != DAF_OK || daf_pool_destroy(pool) != DAF_OK) return SETUP_FAILED;
    arm();
    return daf_pool_destroy(pool);
}
static int pool_free_twice(void) {
    daf_pool_block b = 0;
    if (daf_pool_alloc(F.pool, 10, 0.0f, &b) != DAF_OK || daf_pool_free(F.pool, b) != DAF_OK) return SETUP_FAILED;
    arm();
    return daf_pool_free(F.pool, b);
}
static int pool_empty_evict(void) {
    daf_pool *pool = NULL;
    if (daf_pool_create(NULL, &pool) != DAF_OK) return SETUP_FAILED;
    F.bout = 99;
    int status = daf_pool_evict(pool, &F.bout);
    daf_pool_destroy(pool);
    return status != DAF_OK ? status : F.bout == 0 ? DAF_OK : WRONG_DATA;
}
static int pool_empty_least(void) {
    daf_pool *pool = NULL;
    if (daf_pool_create(NULL, &pool) != DAF_OK) return SETUP_FAILED;
    F.bout = 99;
    int status = daf_pool_least_important(pool, &F.bout);
    daf_pool_destroy(pool);
    return status != DAF_OK ? status : F.bout == 0 ? DAF_OK : WRONG_DATA;
}
static int pool_read_back(void) {
    memset(F.bytes, 0x33, sizeof F.bytes);
    if (daf_pool_write(F.pool, F.block, 0, F.bytes + 1, 99) != DAF_OK) return SETUP_FAILED;
    memset(F.bytes, 0, sizeof F.bytes);
    int status = daf_pool_read(F.pool, F.block, 0, F.bytes + 3, 99);
    if (status != DAF_OK) return status;
    for (int i = 3; i < 102; i++)
        if (F.bytes[i] != 0x33) return WRONG_DATA;
    return DAF_OK;
}
static int codec_threads_unchanged(void) {
    arm();
    int status = daf_codec_set_threads(257);
    return daf_codec_threads() == 1 ? status : WRONG_DATA;
}
/* Count 0: NULL pointers are allowed and nothing is read or written. */
static int zero_count_codec(int call) {
    int status;
    switch (call) {
    case 0:
        status = daf_packed_size(NULL, 0, NULL, &F.size);
        return status != DAF_OK ? status : F.size == DAF_PACKED_HEADER_BYTES ? DAF_OK : WRONG_DATA;
    case 1:
        status = daf_quantize_pack(NULL, 0, NULL, F.work, F.blob_size, &F.size);
        if (status == DAF_OK) status = daf_unpack_dequantize(F.work, F.size, NULL, 0);
        return status != DAF_OK ? status : F.size == DAF_PACKED_HEADER_BYTES ? DAF_OK : WRONG_DATA;
    default:
        status = daf_minmax(NULL, 0, &F.lo, &F.hi);
        return status != DAF_OK ? status : isnan(F.lo) && isnan(F.hi) ? DAF_OK : WRONG_DATA;
    }
}
static int zero_count_save(int async) {
    daf_handle h = 0;
    int status = async ? daf_save_async(F.ctx, NULL, 0, NULL, &h) : daf_save(F.ctx, NULL, 0, NULL, &h);
    if (status == DAF_OK && async) status = daf_wait(F.ctx, h);
    if (status == DAF_OK) status = daf_restore(F.ctx, h, NULL, 0);
    if (status == DAF_OK) status = daf_restore_range(F.ctx, h, 0, 0, NULL);
    return status != DAF_OK ? status : daf_release(F.ctx, h);
}
static int zero_bytes_pool(void) {
    daf_pool_block b = 0;
    int status = daf_pool_alloc(F.pool, 0, 0.0f, &b);
    if (status == DAF_OK) status = daf_pool_write(F.pool, b, 0, NULL, 0);
    if (status == DAF_OK) status = daf_pool_read(F.pool, F.block, 100, NULL, 0);
    return status != DAF_OK ? status : b != 0 ? daf_pool_free(F.pool, b) : WRONG_DATA;
}
/* A handle of a context that was destroyed since, used on a live one. */
static int handle_of_destroyed_context(void) {
    daf_context *ctx = NULL;
    daf_handle h = 0;
    if (daf_create(NULL, &ctx) != DAF_OK || daf_save(ctx, F.x, 64, NULL, &h) != DAF_OK || daf_destroy(ctx) != DAF_OK)
        return SETUP_FAILED;
    arm();
    return daf_restore(F.ctx, h, F.out, 64);
}
/* A pool whose one chunk would be 2^24 pages of 16 MiB (256 TiB, more than x86-64 maps). */
static int pool_chunk_unmappable(void) {
    daf_pool_options_init(&F.po);
    F.po.page_size = DAF_MAX_PAGE_SIZE;
    F.po.chunk_bytes = (uint64_t)DAF_MAX_PAGE_SIZE * DAF_MAX_CHUNK_PAGES;
    daf_pool *pool = NULL;
    if (daf_pool_create(&F.po, &pool) != DAF_OK) return SETUP_FAILED;
    arm();
    int status = daf_pool_alloc(pool, 10, 0.0f, &F.bout);
    daf_pool_destroy(pool);
    return status;
}
static int save_chunk_unmappable(void) {
    daf_options_init(&F.opt);
    F.opt.threads = 1;
    F.opt.rounding = DAF_ROUND_NEAREST; /* the data checks expect the codec's rounding */
    F.opt.page_size = DAF_MAX_PAGE_SIZE;
    F.opt.chunk_bytes = (uint64_t)DAF_MAX_PAGE_SIZE * DAF_MAX_CHUNK_PAGES;
    daf_context *ctx = NULL;
    if (daf_create(&F.opt, &ctx) != DAF_OK) return SETUP_FAILED;
    F.ctx = ctx;
    arm();
    return daf_save(ctx, F.x, N, NULL, &F.hout);
}
static int recompute_never(void *user, daf_handle handle, float *dst, size_t count) {
    (void)user, (void)handle, (void)dst, (void)count;
    return 1;
}

/* ============================================================================================
 * Spill-file cases: a context (policy SPILL, 8 bits, OS-sized pages, budget 4 pages) in its own
 * directory under the run's temporary one; tensors a, b, c of SPILL_N values take 2 pages each,
 * so saving c spills a (the least important).
 * ========================================================================================== */

/* The open() interposer: libdaf.so calls open through the PLT, so this definition in the
 * executable sees the spill file's creation (flags and mode), then opens it for real. */
static int g_spill_opens;
static int g_spill_flags;
static unsigned g_spill_mode;
static char g_spill_path[PATH_MAX];

int open(const char *path, int flags, ...) {
    unsigned mode = 0;
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) { /* the calls that pass a mode */
        va_list args;
        va_start(args, flags);
        mode = va_arg(args, unsigned);
        va_end(args);
    }
    if (strstr(path, "libdaf-spill-") != NULL) {
        g_spill_opens++;
        g_spill_flags = flags;
        g_spill_mode = mode;
        snprintf(g_spill_path, sizeof g_spill_path, "%s", path);
    }
    return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

typedef struct spill_fixture {
    char dir[PATH_MAX];
    daf_context *ctx;
    float a[MAX_PAGE], b[MAX_PAGE], c[MAX_PAGE];
    daf_handle ha, hb, hc;
    int fd; /* the spill file, found through /proc/self/fd (-1 if none) */
    int dir_from_env; /* spill_dir NULL, $TMPDIR = dir */
} spill_fixture;

static spill_fixture S;

static void fill(float *v, size_t n, float scale) {
    for (size_t i = 0; i < n; i++) v[i] = scale * (float)((i * 2654435761u) % 1000) / 1000.0f - scale / 3;
}

/* The descriptor of this process whose link names a spill file in S.dir (" (deleted)"). */
static int find_spill_fd(void) {
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) return -1;
    char prefix[PATH_MAX + 32];
    snprintf(prefix, sizeof prefix, "%s/libdaf-spill-", S.dir);
    int found = -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char link[300], target[PATH_MAX + 64];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0) continue;
        target[n] = '\0';
        const char *tail = " (deleted)";
        size_t tl = strlen(tail);
        if (strncmp(target, prefix, strlen(prefix)) == 0 && (size_t)n > tl && strcmp(target + n - tl, tail) == 0)
            found = atoi(e->d_name);
    }
    closedir(d);
    return found;
}

static int dir_is_empty(const char *path) {
    DIR *d = opendir(path);
    if (d == NULL) return 0;
    int empty = 1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) empty = 0;
    closedir(d);
    return empty;
}

/* Builds a context with the given eviction policy (recompute: the callback a and b are saved
 * with, or NULL) and saves a and b; with save_c, saves c too, which evicts a. 0 on success. */
static int evicting_setup(uint32_t policy, daf_recompute_fn recompute, int save_c) {
    snprintf(S.dir, sizeof S.dir, "%s/caseXXXXXX", g_base_dir);
    if (mkdtemp(S.dir) == NULL) return -1;
    daf_options_init(&F.opt);
    F.opt.threads = 1;
    F.opt.rounding = DAF_ROUND_NEAREST; /* the data checks expect the codec's rounding */
    F.opt.bits = 8;
    F.opt.policy = policy;
    F.opt.page_size = PAGE;
    F.opt.chunk_bytes = PAGE;
    F.opt.budget_bytes = 4 * PAGE;
    F.opt.spill_dir = S.dir;
    if (S.dir_from_env) {
        F.opt.spill_dir = NULL;
        if (setenv("TMPDIR", S.dir, 1) != 0) return -1;
    }
    if (daf_create(&F.opt, &S.ctx) != DAF_OK) return -1;
    F.ctx = S.ctx; /* the detail of these cases belongs to this context */
    fill(S.a, SPILL_N, 1.0f);
    fill(S.b, SPILL_N, 5.0f);
    fill(S.c, SPILL_N, 30.0f);
    daf_save_params_init(&F.sp);
    F.sp.recompute = recompute;
    F.sp.importance = 0.0f;
    if (daf_save(S.ctx, S.a, SPILL_N, &F.sp, &S.ha) != DAF_OK) return -1;
    F.sp.importance = 1.0f;
    if (daf_save(S.ctx, S.b, SPILL_N, &F.sp, &S.hb) != DAF_OK) return -1;
    F.sp.recompute = NULL;
    S.fd = -1;
    if (!save_c) return 0;
    F.sp.importance = 2.0f;
    return daf_save(S.ctx, S.c, SPILL_N, &F.sp, &S.hc) == DAF_OK ? 0 : -1;
}

/* The spill context; with spill_c, a is spilled and S.fd is the spill file. 0 on success. */
static int spill_setup(int spill_c) {
    if (evicting_setup(DAF_POLICY_SPILL, NULL, spill_c) != 0) return -1;
    if (!spill_c) return 0;
    F.ei.struct_size = sizeof F.ei;
    if (daf_handle_info(S.ctx, S.ha, &F.ei) != DAF_OK || F.ei.state != DAF_ENTRY_SPILLED) return -1;
    S.fd = find_spill_fd();
    return S.fd >= 0 ? 0 : -1;
}

/* Policy RECOMPUTE, a dropped for a callback that fails: the restore (range = 1: a range of
 * it) reports it, and the entry stays as it was (a second restore reports it again). */
static int recompute_fails(int range) {
    if (evicting_setup(DAF_POLICY_RECOMPUTE, recompute_never, 1) != 0) return SETUP_FAILED;
    F.ei.struct_size = sizeof F.ei;
    if (daf_handle_info(S.ctx, S.ha, &F.ei) != DAF_OK || F.ei.state != DAF_ENTRY_DROPPED) return SETUP_FAILED;
    arm();
    int status = range ? daf_restore_range(S.ctx, S.ha, 10, 20, S.c) : daf_restore(S.ctx, S.ha, S.c, SPILL_N);
    if (daf_restore(S.ctx, S.ha, S.c, SPILL_N) != status) return WRONG_DATA;
    return status;
}

/* Policy RECOMPUTE, but a and b were saved without a callback: nothing may be dropped. */
static int recompute_without_callbacks(void) {
    if (evicting_setup(DAF_POLICY_RECOMPUTE, NULL, 0) != 0) return SETUP_FAILED;
    F.sp.importance = 2.0f;
    arm();
    return daf_save(S.ctx, S.c, SPILL_N, &F.sp, &S.hc);
}

/* What a restore of v (saved at 8 bits, groups of 256) must give: the codec's own decode. */
static int restores_exactly(daf_handle h, const float *v) {
    static unsigned char blob[MAX_PAGE * 2];
    static float expected[MAX_PAGE], got[MAX_PAGE];
    daf_quantize_params_init(&F.qp);
    F.qp.bits = 8;
    size_t size = 0;
    if (daf_quantize_pack(v, SPILL_N, &F.qp, blob, sizeof blob, &size) != DAF_OK ||
        daf_unpack_dequantize(blob, size, expected, SPILL_N) != DAF_OK)
        return SETUP_FAILED;
    int status = daf_restore(S.ctx, h, got, SPILL_N);
    if (status != DAF_OK) return status;
    return memcmp(got, expected, SPILL_N * sizeof got[0]) == 0 ? DAF_OK : WRONG_DATA;
}

/* Writes `width` bytes of value at `offset` of the spill file through /proc/self/fd/N (as
 * another process with access could), then restores a. */
static int spill_damaged(off_t offset, int width, uint64_t value, int range) {
    if (spill_setup(1) != 0) return SETUP_FAILED;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", S.fd);
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) return SETUP_FAILED;
    unsigned char bytes[8];
    if (pread(fd, bytes, (size_t)width, offset) != width) return SETUP_FAILED;
    uint64_t old = 0;
    for (int i = 0; i < width; i++) old |= (uint64_t)bytes[i] << (8 * i);
    put_le(bytes, value == 0 ? ~old : value, width); /* value 0: flip every bit */
    if (pwrite(fd, bytes, (size_t)width, offset) != width) return SETUP_FAILED;
    close(fd);
    memset(S.c, 0, sizeof S.c);
    arm();
    int status = range ? daf_restore_range(S.ctx, S.ha, 100, 50, S.c) : daf_restore(S.ctx, S.ha, S.c, SPILL_N);
    /* Never wrong data: a failed restore leaves no claim on the values; the others still
     * restore, and the damaged entry can still be released. */
    if (status == DAF_OK) return WRONG_DATA;
    if (restores_exactly(S.hb, S.b) != DAF_OK || daf_release(S.ctx, S.ha) != DAF_OK) return WRONG_DATA;
    return status;
}

static int spill_truncated(off_t length) {
    if (spill_setup(1) != 0) return SETUP_FAILED;
    if (ftruncate(S.fd, length) != 0) return SETUP_FAILED;
    arm();
    int status = daf_restore(S.ctx, S.ha, S.c, SPILL_N);
    if (status == DAF_OK) return WRONG_DATA;
    if (restores_exactly(S.hb, S.b) != DAF_OK || daf_release(S.ctx, S.ha) != DAF_OK) return WRONG_DATA;
    return status;
}

static int spill_restores_exactly(void) {
    if (spill_setup(1) != 0) return SETUP_FAILED;
    return restores_exactly(S.ha, S.a);
}

/* spill_dir NULL: the file goes to $TMPDIR (spill_setup finds it in S.dir or fails). */
static int spill_in_tmpdir(void) {
    S.dir_from_env = 1;
    if (spill_setup(1) != 0) return WRONG_DATA;
    return restores_exactly(S.ha, S.a);
}

/* Mode 0600 whatever the umask, in spill_dir, already unlinked, opened O_CREAT | O_EXCL. */
static int spill_file_created_safely(void) {
    umask(0);
    g_spill_opens = 0;
    if (spill_setup(1) != 0) return SETUP_FAILED;
    struct stat st;
    if (fstat(S.fd, &st) != 0) return SETUP_FAILED;
    if ((st.st_mode & 07777) != 0600 || st.st_nlink != 0 || !S_ISREG(st.st_mode)) return WRONG_DATA;
    if (!dir_is_empty(S.dir)) return WRONG_DATA;
    if (g_spill_opens != 1) return WRONG_DATA; /* the interposer saw the creation */
    if ((g_spill_flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL) || (g_spill_mode & 07777) != 0600) return WRONG_DATA;
    if (strncmp(g_spill_path, S.dir, strlen(S.dir)) != 0 || g_spill_path[strlen(S.dir)] != '/') return WRONG_DATA;
    return DAF_OK;
}

/* After daf_destroy: no descriptor on the file, nothing in the directory. */
static int spill_gone_after_destroy(void) {
    if (spill_setup(1) != 0) return SETUP_FAILED;
    int status = daf_destroy(S.ctx);
    if (status != DAF_OK) return status;
    F.ctx = NULL;
    if (find_spill_fd() >= 0 || !dir_is_empty(S.dir)) return WRONG_DATA;
    return rmdir(S.dir) == 0 ? DAF_OK : WRONG_DATA;
}

/* Spill writes fail (file size limit 0, SIGXFSZ ignored: write gives EFBIG). `call`: 0 save,
 * 1 the saved entries afterwards, 2 set_budget, 3 async save + wait. The limit is lifted again
 * before the case prints its line (stdout may be a file). */
static int spill_write_fails_limited(int call) {
    int status;
    switch (call) {
    case 0: return daf_save(S.ctx, S.c, SPILL_N, &F.sp, &S.hc);
    case 1:
        status = daf_save(S.ctx, S.c, SPILL_N, &F.sp, &S.hc);
        if (status != DAF_E_IO || S.hc != 0) return WRONG_DATA;
        F.cs.struct_size = sizeof F.cs;
        if (daf_stats(S.ctx, &F.cs) != DAF_OK || F.cs.live_entries != 2 || F.cs.evictions_spill != 0) return WRONG_DATA;
        status = restores_exactly(S.ha, S.a);
        return status != DAF_OK ? status : restores_exactly(S.hb, S.b);
    case 2: return daf_set_budget(S.ctx, 2 * PAGE);
    default:
        status = daf_save_async(S.ctx, S.c, SPILL_N, &F.sp, &S.hc);
        if (status != DAF_OK) return status;
        arm();
        return daf_wait(S.ctx, S.hc);
    }
}
static int spill_write_fails(int call) {
    if (spill_setup(0) != 0) return SETUP_FAILED;
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit saved, limit;
    if (getrlimit(RLIMIT_FSIZE, &saved) != 0) return SETUP_FAILED;
    limit = saved;
    limit.rlim_cur = 0;
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return SETUP_FAILED;
    F.sp.importance = 2.0f;
    arm();
    int status = spill_write_fails_limited(call);
    setrlimit(RLIMIT_FSIZE, &saved);
    return status;
}

/* The directory disappears after daf_create: creating the file fails when a spill is needed. */
static int spill_dir_removed(void) {
    if (spill_setup(0) != 0) return SETUP_FAILED;
    if (rmdir(S.dir) != 0) return SETUP_FAILED;
    F.sp.importance = 2.0f;
    arm();
    int status = daf_save(S.ctx, S.c, SPILL_N, &F.sp, &S.hc);
    if (status == DAF_OK) return WRONG_DATA;
    if (restores_exactly(S.ha, S.a) != DAF_OK) return WRONG_DATA;
    return status;
}

static int spill_dir_is_file(void) {
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/plain-file", g_base_dir);
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return SETUP_FAILED;
    close(fd);
    daf_options_init(&F.opt);
    F.opt.threads = 1;
    F.opt.rounding = DAF_ROUND_NEAREST; /* the data checks expect the codec's rounding */
    F.opt.policy = DAF_POLICY_SPILL;
    F.opt.spill_dir = path;
    int status = create_with(&F.opt);
    unlink(path);
    return status;
}
static int spill_dir_too_long(void) {
    static char path[4200];
    memset(path, 'd', sizeof path - 1);
    path[0] = '/';
    path[sizeof path - 1] = '\0';
    return create_with(OPT(spill_dir, path));
}
static int spill_dir_missing_without_spill(void) {
    return create_with(OPT(spill_dir, "/nonexistent-libdaf-dir"));
}
static int tmpdir_missing_with_spill(void) {
    if (setenv("TMPDIR", "/nonexistent-libdaf-dir", 1) != 0) return SETUP_FAILED;
    daf_options_init(&F.opt);
    F.opt.threads = 1;
    F.opt.rounding = DAF_ROUND_NEAREST; /* the data checks expect the codec's rounding */
    F.opt.policy = DAF_POLICY_SPILL;
    return create_with(&F.opt);
}
static int spill_dir_missing_with_spill(void) {
    daf_options_init(&F.opt);
    F.opt.threads = 1;
    F.opt.rounding = DAF_ROUND_NEAREST; /* the data checks expect the codec's rounding */
    F.opt.policy = DAF_POLICY_SPILL;
    F.opt.spill_dir = "/nonexistent-libdaf-dir";
    return create_with(&F.opt);
}

/* ============================================================================================
 * The matrix. One case per line:
 *   X(id, "function", "bad input", expected result, whose detail, call)
 * A failing status must come with a non-empty detail from daf_last_error(NULL) (LE_NULL) or of
 * the context the call was given (LE_CTX: F.ctx, LE_DEAD: F.dead, LE_FAKE: F.fake, LE_POOL:
 * F.pool passed as a context); LE_NONE
 * checks no detail (success, or a call that returns no status).
 * ========================================================================================== */

#define CASES(X) \
    X(version_number, "daf_version_number", "no arguments: nothing can be bad", DAF_OK, LE_NONE, daf_version_number() == DAF_VERSION_NUMBER ? DAF_OK : WRONG_DATA) \
    X(version_string, "daf_version_string", "no arguments: nothing can be bad", NON_NULL_STRING, LE_NONE, non_null(daf_version_string())) \
    X(status_name_pos, "daf_status_name", "status 1 (not a code)", UNKNOWN_STATUS_NAME, LE_NONE, unknown_name(daf_status_name(1))) \
    X(status_name_next, "daf_status_name", "status -19 (past the last code)", UNKNOWN_STATUS_NAME, LE_NONE, unknown_name(daf_status_name(-19))) \
    X(status_name_min, "daf_status_name", "status INT_MIN", UNKNOWN_STATUS_NAME, LE_NONE, unknown_name(daf_status_name(INT_MIN))) \
    X(status_name_max, "daf_status_name", "status INT_MAX", UNKNOWN_STATUS_NAME, LE_NONE, unknown_name(daf_status_name(INT_MAX))) \
    X(status_message_next, "daf_status_message", "status -18 (past the last code)", NON_NULL_STRING, LE_NONE, non_empty(daf_status_message(-18))) \
    X(status_message_min, "daf_status_message", "status INT_MIN", NON_NULL_STRING, LE_NONE, non_empty(daf_status_message(INT_MIN))) \
    X(last_error_dead, "daf_last_error", "destroyed context", NON_NULL_STRING, LE_NONE, non_null(daf_last_error(F.dead))) \
    X(last_error_fake, "daf_last_error", "pointer that is not a context", NON_NULL_STRING, LE_NONE, non_null(daf_last_error(F.fake))) \
    X(qp_init_null, "daf_quantize_params_init", "params NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_quantize_params_init(NULL)) \
    X(opt_init_null, "daf_options_init", "options NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_options_init(NULL)) \
    X(sp_init_null, "daf_save_params_init", "params NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_save_params_init(NULL)) \
    X(po_init_null, "daf_pool_options_init", "options NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_pool_options_init(NULL)) \
    X(bound_bits0, "daf_packed_bound", "bits 0", RETURNS_0, LE_NONE, is_zero(daf_packed_bound(N, 0, 256))) \
    X(bound_bits9, "daf_packed_bound", "bits 9", RETURNS_0, LE_NONE, is_zero(daf_packed_bound(N, 9, 256))) \
    X(bound_group0, "daf_packed_bound", "group_size 0", RETURNS_0, LE_NONE, is_zero(daf_packed_bound(N, 2, 0))) \
    X(bound_group8, "daf_packed_bound", "group_size 8 (below 16)", RETURNS_0, LE_NONE, is_zero(daf_packed_bound(N, 2, 8))) \
    X(bound_group100, "daf_packed_bound", "group_size 100 (not a multiple of 16)", RETURNS_0, LE_NONE, is_zero(daf_packed_bound(N, 2, 100))) \
    X(bound_group_big, "daf_packed_bound", "group_size 65552 (above 65536)", RETURNS_0, LE_NONE, is_zero(daf_packed_bound(N, 2, 65552))) \
    X(bound_count_max, "daf_packed_bound", "count SIZE_MAX", RETURNS_0, LE_NONE, is_zero(daf_packed_bound(SIZE_MAX, 2, 256))) \
    X(bound_count_x4, "daf_packed_bound", "count SIZE_MAX / 4 + 1 (count * 4 wraps)", RETURNS_0, LE_NONE, is_zero(daf_packed_bound(SIZE_MAX / 4 + 1, 8, 16))) \
    X(bound_count_2p58, "daf_packed_bound", "count 2^58 + 1 (above the maximum)", RETURNS_0, LE_NONE, is_zero(daf_packed_bound(((size_t)1 << 58) + 1, 2, 256))) \
    X(boundf_bits0, "daf_packed_bound_finite", "bits 0", RETURNS_0, LE_NONE, is_zero(daf_packed_bound_finite(N, 0, 256))) \
    X(boundf_group100, "daf_packed_bound_finite", "group_size 100 (not a multiple of 16)", RETURNS_0, LE_NONE, is_zero(daf_packed_bound_finite(N, 2, 100))) \
    X(boundf_count_max, "daf_packed_bound_finite", "count SIZE_MAX", RETURNS_0, LE_NONE, is_zero(daf_packed_bound_finite(SIZE_MAX, 2, 256))) \
    X(opt_init_sized_null, "daf_options_init_sized", "options NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_options_init_sized(NULL, sizeof(daf_options))) \
    X(opt_init_sized_small, "daf_options_init_sized", "size 8 (below the 0.1.0 struct)", DAF_E_STRUCT_SIZE, LE_NULL, daf_options_init_sized(&F.opt, 8)) \
    X(opt_init_sized_huge, "daf_options_init_sized", "size 5000 (above 4096)", DAF_E_STRUCT_SIZE, LE_NULL, daf_options_init_sized(&F.opt, 5000)) \
    X(size_src_null, "daf_packed_size", "src NULL, count > 0", DAF_E_NULL_ARGUMENT, LE_NULL, daf_packed_size(NULL, N, NULL, &F.size)) \
    X(size_out_null, "daf_packed_size", "out_size NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_packed_size(F.x, N, NULL, NULL)) \
    X(size_mis, "daf_packed_size", "src misaligned", DAF_E_MISALIGNED, LE_NULL, daf_packed_size(F.mis, N, NULL, &F.size)) \
    X(size_mis_first, "daf_packed_size", "src misaligned and out_size NULL (parameter order)", DAF_E_MISALIGNED, LE_NULL, daf_packed_size(F.mis, N, NULL, NULL)) \
    X(size_count_max, "daf_packed_size", "count SIZE_MAX", DAF_E_OVERFLOW, LE_NULL, daf_packed_size(F.x, SIZE_MAX, NULL, &F.size)) \
    X(size_count_x4, "daf_packed_size", "count SIZE_MAX / 4 + 1 (count * 4 wraps)", DAF_E_OVERFLOW, LE_NULL, daf_packed_size(F.x, SIZE_MAX / 4 + 1, NULL, &F.size)) \
    X(size_count_2p58, "daf_packed_size", "count 2^58 + 1", DAF_E_OVERFLOW, LE_NULL, daf_packed_size(F.x, ((size_t)1 << 58) + 1, NULL, &F.size)) \
    X(size_bits0, "daf_packed_size", "bits 0", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_packed_size(F.x, N, QP(bits, 0), &F.size)) \
    X(size_bits9, "daf_packed_size", "bits 9", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_packed_size(F.x, N, QP(bits, 9), &F.size)) \
    X(size_group8, "daf_packed_size", "group_size 8", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_packed_size(F.x, N, QP(group_size, 8), &F.size)) \
    X(size_round2, "daf_packed_size", "rounding 2", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_packed_size(F.x, N, QP(rounding, 2), &F.size)) \
    X(size_ss0, "daf_packed_size", "params.struct_size 0", DAF_E_STRUCT_SIZE, LE_NULL, daf_packed_size(F.x, N, in_qp(0, 0), &F.size)) \
    X(size_ss_small, "daf_packed_size", "params.struct_size smaller (sizeof - 8)", DAF_E_STRUCT_SIZE, LE_NULL, daf_packed_size(F.x, N, in_qp(sizeof(daf_quantize_params) - 8, 0), &F.size)) \
    X(size_ss_4097, "daf_packed_size", "params.struct_size 4097 (garbage)", DAF_E_STRUCT_SIZE, LE_NULL, daf_packed_size(F.x, N, in_qp(4097, 0), &F.size)) \
    X(size_ss_tail, "daf_packed_size", "params.struct_size larger, unknown tail nonzero", DAF_E_STRUCT_SIZE, LE_NULL, daf_packed_size(F.x, N, in_qp(sizeof(daf_quantize_params) + 16, 1), &F.size)) \
    X(size_zero, "daf_packed_size", "count 0, src NULL (header only)", DAF_OK, LE_NONE, zero_count_codec(0)) \
    X(size_nonfinite, "daf_packed_size", "NaN and ±Inf in src (12 bytes each)", DAF_OK, LE_NONE, packed_size_counts_nonfinite()) \
    X(pack_src_null, "daf_quantize_pack", "src NULL, count > 0", DAF_E_NULL_ARGUMENT, LE_NULL, daf_quantize_pack(NULL, N, NULL, F.work, F.blob_size, &F.size)) \
    X(pack_dst_null, "daf_quantize_pack", "dst NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_quantize_pack(F.x, N, NULL, NULL, F.blob_size, &F.size)) \
    X(pack_size_null, "daf_quantize_pack", "dst_size NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_quantize_pack(F.x, N, NULL, F.work, F.blob_size, NULL)) \
    X(pack_mis, "daf_quantize_pack", "src misaligned", DAF_E_MISALIGNED, LE_NULL, daf_quantize_pack(F.mis, N, NULL, F.work, F.blob_size, &F.size)) \
    X(pack_order_params, "daf_quantize_pack", "bits 9 and dst NULL (parameter order)", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_quantize_pack(F.x, N, QP(bits, 9), NULL, F.blob_size, &F.size)) \
    X(pack_order_mis, "daf_quantize_pack", "src misaligned and dst_size NULL (parameter order)", DAF_E_MISALIGNED, LE_NULL, daf_quantize_pack(F.mis, N, NULL, F.work, F.blob_size, NULL)) \
    X(pack_count_max, "daf_quantize_pack", "count SIZE_MAX", DAF_E_OVERFLOW, LE_NULL, daf_quantize_pack(F.x, SIZE_MAX, NULL, F.work, F.blob_size, &F.size)) \
    X(pack_count_x4, "daf_quantize_pack", "count SIZE_MAX / 4 + 1 (count * 4 wraps)", DAF_E_OVERFLOW, LE_NULL, daf_quantize_pack(F.x, SIZE_MAX / 4 + 1, NULL, F.work, F.blob_size, &F.size)) \
    X(pack_count_2p58, "daf_quantize_pack", "count 2^58 + 1", DAF_E_OVERFLOW, LE_NULL, daf_quantize_pack(F.x, ((size_t)1 << 58) + 1, NULL, F.work, F.blob_size, &F.size)) \
    X(pack_bits0, "daf_quantize_pack", "bits 0", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_quantize_pack(F.x, N, QP(bits, 0), F.work, F.blob_size, &F.size)) \
    X(pack_bits9, "daf_quantize_pack", "bits 9", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_quantize_pack(F.x, N, QP(bits, 9), F.work, F.blob_size, &F.size)) \
    X(pack_bits_max, "daf_quantize_pack", "bits UINT32_MAX", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_quantize_pack(F.x, N, QP(bits, UINT32_MAX), F.work, F.blob_size, &F.size)) \
    X(pack_group0, "daf_quantize_pack", "group_size 0", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_quantize_pack(F.x, N, QP(group_size, 0), F.work, F.blob_size, &F.size)) \
    X(pack_group8, "daf_quantize_pack", "group_size 8 (below 16)", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_quantize_pack(F.x, N, QP(group_size, 8), F.work, F.blob_size, &F.size)) \
    X(pack_group24, "daf_quantize_pack", "group_size 24 (not a multiple of 16)", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_quantize_pack(F.x, N, QP(group_size, 24), F.work, F.blob_size, &F.size)) \
    X(pack_group_big, "daf_quantize_pack", "group_size 65552 (above 65536)", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_quantize_pack(F.x, N, QP(group_size, 65552), F.work, F.blob_size, &F.size)) \
    X(pack_group_max, "daf_quantize_pack", "group_size UINT32_MAX", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_quantize_pack(F.x, N, QP(group_size, UINT32_MAX), F.work, F.blob_size, &F.size)) \
    X(pack_round2, "daf_quantize_pack", "rounding 2", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_quantize_pack(F.x, N, QP(rounding, 2), F.work, F.blob_size, &F.size)) \
    X(pack_round_max, "daf_quantize_pack", "rounding UINT32_MAX", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_quantize_pack(F.x, N, QP(rounding, UINT32_MAX), F.work, F.blob_size, &F.size)) \
    X(pack_ss0, "daf_quantize_pack", "params.struct_size 0", DAF_E_STRUCT_SIZE, LE_NULL, daf_quantize_pack(F.x, N, in_qp(0, 0), F.work, F.blob_size, &F.size)) \
    X(pack_ss_small, "daf_quantize_pack", "params.struct_size smaller (sizeof - 8)", DAF_E_STRUCT_SIZE, LE_NULL, daf_quantize_pack(F.x, N, in_qp(sizeof(daf_quantize_params) - 8, 0), F.work, F.blob_size, &F.size)) \
    X(pack_ss_4097, "daf_quantize_pack", "params.struct_size 4097 (garbage)", DAF_E_STRUCT_SIZE, LE_NULL, daf_quantize_pack(F.x, N, in_qp(4097, 0), F.work, F.blob_size, &F.size)) \
    X(pack_ss_tail, "daf_quantize_pack", "params.struct_size larger, unknown tail nonzero", DAF_E_STRUCT_SIZE, LE_NULL, daf_quantize_pack(F.x, N, in_qp(sizeof(daf_quantize_params) + 16, 1), F.work, F.blob_size, &F.size)) \
    X(pack_ss_larger, "daf_quantize_pack", "params.struct_size larger, unknown tail zero", DAF_OK, LE_NONE, daf_quantize_pack(F.x, N, in_qp(sizeof(daf_quantize_params) + 16, 0), F.work, F.blob_size + 64, &F.size)) \
    X(pack_cap0, "daf_quantize_pack", "dst_capacity 0 (*dst_size = size needed)", DAF_E_DST_TOO_SMALL, LE_NULL, pack_too_small(0)) \
    X(pack_cap_header, "daf_quantize_pack", "dst_capacity 63 (below the header)", DAF_E_DST_TOO_SMALL, LE_NULL, pack_too_small(63)) \
    X(pack_cap_finite, "daf_quantize_pack", "dst_capacity = daf_packed_bound_finite with NaN/Inf in src", DAF_E_DST_TOO_SMALL, LE_NULL, pack_too_small(daf_packed_bound_finite(N, 4, 256))) \
    X(pack_cap_minus1, "daf_quantize_pack", "dst_capacity one byte short", DAF_E_DST_TOO_SMALL, LE_NULL, pack_too_small(F.blob_size - 1)) \
    X(pack_cap_max, "daf_quantize_pack", "dst_capacity SIZE_MAX (a lie: more than the buffer)", DAF_E_OVERFLOW, LE_NULL, daf_quantize_pack(F.x, N, NULL, F.work, SIZE_MAX, &F.size)) \
    X(pack_dst_odd, "daf_quantize_pack", "dst at an odd address (blobs may have any alignment)", DAF_OK, LE_NONE, pack_to_odd_address()) \
    X(pack_nonfinite, "daf_quantize_pack", "NaN, +Inf, -Inf in src (bit-exact back)", DAF_OK, LE_NONE, pack_nonfinite_roundtrip()) \
    X(pack_all_nonfinite, "daf_quantize_pack", "no finite value at all", DAF_OK, LE_NONE, pack_all_nan()) \
    X(pack_flt_max, "daf_quantize_pack", "±FLT_MAX in one group (range overflows)", DAF_OK, LE_NONE, pack_huge_values()) \
    X(pack_zero, "daf_quantize_pack", "count 0, src NULL (a header-only blob; unpacks with dst NULL)", DAF_OK, LE_NONE, zero_count_codec(1)) \
    X(unpack_src_null, "daf_unpack_dequantize", "src NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_unpack_dequantize(NULL, F.blob_size, F.out, N)) \
    X(unpack_src_null0, "daf_unpack_dequantize", "src NULL, src_size 0, count 0", DAF_E_NULL_ARGUMENT, LE_NULL, daf_unpack_dequantize(NULL, 0, F.out, 0)) \
    X(unpack_dst_null, "daf_unpack_dequantize", "dst NULL, count > 0", DAF_E_NULL_ARGUMENT, LE_NULL, daf_unpack_dequantize(F.blob, F.blob_size, NULL, N)) \
    X(unpack_mis, "daf_unpack_dequantize", "dst misaligned", DAF_E_MISALIGNED, LE_NULL, daf_unpack_dequantize(F.blob, F.blob_size, F.mis, N)) \
    X(unpack_count_max, "daf_unpack_dequantize", "count SIZE_MAX", DAF_E_OVERFLOW, LE_NULL, daf_unpack_dequantize(F.blob, F.blob_size, F.out, SIZE_MAX)) \
    X(unpack_count_x4, "daf_unpack_dequantize", "count SIZE_MAX / 4 + 1 (count * 4 wraps)", DAF_E_OVERFLOW, LE_NULL, daf_unpack_dequantize(F.blob, F.blob_size, F.out, SIZE_MAX / 4 + 1)) \
    X(unpack_count_less, "daf_unpack_dequantize", "count one less than the blob's", DAF_E_SIZE_MISMATCH, LE_NULL, daf_unpack_dequantize(F.blob, F.blob_size, F.out, N - 1)) \
    X(unpack_count_more, "daf_unpack_dequantize", "count one more than the blob's", DAF_E_SIZE_MISMATCH, LE_NULL, daf_unpack_dequantize(F.blob, F.blob_size, F.out, N + 1)) \
    X(unpack_count0, "daf_unpack_dequantize", "count 0 for a non-empty blob", DAF_E_SIZE_MISMATCH, LE_NULL, daf_unpack_dequantize(F.blob, F.blob_size, F.out, 0)) \
    X(unpack_size0, "daf_unpack_dequantize", "src_size 0", DAF_E_CORRUPT, LE_NULL, daf_unpack_dequantize(F.blob, 0, F.out, N)) \
    X(unpack_size63, "daf_unpack_dequantize", "src_size 63 (header cut)", DAF_E_CORRUPT, LE_NULL, daf_unpack_dequantize(F.blob, 63, F.out, N)) \
    X(unpack_size_short, "daf_unpack_dequantize", "src_size one byte short (non-finite list cut)", DAF_E_CORRUPT, LE_NULL, daf_unpack_dequantize(F.blob, F.blob_size - 1, F.out, N)) \
    X(unpack_every_trunc, "daf_unpack_dequantize", "every truncation 0 .. size - 1 (dst untouched)", DAF_E_CORRUPT, LE_NULL, every_truncation()) \
    X(unpack_size_max, "daf_unpack_dequantize", "src_size SIZE_MAX (trailing bytes ignored)", DAF_OK, LE_NONE, unpack_with_src_size_max()) \
    X(unpack_odd, "daf_unpack_dequantize", "blob at an odd address", DAF_OK, LE_NONE, unpack_at_odd_address()) \
    X(unpack_magic, "daf_unpack_dequantize", "magic \"DAFX\" (hash updated)", DAF_E_CORRUPT, LE_NULL, unpack_edited(3, 1, 'X', 1)) \
    X(unpack_hash, "daf_unpack_dequantize", "header hash wrong", DAF_E_CORRUPT, LE_NULL, unpack_edited(60, 4, 12345, 0)) \
    X(unpack_every_byte, "daf_unpack_dequantize", "any one of the 64 header bytes changed (hash not updated)", DAF_E_CORRUPT, LE_NULL, every_header_byte_flipped()) \
    X(unpack_version2, "daf_unpack_dequantize", "format version 2", DAF_E_UNSUPPORTED_FORMAT, LE_NULL, unpack_edited(4, 2, 2, 1)) \
    X(unpack_version0, "daf_unpack_dequantize", "format version 0", DAF_E_UNSUPPORTED_FORMAT, LE_NULL, unpack_edited(4, 2, 0, 1)) \
    X(unpack_bits0, "daf_unpack_dequantize", "header bits 0", DAF_E_CORRUPT, LE_NULL, unpack_edited(6, 1, 0, 1)) \
    X(unpack_bits9, "daf_unpack_dequantize", "header bits 9", DAF_E_CORRUPT, LE_NULL, unpack_edited(6, 1, 9, 1)) \
    X(unpack_bits2, "daf_unpack_dequantize", "header bits 2 (sizes no longer add up)", DAF_E_CORRUPT, LE_NULL, unpack_edited(6, 1, 2, 1)) \
    X(unpack_round2, "daf_unpack_dequantize", "header rounding 2", DAF_E_CORRUPT, LE_NULL, unpack_edited(7, 1, 2, 1)) \
    X(unpack_group0, "daf_unpack_dequantize", "header group_size 0", DAF_E_CORRUPT, LE_NULL, unpack_edited(8, 4, 0, 1)) \
    X(unpack_group100, "daf_unpack_dequantize", "header group_size 100", DAF_E_CORRUPT, LE_NULL, unpack_edited(8, 4, 100, 1)) \
    X(unpack_group_big, "daf_unpack_dequantize", "header group_size 65552", DAF_E_CORRUPT, LE_NULL, unpack_edited(8, 4, 65552, 1)) \
    X(unpack_group_32, "daf_unpack_dequantize", "header group_size 32 (sizes no longer add up)", DAF_E_CORRUPT, LE_NULL, unpack_edited(8, 4, 32, 1)) \
    X(unpack_lanes, "daf_unpack_dequantize", "header lanes 8", DAF_E_CORRUPT, LE_NULL, unpack_edited(12, 4, 8, 1)) \
    X(unpack_count_plus, "daf_unpack_dequantize", "header count + 1 (sizes still add up: not the caller's count)", DAF_E_SIZE_MISMATCH, LE_NULL, unpack_edited(16, 8, N + 1, 1)) \
    X(unpack_hcount_more, "daf_unpack_dequantize", "header count + 100 (sizes no longer add up)", DAF_E_CORRUPT, LE_NULL, unpack_edited(16, 8, N + 100, 1)) \
    X(unpack_count_huge, "daf_unpack_dequantize", "header count 2^58 + 1", DAF_E_CORRUPT, LE_NULL, unpack_edited(16, 8, ((uint64_t)1 << 58) + 1, 1)) \
    X(unpack_count_u64, "daf_unpack_dequantize", "header count UINT64_MAX", DAF_E_CORRUPT, LE_NULL, unpack_edited(16, 8, UINT64_MAX, 1)) \
    X(unpack_nf_plus, "daf_unpack_dequantize", "header non-finite count + 1", DAF_E_CORRUPT, LE_NULL, unpack_edited(24, 8, 4, 1)) \
    X(unpack_nf_over, "daf_unpack_dequantize", "header non-finite count above count", DAF_E_CORRUPT, LE_NULL, unpack_edited(24, 8, N + 1, 1)) \
    X(unpack_nf_u64, "daf_unpack_dequantize", "header non-finite count UINT64_MAX", DAF_E_CORRUPT, LE_NULL, unpack_edited(24, 8, UINT64_MAX, 1)) \
    X(unpack_total_plus, "daf_unpack_dequantize", "header total size + 1", DAF_E_CORRUPT, LE_NULL, unpack_edited(40, 8, F.blob_size + 1, 1)) \
    X(unpack_total_u64, "daf_unpack_dequantize", "header total size UINT64_MAX", DAF_E_CORRUPT, LE_NULL, unpack_edited(40, 8, UINT64_MAX, 1)) \
    X(unpack_seed, "daf_unpack_dequantize", "header seed changed (hash updated): not used to decode", DAF_OK, LE_NONE, unpack_edited_still_valid(32, 8, 0x1234567890ull, 1, 1)) \
    X(unpack_code, "daf_unpack_dequantize", "a code byte changed (codes carry no checksum: another in-range value)", DAF_OK, LE_NONE, unpack_edited_still_valid(F.codes_at + 5, 1, 0xA5, 0, 0)) \
    X(unpack_reserved, "daf_unpack_dequantize", "reserved header byte nonzero", DAF_E_CORRUPT, LE_NULL, unpack_edited(50, 1, 1, 1)) \
    X(unpack_min_nan, "daf_unpack_dequantize", "group table: a min NaN", DAF_E_CORRUPT, LE_NULL, unpack_edited(64, 4, 0x7FC00000u, 0)) \
    X(unpack_min_inf, "daf_unpack_dequantize", "group table: a min +Inf", DAF_E_CORRUPT, LE_NULL, unpack_edited(72, 4, 0x7F800000u, 0)) \
    X(unpack_scale_nan, "daf_unpack_dequantize", "group table: a scale NaN", DAF_E_CORRUPT, LE_NULL, unpack_edited(68, 4, 0x7FC00000u, 0)) \
    X(unpack_scale_inf, "daf_unpack_dequantize", "group table: a scale -Inf", DAF_E_CORRUPT, LE_NULL, unpack_edited(76, 4, 0xFF800000u, 0)) \
    X(unpack_scale_huge, "daf_unpack_dequantize", "group table: scale 1e38 (decodes to Inf)", DAF_E_CORRUPT, LE_NULL, unpack_edited(84, 4, 0x7E967699u, 0)) \
    X(unpack_nf_order, "daf_unpack_dequantize", "non-finite list: indices not ascending", DAF_E_CORRUPT, LE_NULL, unpack_edited(F.list_at + 8, 8, 3, 0)) \
    X(unpack_nf_repeat, "daf_unpack_dequantize", "non-finite list: an index repeated", DAF_E_CORRUPT, LE_NULL, unpack_edited(F.list_at + 8, 8, 7, 0)) \
    X(unpack_nf_range, "daf_unpack_dequantize", "non-finite list: index = count", DAF_E_CORRUPT, LE_NULL, unpack_edited(F.list_at + 16, 8, N, 0)) \
    X(unpack_nf_u64idx, "daf_unpack_dequantize", "non-finite list: index UINT64_MAX", DAF_E_CORRUPT, LE_NULL, unpack_edited(F.list_at + 16, 8, UINT64_MAX, 0)) \
    X(unpack_nf_finite, "daf_unpack_dequantize", "non-finite list: a finite bit pattern", DAF_E_CORRUPT, LE_NULL, unpack_edited(F.list_at + 24 + 4, 4, 0x3F800000u, 0)) \
    X(range_src_null, "daf_unpack_dequantize_range", "src NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_unpack_dequantize_range(NULL, F.blob_size, 0, 10, F.out)) \
    X(range_dst_null, "daf_unpack_dequantize_range", "dst NULL, count > 0", DAF_E_NULL_ARGUMENT, LE_NULL, daf_unpack_dequantize_range(F.blob, F.blob_size, 0, 10, NULL)) \
    X(range_mis, "daf_unpack_dequantize_range", "dst misaligned", DAF_E_MISALIGNED, LE_NULL, daf_unpack_dequantize_range(F.blob, F.blob_size, 0, 10, F.mis)) \
    X(range_count_max, "daf_unpack_dequantize_range", "count SIZE_MAX", DAF_E_OVERFLOW, LE_NULL, daf_unpack_dequantize_range(F.blob, F.blob_size, 0, SIZE_MAX, F.out)) \
    X(range_count_x4, "daf_unpack_dequantize_range", "count SIZE_MAX / 4 + 1 (count * 4 wraps)", DAF_E_OVERFLOW, LE_NULL, daf_unpack_dequantize_range(F.blob, F.blob_size, 0, SIZE_MAX / 4 + 1, F.out)) \
    X(range_past_end, "daf_unpack_dequantize_range", "first + count = count + 1", DAF_E_OUT_OF_RANGE, LE_NULL, daf_unpack_dequantize_range(F.blob, F.blob_size, 1, N, F.out)) \
    X(range_first_end, "daf_unpack_dequantize_range", "first = count, count 1", DAF_E_OUT_OF_RANGE, LE_NULL, daf_unpack_dequantize_range(F.blob, F.blob_size, N, 1, F.out)) \
    X(range_first_max, "daf_unpack_dequantize_range", "first SIZE_MAX", DAF_E_OUT_OF_RANGE, LE_NULL, daf_unpack_dequantize_range(F.blob, F.blob_size, SIZE_MAX, 1, F.out)) \
    X(range_wraps, "daf_unpack_dequantize_range", "first + count wraps past SIZE_MAX", DAF_E_OUT_OF_RANGE, LE_NULL, daf_unpack_dequantize_range(F.blob, F.blob_size, SIZE_MAX - 2, 8, F.out)) \
    X(range_empty_end, "daf_unpack_dequantize_range", "first = count, count 0, dst NULL (empty range)", DAF_OK, LE_NONE, daf_unpack_dequantize_range(F.blob, F.blob_size, N, 0, NULL)) \
    X(range_trunc, "daf_unpack_dequantize_range", "src_size one byte short", DAF_E_CORRUPT, LE_NULL, daf_unpack_dequantize_range(F.blob, F.blob_size - 1, 0, 10, F.out)) \
    X(range_hash, "daf_unpack_dequantize_range", "header hash wrong", DAF_E_CORRUPT, LE_NULL, (edited(61, 1, F.blob[61] ^ 0xFFu, 0), daf_unpack_dequantize_range(F.work, F.blob_size, 0, 10, F.out))) \
    X(range_group_nan, "daf_unpack_dequantize_range", "group table entry of the range NaN", DAF_E_CORRUPT, LE_NULL, (edited(64, 4, 0x7FC00000u, 0), daf_unpack_dequantize_range(F.work, F.blob_size, 0, 10, F.out))) \
    X(range_nf_bad, "daf_unpack_dequantize_range", "non-finite list out of order (outside the range too)", DAF_E_CORRUPT, LE_NULL, (edited(F.list_at + 16, 8, 1, 0), daf_unpack_dequantize_range(F.work, F.blob_size, 0, 10, F.out))) \
    X(info_src_null, "daf_packed_info", "src NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_packed_info(NULL, F.blob_size, &F.bi)) \
    X(info_null, "daf_packed_info", "info NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_packed_info(F.blob, F.blob_size, NULL)) \
    X(info_ss0, "daf_packed_info", "info.struct_size 0", DAF_E_STRUCT_SIZE, LE_NULL, daf_packed_info(F.blob, F.blob_size, out_struct(0))) \
    X(info_ss_small, "daf_packed_info", "info.struct_size smaller (sizeof - 8)", DAF_E_STRUCT_SIZE, LE_NULL, daf_packed_info(F.blob, F.blob_size, out_struct(sizeof(daf_packed_information) - 8))) \
    X(info_ss_4097, "daf_packed_info", "info.struct_size 4097 (garbage)", DAF_E_STRUCT_SIZE, LE_NULL, daf_packed_info(F.blob, F.blob_size, out_struct(4097))) \
    X(info_ss_larger, "daf_packed_info", "info.struct_size larger (tail zeroed)", DAF_OK, LE_NONE, tail_zeroed(daf_packed_info(F.blob, F.blob_size, out_struct(sizeof(daf_packed_information) + 40)), sizeof(daf_packed_information), sizeof(daf_packed_information) + 40)) \
    X(info_size0, "daf_packed_info", "src_size 0", DAF_E_CORRUPT, LE_NULL, daf_packed_info(F.blob, 0, &F.bi)) \
    X(info_trunc, "daf_packed_info", "src_size one byte short", DAF_E_CORRUPT, LE_NULL, daf_packed_info(F.blob, F.blob_size - 1, &F.bi)) \
    X(info_magic, "daf_packed_info", "magic wrong", DAF_E_CORRUPT, LE_NULL, info_edited(0, 1, 'Q', 1)) \
    X(info_version, "daf_packed_info", "format version 2", DAF_E_UNSUPPORTED_FORMAT, LE_NULL, info_edited(4, 2, 2, 1)) \
    X(info_bits, "daf_packed_info", "header bits 9", DAF_E_CORRUPT, LE_NULL, info_edited(6, 1, 9, 1)) \
    X(info_count, "daf_packed_info", "header count UINT64_MAX", DAF_E_CORRUPT, LE_NULL, info_edited(16, 8, UINT64_MAX, 1)) \
    X(info_total, "daf_packed_info", "header total size wrong", DAF_E_CORRUPT, LE_NULL, info_edited(40, 8, 64, 1)) \
    X(info_odd, "daf_packed_info", "blob at an odd address", DAF_OK, LE_NONE, info_at_odd_address()) \
    X(minmax_src_null, "daf_minmax", "src NULL, count > 0", DAF_E_NULL_ARGUMENT, LE_NULL, daf_minmax(NULL, N, &F.lo, &F.hi)) \
    X(minmax_min_null, "daf_minmax", "out_min NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_minmax(F.x, N, NULL, &F.hi)) \
    X(minmax_max_null, "daf_minmax", "out_max NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_minmax(F.x, N, &F.lo, NULL)) \
    X(minmax_mis, "daf_minmax", "src misaligned", DAF_E_MISALIGNED, LE_NULL, daf_minmax(F.mis, N, &F.lo, &F.hi)) \
    X(minmax_min_mis, "daf_minmax", "out_min misaligned", DAF_E_MISALIGNED, LE_NULL, daf_minmax(F.x, N, F.mis, &F.hi)) \
    X(minmax_max_mis, "daf_minmax", "out_max misaligned", DAF_E_MISALIGNED, LE_NULL, daf_minmax(F.x, N, &F.lo, F.mis)) \
    X(minmax_order, "daf_minmax", "src misaligned and out_min NULL (parameter order)", DAF_E_MISALIGNED, LE_NULL, daf_minmax(F.mis, N, NULL, &F.hi)) \
    X(minmax_count_max, "daf_minmax", "count SIZE_MAX", DAF_E_OVERFLOW, LE_NULL, daf_minmax(F.x, SIZE_MAX, &F.lo, &F.hi)) \
    X(minmax_count_x4, "daf_minmax", "count SIZE_MAX / 4 + 1 (count * 4 wraps)", DAF_E_OVERFLOW, LE_NULL, daf_minmax(F.x, SIZE_MAX / 4 + 1, &F.lo, &F.hi)) \
    X(minmax_nonfinite, "daf_minmax", "NaN and ±Inf in src (skipped)", DAF_OK, LE_NONE, minmax_skips_nonfinite()) \
    X(minmax_no_finite, "daf_minmax", "no finite value (both NaN)", DAF_OK, LE_NONE, minmax_no_finite()) \
    X(minmax_zero, "daf_minmax", "count 0, src NULL (both NaN)", DAF_OK, LE_NONE, zero_count_codec(2)) \
    X(threads_257, "daf_codec_set_threads", "257 (above 256; setting unchanged)", DAF_E_INVALID_ARGUMENT, LE_NULL, codec_threads_unchanged()) \
    X(threads_max, "daf_codec_set_threads", "UINT32_MAX", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_codec_set_threads(UINT32_MAX)) \
    X(codec_threads, "daf_codec_threads", "no arguments: nothing can be bad", DAF_OK, LE_NONE, daf_codec_threads() == 1 ? DAF_OK : WRONG_DATA) \
    X(create_out_null, "daf_create", "out_ctx NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_create(NULL, NULL)) \
    X(create_order, "daf_create", "options.struct_size 0 and out_ctx NULL (parameter order)", DAF_E_STRUCT_SIZE, LE_NULL, daf_create(in_opt(0, 0), NULL)) \
    X(create_ss0, "daf_create", "options.struct_size 0 (*out_ctx set to NULL)", DAF_E_STRUCT_SIZE, LE_NULL, create_with(in_opt(0, 0))) \
    X(create_ss_small, "daf_create", "options.struct_size smaller (sizeof - 8)", DAF_E_STRUCT_SIZE, LE_NULL, create_with(in_opt(sizeof(daf_options) - 8, 0))) \
    X(create_ss_4097, "daf_create", "options.struct_size 4097 (garbage)", DAF_E_STRUCT_SIZE, LE_NULL, create_with(in_opt(4097, 0))) \
    X(create_ss_tail, "daf_create", "options.struct_size larger, unknown tail nonzero", DAF_E_STRUCT_SIZE, LE_NULL, create_with(in_opt(sizeof(daf_options) + 32, 7))) \
    X(create_ss_larger, "daf_create", "options.struct_size larger, unknown tail zero", DAF_OK, LE_NONE, create_with(in_opt(sizeof(daf_options) + 32, 0))) \
    X(create_bits0, "daf_create", "bits 0", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(bits, 0))) \
    X(create_bits9, "daf_create", "bits 9", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(bits, 9))) \
    X(create_group8, "daf_create", "group_size 8", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(group_size, 8))) \
    X(create_group100, "daf_create", "group_size 100", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(group_size, 100))) \
    X(create_group_big, "daf_create", "group_size 65552", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(group_size, 65552))) \
    X(create_round2, "daf_create", "rounding 2", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(rounding, 2))) \
    X(create_threads, "daf_create", "threads 257", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(threads, 257))) \
    X(create_policy, "daf_create", "policy 8 (unknown flag)", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(policy, 8))) \
    X(create_floor9, "daf_create", "degrade_floor_bits 9", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(degrade_floor_bits, 9))) \
    X(create_reserved, "daf_create", "reserved 1", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(reserved, 1))) \
    X(create_page0, "daf_create", "page_size 0", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(page_size, 0))) \
    X(create_page_small, "daf_create", "page_size 2048 (below the OS page)", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(page_size, 2048))) \
    X(create_page_odd, "daf_create", "page_size 12288 (not a power of two)", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(page_size, 12288))) \
    X(create_page_big, "daf_create", "page_size 32 MiB (above the maximum)", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(page_size, 1u << 25))) \
    X(create_chunk_odd, "daf_create", "chunk_bytes not a multiple of page_size", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(chunk_bytes, 65536 * 3 + 1))) \
    X(create_chunk_big, "daf_create", "chunk_bytes of 2^24 + 1 pages", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(chunk_bytes, 65536 * (((uint64_t)1 << 24) + 1)))) \
    X(create_chunk_max, "daf_create", "chunk_bytes UINT64_MAX", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(chunk_bytes, UINT64_MAX))) \
    X(create_flags, "daf_create", "pool_flags 2 (unknown)", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(pool_flags, 2))) \
    X(create_dir_empty, "daf_create", "spill_dir \"\"", DAF_E_INVALID_ARGUMENT, LE_NULL, create_with(OPT(spill_dir, ""))) \
    X(create_dir_long, "daf_create", "spill_dir of 4199 bytes (above 4095)", DAF_E_INVALID_ARGUMENT, LE_NULL, spill_dir_too_long()) \
    X(create_dir_file, "daf_create", "spill_dir a regular file, policy SPILL", DAF_E_INVALID_ARGUMENT, LE_NULL, spill_dir_is_file()) \
    X(create_dir_missing, "daf_create", "spill_dir missing, policy SPILL", DAF_E_INVALID_ARGUMENT, LE_NULL, spill_dir_missing_with_spill()) \
    X(create_tmpdir_missing, "daf_create", "spill_dir NULL and $TMPDIR missing, policy SPILL", DAF_E_INVALID_ARGUMENT, LE_NULL, tmpdir_missing_with_spill()) \
    X(create_dir_unused, "daf_create", "spill_dir missing, policy FAIL (never used, not checked)", DAF_OK, LE_NONE, spill_dir_missing_without_spill()) \
    X(create_budget0, "daf_create", "budget_bytes 0 (no limit)", DAF_OK, LE_NONE, create_with(OPT(budget_bytes, 0))) \
    X(create_budget1, "daf_create", "budget_bytes 1 (below one page: every save refused)", DAF_OK, LE_NONE, create_with(OPT(budget_bytes, 1))) \
    X(create_budget_max, "daf_create", "budget_bytes UINT64_MAX (no practical limit)", DAF_OK, LE_NONE, create_with(OPT(budget_bytes, UINT64_MAX))) \
    X(destroy_null, "daf_destroy", "ctx NULL (a no-op)", DAF_OK, LE_NONE, daf_destroy(NULL)) \
    X(destroy_twice, "daf_destroy", "destroyed context (double destroy)", DAF_E_INVALID_CONTEXT, LE_DEAD, destroy_twice()) \
    X(destroy_fake, "daf_destroy", "pointer that is not a context", DAF_E_INVALID_CONTEXT, LE_FAKE, daf_destroy(F.fake)) \
    X(destroy_pool, "daf_destroy", "a daf_pool pointer cast to daf_context", DAF_E_INVALID_CONTEXT, LE_POOL, daf_destroy((daf_context *)(void *)F.pool)) \
    X(save_ctx_null, "daf_save", "ctx NULL", DAF_E_INVALID_CONTEXT, LE_NULL, daf_save(NULL, F.x, N, NULL, &F.hout)) \
    X(save_ctx_dead, "daf_save", "destroyed context", DAF_E_INVALID_CONTEXT, LE_DEAD, daf_save(F.dead, F.x, N, NULL, &F.hout)) \
    X(save_ctx_fake, "daf_save", "pointer that is not a context", DAF_E_INVALID_CONTEXT, LE_FAKE, daf_save(F.fake, F.x, N, NULL, &F.hout)) \
    X(save_src_null, "daf_save", "src NULL, count > 0", DAF_E_NULL_ARGUMENT, LE_CTX, daf_save(F.ctx, NULL, N, NULL, &F.hout)) \
    X(save_out_null, "daf_save", "out_handle NULL", DAF_E_NULL_ARGUMENT, LE_CTX, daf_save(F.ctx, F.x, N, NULL, NULL)) \
    X(save_mis, "daf_save", "src misaligned (*out_handle set to 0)", DAF_E_MISALIGNED, LE_CTX, save_fails_handle_zero()) \
    X(save_order_mis, "daf_save", "src misaligned and out_handle NULL (parameter order)", DAF_E_MISALIGNED, LE_CTX, daf_save(F.ctx, F.mis, N, NULL, NULL)) \
    X(save_order_params, "daf_save", "params.bits 9 and out_handle NULL (parameter order)", DAF_E_INVALID_ARGUMENT, LE_CTX, daf_save(F.ctx, F.x, N, SP(bits, 9), NULL)) \
    X(save_count_max, "daf_save", "count SIZE_MAX", DAF_E_OVERFLOW, LE_CTX, daf_save(F.ctx, F.x, SIZE_MAX, NULL, &F.hout)) \
    X(save_count_x4, "daf_save", "count SIZE_MAX / 4 + 1 (count * 4 wraps)", DAF_E_OVERFLOW, LE_CTX, daf_save(F.ctx, F.x, SIZE_MAX / 4 + 1, NULL, &F.hout)) \
    X(save_count_2p58, "daf_save", "count 2^58 + 1", DAF_E_OVERFLOW, LE_CTX, daf_save(F.ctx, F.x, ((size_t)1 << 58) + 1, NULL, &F.hout)) \
    X(save_bits9, "daf_save", "params.bits 9", DAF_E_INVALID_ARGUMENT, LE_CTX, daf_save(F.ctx, F.x, N, SP(bits, 9), &F.hout)) \
    X(save_bits_max, "daf_save", "params.bits UINT32_MAX", DAF_E_INVALID_ARGUMENT, LE_CTX, daf_save(F.ctx, F.x, N, SP(bits, UINT32_MAX), &F.hout)) \
    X(save_imp_nan, "daf_save", "params.importance NaN", DAF_E_INVALID_ARGUMENT, LE_CTX, daf_save(F.ctx, F.x, N, SP(importance, NAN), &F.hout)) \
    X(save_imp_inf, "daf_save", "params.importance +Inf", DAF_E_INVALID_ARGUMENT, LE_CTX, daf_save(F.ctx, F.x, N, SP(importance, INFINITY), &F.hout)) \
    X(save_imp_ninf, "daf_save", "params.importance -Inf", DAF_E_INVALID_ARGUMENT, LE_CTX, daf_save(F.ctx, F.x, N, SP(importance, -INFINITY), &F.hout)) \
    X(save_reserved, "daf_save", "params.reserved 1", DAF_E_INVALID_ARGUMENT, LE_CTX, daf_save(F.ctx, F.x, N, SP(reserved, 1), &F.hout)) \
    X(save_ss0, "daf_save", "params.struct_size 0", DAF_E_STRUCT_SIZE, LE_CTX, daf_save(F.ctx, F.x, N, in_sp(0, 0), &F.hout)) \
    X(save_ss_small, "daf_save", "params.struct_size smaller (sizeof - 8)", DAF_E_STRUCT_SIZE, LE_CTX, daf_save(F.ctx, F.x, N, in_sp(sizeof(daf_save_params) - 8, 0), &F.hout)) \
    X(save_ss_4097, "daf_save", "params.struct_size 4097 (garbage)", DAF_E_STRUCT_SIZE, LE_CTX, daf_save(F.ctx, F.x, N, in_sp(4097, 0), &F.hout)) \
    X(save_ss_tail, "daf_save", "params.struct_size larger, unknown tail nonzero", DAF_E_STRUCT_SIZE, LE_CTX, daf_save(F.ctx, F.x, N, in_sp(sizeof(daf_save_params) + 24, 9), &F.hout)) \
    X(save_ss_larger, "daf_save", "params.struct_size larger, unknown tail zero", DAF_OK, LE_NONE, daf_save(F.ctx, F.x, N, in_sp(sizeof(daf_save_params) + 24, 0), &F.hout)) \
    X(save_recompute_unused, "daf_save", "recompute callback under a policy without RECOMPUTE (kept, never called)", DAF_OK, LE_NONE, daf_save(F.ctx, F.x, N, SP(recompute, recompute_never), &F.hout)) \
    X(save_nonfinite, "daf_save", "NaN, +Inf, -Inf in src (bit-exact back)", DAF_OK, LE_NONE, save_nonfinite_roundtrip()) \
    X(save_budget_zero, "daf_save", "after daf_set_budget 0 (no limit)", DAF_OK, LE_NONE, save_under_budget_zero()) \
    X(save_budget_tiny, "daf_save", "budget 1 byte (the blob alone exceeds it)", DAF_E_BUDGET_EXCEEDED, LE_CTX, save_after_budget_one_byte()) \
    X(save_chunk_huge, "daf_save", "pool chunk of 256 TiB (the OS refuses to map it)", DAF_E_NO_MEMORY, LE_CTX, save_chunk_unmappable()) \
    X(save_zero, "daf_save", "count 0, src NULL (restores with dst NULL)", DAF_OK, LE_NONE, zero_count_save(0)) \
    X(save_recompute_none, "daf_save", "policy RECOMPUTE, no entry has a callback (none may be dropped)", DAF_E_BUDGET_EXCEEDED, LE_CTX, recompute_without_callbacks()) \
    X(async_ctx_null, "daf_save_async", "ctx NULL", DAF_E_INVALID_CONTEXT, LE_NULL, daf_save_async(NULL, F.x, N, NULL, &F.hout)) \
    X(async_ctx_dead, "daf_save_async", "destroyed context", DAF_E_INVALID_CONTEXT, LE_DEAD, daf_save_async(F.dead, F.x, N, NULL, &F.hout)) \
    X(async_src_null, "daf_save_async", "src NULL, count > 0", DAF_E_NULL_ARGUMENT, LE_CTX, daf_save_async(F.ctx, NULL, N, NULL, &F.hout)) \
    X(async_out_null, "daf_save_async", "out_handle NULL", DAF_E_NULL_ARGUMENT, LE_CTX, daf_save_async(F.ctx, F.x, N, NULL, NULL)) \
    X(async_mis, "daf_save_async", "src misaligned", DAF_E_MISALIGNED, LE_CTX, daf_save_async(F.ctx, F.mis, N, NULL, &F.hout)) \
    X(async_count_max, "daf_save_async", "count SIZE_MAX", DAF_E_OVERFLOW, LE_CTX, daf_save_async(F.ctx, F.x, SIZE_MAX, NULL, &F.hout)) \
    X(async_bits9, "daf_save_async", "params.bits 9", DAF_E_INVALID_ARGUMENT, LE_CTX, daf_save_async(F.ctx, F.x, N, SP(bits, 9), &F.hout)) \
    X(async_imp_nan, "daf_save_async", "params.importance NaN", DAF_E_INVALID_ARGUMENT, LE_CTX, daf_save_async(F.ctx, F.x, N, SP(importance, NAN), &F.hout)) \
    X(async_ss0, "daf_save_async", "params.struct_size 0", DAF_E_STRUCT_SIZE, LE_CTX, daf_save_async(F.ctx, F.x, N, in_sp(0, 0), &F.hout)) \
    X(async_ss_4097, "daf_save_async", "params.struct_size 4097 (garbage)", DAF_E_STRUCT_SIZE, LE_CTX, daf_save_async(F.ctx, F.x, N, in_sp(4097, 0), &F.hout)) \
    X(async_ss_tail, "daf_save_async", "params.struct_size larger, unknown tail nonzero", DAF_E_STRUCT_SIZE, LE_CTX, daf_save_async(F.ctx, F.x, N, in_sp(sizeof(daf_save_params) + 8, 1), &F.hout)) \
    X(async_zero, "daf_save_async", "count 0, src NULL", DAF_OK, LE_NONE, zero_count_save(1)) \
    X(async_budget, "daf_save_async", "blob over the budget (accepted; the error comes from daf_wait, restore, release or set_importance)", DAF_OK, LE_NONE, async_over_budget(5)) \
    X(wait_ctx_null, "daf_wait", "ctx NULL", DAF_E_INVALID_CONTEXT, LE_NULL, daf_wait(NULL, F.h)) \
    X(wait_ctx_dead, "daf_wait", "destroyed context", DAF_E_INVALID_CONTEXT, LE_DEAD, daf_wait(F.dead, F.h)) \
    X(wait_ctx_fake, "daf_wait", "pointer that is not a context", DAF_E_INVALID_CONTEXT, LE_FAKE, daf_wait(F.fake, F.h)) \
    X(wait_h0, "daf_wait", "handle 0", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_wait(F.ctx, 0)) \
    X(wait_released, "daf_wait", "released handle", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_wait(F.ctx, F.released)) \
    X(wait_foreign, "daf_wait", "another context's handle", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_wait(F.ctx, F.foreign)) \
    X(wait_made_up, "daf_wait", "made-up handle UINT64_MAX", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_wait(F.ctx, UINT64_MAX)) \
    X(wait_async_fail, "daf_wait", "async save that failed (over budget)", DAF_E_BUDGET_EXCEEDED, LE_CTX, async_over_budget(0)) \
    X(wait_failed_twice, "daf_wait", "handle of a failed async save, after its failure was reported", DAF_E_UNKNOWN_HANDLE, LE_CTX, async_over_budget(4)) \
    X(wait_pending, "daf_wait", "async save still queued (waits)", DAF_OK, LE_NONE, restore_pending_async(3)) \
    X(restore_ctx_null, "daf_restore", "ctx NULL", DAF_E_INVALID_CONTEXT, LE_NULL, daf_restore(NULL, F.h, F.out, N)) \
    X(restore_ctx_dead, "daf_restore", "destroyed context", DAF_E_INVALID_CONTEXT, LE_DEAD, daf_restore(F.dead, F.h, F.out, N)) \
    X(restore_ctx_fake, "daf_restore", "pointer that is not a context", DAF_E_INVALID_CONTEXT, LE_FAKE, daf_restore(F.fake, F.h, F.out, N)) \
    X(restore_h0, "daf_restore", "handle 0", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_restore(F.ctx, 0, F.out, N)) \
    X(restore_released, "daf_restore", "released handle", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_restore(F.ctx, F.released, F.out, N)) \
    X(restore_foreign, "daf_restore", "another context's handle", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_restore(F.ctx, F.foreign, F.out, N)) \
    X(restore_made_up, "daf_restore", "made-up handle UINT64_MAX", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_restore(F.ctx, UINT64_MAX, F.out, N)) \
    X(restore_stale_ctx, "daf_restore", "handle of a context destroyed since", DAF_E_UNKNOWN_HANDLE, LE_CTX, handle_of_destroyed_context()) \
    X(restore_dst_null, "daf_restore", "dst NULL, count > 0", DAF_E_NULL_ARGUMENT, LE_CTX, daf_restore(F.ctx, F.h, NULL, N)) \
    X(restore_mis, "daf_restore", "dst misaligned", DAF_E_MISALIGNED, LE_CTX, daf_restore(F.ctx, F.h, F.mis, N)) \
    X(restore_count_max, "daf_restore", "count SIZE_MAX", DAF_E_OVERFLOW, LE_CTX, daf_restore(F.ctx, F.h, F.out, SIZE_MAX)) \
    X(restore_count_x4, "daf_restore", "count SIZE_MAX / 4 + 1 (count * 4 wraps)", DAF_E_OVERFLOW, LE_CTX, daf_restore(F.ctx, F.h, F.out, SIZE_MAX / 4 + 1)) \
    X(restore_count_less, "daf_restore", "count one less than saved", DAF_E_SIZE_MISMATCH, LE_CTX, daf_restore(F.ctx, F.h, F.out, N - 1)) \
    X(restore_count_more, "daf_restore", "count one more than saved", DAF_E_SIZE_MISMATCH, LE_CTX, daf_restore(F.ctx, F.h, F.out, N + 1)) \
    X(restore_count0, "daf_restore", "count 0 for a non-empty entry", DAF_E_SIZE_MISMATCH, LE_CTX, daf_restore(F.ctx, F.h, F.out, 0)) \
    X(restore_released_dst_null, "daf_restore", "released handle, dst NULL (the handle comes first)", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_restore(F.ctx, F.released, NULL, N)) \
    X(restore_released_mis, "daf_restore", "released handle, dst misaligned (the handle comes first)", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_restore(F.ctx, F.released, F.mis, N)) \
    X(restore_pending, "daf_restore", "async save still queued (waits, exact values)", DAF_OK, LE_NONE, restore_pending_async(0)) \
    X(restore_async_fail, "daf_restore", "async save that failed (over budget)", DAF_E_BUDGET_EXCEEDED, LE_CTX, async_over_budget(1)) \
    X(restore_recompute, "daf_restore", "dropped entry whose recompute callback fails (entry kept)", DAF_E_RECOMPUTE_FAILED, LE_CTX, recompute_fails(0)) \
    X(rrange_ctx_null, "daf_restore_range", "ctx NULL", DAF_E_INVALID_CONTEXT, LE_NULL, daf_restore_range(NULL, F.h, 0, 10, F.out)) \
    X(rrange_ctx_dead, "daf_restore_range", "destroyed context", DAF_E_INVALID_CONTEXT, LE_DEAD, daf_restore_range(F.dead, F.h, 0, 10, F.out)) \
    X(rrange_h0, "daf_restore_range", "handle 0", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_restore_range(F.ctx, 0, 0, 10, F.out)) \
    X(rrange_released, "daf_restore_range", "released handle", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_restore_range(F.ctx, F.released, 0, 10, F.out)) \
    X(rrange_foreign, "daf_restore_range", "another context's handle", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_restore_range(F.ctx, F.foreign, 0, 10, F.out)) \
    X(rrange_dst_null, "daf_restore_range", "dst NULL, count > 0", DAF_E_NULL_ARGUMENT, LE_CTX, daf_restore_range(F.ctx, F.h, 0, 10, NULL)) \
    X(rrange_mis, "daf_restore_range", "dst misaligned", DAF_E_MISALIGNED, LE_CTX, daf_restore_range(F.ctx, F.h, 0, 10, F.mis)) \
    X(rrange_count_max, "daf_restore_range", "count SIZE_MAX", DAF_E_OVERFLOW, LE_CTX, daf_restore_range(F.ctx, F.h, 0, SIZE_MAX, F.out)) \
    X(rrange_past_end, "daf_restore_range", "first + count = count + 1", DAF_E_OUT_OF_RANGE, LE_CTX, daf_restore_range(F.ctx, F.h, 1, N, F.out)) \
    X(rrange_first_max, "daf_restore_range", "first SIZE_MAX", DAF_E_OUT_OF_RANGE, LE_CTX, daf_restore_range(F.ctx, F.h, SIZE_MAX, 1, F.out)) \
    X(rrange_wraps, "daf_restore_range", "first + count wraps past SIZE_MAX", DAF_E_OUT_OF_RANGE, LE_CTX, daf_restore_range(F.ctx, F.h, SIZE_MAX - 2, 8, F.out)) \
    X(rrange_past_end_dst_null, "daf_restore_range", "first = count + 5, dst NULL (the range comes first)", DAF_E_OUT_OF_RANGE, LE_CTX, daf_restore_range(F.ctx, F.h, N + 5, 1, NULL)) \
    X(rrange_released_dst_null, "daf_restore_range", "released handle, dst NULL (the handle comes first)", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_restore_range(F.ctx, F.released, 0, 10, NULL)) \
    X(rrange_empty, "daf_restore_range", "first = count, count 0, dst NULL (empty range)", DAF_OK, LE_NONE, daf_restore_range(F.ctx, F.h, N, 0, NULL)) \
    X(rrange_pending, "daf_restore_range", "async save still queued (waits, exact values)", DAF_OK, LE_NONE, restore_pending_async(1)) \
    X(rrange_recompute, "daf_restore_range", "dropped entry whose recompute callback fails (entry kept)", DAF_E_RECOMPUTE_FAILED, LE_CTX, recompute_fails(1)) \
    X(release_ctx_null, "daf_release", "ctx NULL", DAF_E_INVALID_CONTEXT, LE_NULL, daf_release(NULL, F.h)) \
    X(release_ctx_dead, "daf_release", "destroyed context", DAF_E_INVALID_CONTEXT, LE_DEAD, daf_release(F.dead, F.h)) \
    X(release_ctx_fake, "daf_release", "pointer that is not a context", DAF_E_INVALID_CONTEXT, LE_FAKE, daf_release(F.fake, F.h)) \
    X(release_h0, "daf_release", "handle 0", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_release(F.ctx, 0)) \
    X(release_released, "daf_release", "released handle", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_release(F.ctx, F.released)) \
    X(release_twice, "daf_release", "double release", DAF_E_UNKNOWN_HANDLE, LE_CTX, release_twice()) \
    X(release_foreign, "daf_release", "another context's handle", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_release(F.ctx, F.foreign)) \
    X(release_made_up, "daf_release", "made-up handle UINT64_MAX", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_release(F.ctx, UINT64_MAX)) \
    X(release_pending, "daf_release", "async save still queued (waits)", DAF_OK, LE_NONE, restore_pending_async(2)) \
    X(release_async_fail, "daf_release", "async save that failed (over budget)", DAF_E_BUDGET_EXCEEDED, LE_CTX, async_over_budget(2)) \
    X(rrel_ctx_null, "daf_restore_release", "ctx NULL", DAF_E_INVALID_CONTEXT, LE_NULL, daf_restore_release(NULL, F.h, F.out, N)) \
    X(rrel_h0, "daf_restore_release", "handle 0", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_restore_release(F.ctx, 0, F.out, N)) \
    X(rrel_released, "daf_restore_release", "released handle, dst NULL (the handle comes first)", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_restore_release(F.ctx, F.released, NULL, N)) \
    X(rrel_dst_null, "daf_restore_release", "dst NULL, count > 0 (nothing released)", DAF_E_NULL_ARGUMENT, LE_CTX, daf_restore_release(F.ctx, F.h, NULL, N)) \
    X(rrel_count_max, "daf_restore_release", "count SIZE_MAX", DAF_E_OVERFLOW, LE_CTX, daf_restore_release(F.ctx, F.h, F.out, SIZE_MAX)) \
    X(rrel_count_less, "daf_restore_release", "count one less than saved (nothing released)", DAF_E_SIZE_MISMATCH, LE_CTX, daf_restore_release(F.ctx, F.h, F.out, N - 1)) \
    X(rall_ctx_null, "daf_release_all", "ctx NULL", DAF_E_INVALID_CONTEXT, LE_NULL, daf_release_all(NULL, NULL)) \
    X(rall_ctx_dead, "daf_release_all", "destroyed context", DAF_E_INVALID_CONTEXT, LE_DEAD, daf_release_all(F.dead, NULL)) \
    X(rall_ctx_fake, "daf_release_all", "pointer that is not a context", DAF_E_INVALID_CONTEXT, LE_FAKE, daf_release_all(F.fake, NULL)) \
    X(wall_ctx_null, "daf_wait_all", "ctx NULL", DAF_E_INVALID_CONTEXT, LE_NULL, daf_wait_all(NULL)) \
    X(wall_ctx_dead, "daf_wait_all", "destroyed context", DAF_E_INVALID_CONTEXT, LE_DEAD, daf_wait_all(F.dead)) \
    X(wall_ctx_fake, "daf_wait_all", "pointer that is not a context", DAF_E_INVALID_CONTEXT, LE_FAKE, daf_wait_all(F.fake)) \
    X(imp_ctx_null, "daf_set_importance", "ctx NULL", DAF_E_INVALID_CONTEXT, LE_NULL, daf_set_importance(NULL, F.h, 1.0f)) \
    X(imp_ctx_dead, "daf_set_importance", "destroyed context", DAF_E_INVALID_CONTEXT, LE_DEAD, daf_set_importance(F.dead, F.h, 1.0f)) \
    X(imp_h0, "daf_set_importance", "handle 0", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_set_importance(F.ctx, 0, 1.0f)) \
    X(imp_released, "daf_set_importance", "released handle", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_set_importance(F.ctx, F.released, 1.0f)) \
    X(imp_foreign, "daf_set_importance", "another context's handle", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_set_importance(F.ctx, F.foreign, 1.0f)) \
    X(imp_nan, "daf_set_importance", "importance NaN", DAF_E_INVALID_ARGUMENT, LE_CTX, daf_set_importance(F.ctx, F.h, NAN)) \
    X(imp_released_nan, "daf_set_importance", "released handle, importance NaN (the handle comes first)", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_set_importance(F.ctx, F.released, NAN)) \
    X(imp_inf, "daf_set_importance", "importance +Inf", DAF_E_INVALID_ARGUMENT, LE_CTX, daf_set_importance(F.ctx, F.h, INFINITY)) \
    X(imp_ninf, "daf_set_importance", "importance -Inf", DAF_E_INVALID_ARGUMENT, LE_CTX, daf_set_importance(F.ctx, F.h, -INFINITY)) \
    X(imp_async_fail, "daf_set_importance", "async save that failed (over budget)", DAF_E_BUDGET_EXCEEDED, LE_CTX, async_over_budget(3)) \
    X(stats_ctx_null, "daf_stats", "ctx NULL", DAF_E_INVALID_CONTEXT, LE_NULL, daf_stats(NULL, (F.cs.struct_size = sizeof F.cs, &F.cs))) \
    X(stats_ctx_dead, "daf_stats", "destroyed context", DAF_E_INVALID_CONTEXT, LE_DEAD, daf_stats(F.dead, (F.cs.struct_size = sizeof F.cs, &F.cs))) \
    X(stats_null, "daf_stats", "stats NULL", DAF_E_NULL_ARGUMENT, LE_CTX, daf_stats(F.ctx, NULL)) \
    X(stats_ss0, "daf_stats", "stats.struct_size 0", DAF_E_STRUCT_SIZE, LE_CTX, daf_stats(F.ctx, out_struct(0))) \
    X(stats_ss_small, "daf_stats", "stats.struct_size smaller (sizeof - 8)", DAF_E_STRUCT_SIZE, LE_CTX, daf_stats(F.ctx, out_struct(sizeof(daf_context_statistics) - 8))) \
    X(stats_ss_4097, "daf_stats", "stats.struct_size 4097 (garbage)", DAF_E_STRUCT_SIZE, LE_CTX, daf_stats(F.ctx, out_struct(4097))) \
    X(stats_ss_larger, "daf_stats", "stats.struct_size larger (tail zeroed)", DAF_OK, LE_NONE, tail_zeroed(daf_stats(F.ctx, out_struct(sizeof(daf_context_statistics) + 48)), sizeof(daf_context_statistics), sizeof(daf_context_statistics) + 48)) \
    X(budget_ctx_null, "daf_set_budget", "ctx NULL", DAF_E_INVALID_CONTEXT, LE_NULL, daf_set_budget(NULL, 0)) \
    X(budget_ctx_dead, "daf_set_budget", "destroyed context", DAF_E_INVALID_CONTEXT, LE_DEAD, daf_set_budget(F.dead, 0)) \
    X(budget_zero, "daf_set_budget", "budget 0 (no limit)", DAF_OK, LE_NONE, daf_set_budget(F.ctx, 0)) \
    X(budget_below_live, "daf_set_budget", "1 byte with entries live, policy FAIL", DAF_E_BUDGET_EXCEEDED, LE_CTX, daf_set_budget(F.ctx, 1)) \
    X(budget_max, "daf_set_budget", "UINT64_MAX (no practical limit)", DAF_OK, LE_NONE, daf_set_budget(F.ctx, UINT64_MAX)) \
    X(info_ctx_null, "daf_handle_info", "ctx NULL", DAF_E_INVALID_CONTEXT, LE_NULL, daf_handle_info(NULL, F.h, (F.ei.struct_size = sizeof F.ei, &F.ei))) \
    X(info_ctx_dead, "daf_handle_info", "destroyed context", DAF_E_INVALID_CONTEXT, LE_DEAD, daf_handle_info(F.dead, F.h, (F.ei.struct_size = sizeof F.ei, &F.ei))) \
    X(hinfo_h0, "daf_handle_info", "handle 0", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_handle_info(F.ctx, 0, (F.ei.struct_size = sizeof F.ei, &F.ei))) \
    X(hinfo_released, "daf_handle_info", "released handle", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_handle_info(F.ctx, F.released, (F.ei.struct_size = sizeof F.ei, &F.ei))) \
    X(hinfo_foreign, "daf_handle_info", "another context's handle", DAF_E_UNKNOWN_HANDLE, LE_CTX, daf_handle_info(F.ctx, F.foreign, (F.ei.struct_size = sizeof F.ei, &F.ei))) \
    X(hinfo_null, "daf_handle_info", "info NULL", DAF_E_NULL_ARGUMENT, LE_CTX, daf_handle_info(F.ctx, F.h, NULL)) \
    X(hinfo_ss0, "daf_handle_info", "info.struct_size 0", DAF_E_STRUCT_SIZE, LE_CTX, daf_handle_info(F.ctx, F.h, out_struct(0))) \
    X(hinfo_ss_small, "daf_handle_info", "info.struct_size smaller (sizeof - 8)", DAF_E_STRUCT_SIZE, LE_CTX, daf_handle_info(F.ctx, F.h, out_struct(sizeof(daf_handle_information) - 8))) \
    X(hinfo_ss_4097, "daf_handle_info", "info.struct_size 4097 (garbage)", DAF_E_STRUCT_SIZE, LE_CTX, daf_handle_info(F.ctx, F.h, out_struct(4097))) \
    X(hinfo_ss_larger, "daf_handle_info", "info.struct_size larger (tail zeroed)", DAF_OK, LE_NONE, tail_zeroed(daf_handle_info(F.ctx, F.h, out_struct(sizeof(daf_handle_information) + 8)), sizeof(daf_handle_information), sizeof(daf_handle_information) + 8)) \
    X(hinfo_pending, "daf_handle_info", "async save still queued (waits)", DAF_OK, LE_NONE, restore_pending_async(4)) \
    X(pcreate_out_null, "daf_pool_create", "out_pool NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_pool_create(NULL, NULL)) \
    X(pcreate_order, "daf_pool_create", "options.struct_size 0 and out_pool NULL (parameter order)", DAF_E_STRUCT_SIZE, LE_NULL, daf_pool_create(in_po(0, 0), NULL)) \
    X(pcreate_ss0, "daf_pool_create", "options.struct_size 0 (*out_pool set to NULL)", DAF_E_STRUCT_SIZE, LE_NULL, pool_create_with(in_po(0, 0))) \
    X(pcreate_ss_small, "daf_pool_create", "options.struct_size smaller (sizeof - 8)", DAF_E_STRUCT_SIZE, LE_NULL, pool_create_with(in_po(sizeof(daf_pool_options) - 8, 0))) \
    X(pcreate_ss_4097, "daf_pool_create", "options.struct_size 4097 (garbage)", DAF_E_STRUCT_SIZE, LE_NULL, pool_create_with(in_po(4097, 0))) \
    X(pcreate_ss_tail, "daf_pool_create", "options.struct_size larger, unknown tail nonzero", DAF_E_STRUCT_SIZE, LE_NULL, pool_create_with(in_po(sizeof(daf_pool_options) + 8, 3))) \
    X(pcreate_ss_larger, "daf_pool_create", "options.struct_size larger, unknown tail zero", DAF_OK, LE_NONE, pool_create_with(in_po(sizeof(daf_pool_options) + 8, 0))) \
    X(pcreate_page0, "daf_pool_create", "page_size 0", DAF_E_INVALID_ARGUMENT, LE_NULL, pool_create_with(PO(page_size, 0))) \
    X(pcreate_page_small, "daf_pool_create", "page_size 4095", DAF_E_INVALID_ARGUMENT, LE_NULL, pool_create_with(PO(page_size, 4095))) \
    X(pcreate_page_odd, "daf_pool_create", "page_size 12288 (not a power of two)", DAF_E_INVALID_ARGUMENT, LE_NULL, pool_create_with(PO(page_size, 12288))) \
    X(pcreate_page_big, "daf_pool_create", "page_size 32 MiB", DAF_E_INVALID_ARGUMENT, LE_NULL, pool_create_with(PO(page_size, 1u << 25))) \
    X(pcreate_chunk_odd, "daf_pool_create", "chunk_bytes not a multiple of page_size", DAF_E_INVALID_ARGUMENT, LE_NULL, pool_create_with(PO(chunk_bytes, 65537))) \
    X(pcreate_chunk_big, "daf_pool_create", "chunk_bytes of 2^24 + 1 pages", DAF_E_INVALID_ARGUMENT, LE_NULL, pool_create_with(PO(chunk_bytes, 65536 * (((uint64_t)1 << 24) + 1)))) \
    X(pcreate_chunk_max, "daf_pool_create", "chunk_bytes UINT64_MAX", DAF_E_INVALID_ARGUMENT, LE_NULL, pool_create_with(PO(chunk_bytes, UINT64_MAX))) \
    X(pcreate_flags, "daf_pool_create", "flags 2 (unknown)", DAF_E_INVALID_ARGUMENT, LE_NULL, pool_create_with(PO(flags, 2))) \
    X(pcreate_reserved, "daf_pool_create", "reserved 1", DAF_E_INVALID_ARGUMENT, LE_NULL, pool_create_with(PO(reserved, 1))) \
    X(pcreate_budget0, "daf_pool_create", "budget_bytes 0 (no limit)", DAF_OK, LE_NONE, pool_create_with(PO(budget_bytes, 0))) \
    X(pdestroy_null, "daf_pool_destroy", "pool NULL (a no-op)", DAF_OK, LE_NONE, daf_pool_destroy(NULL)) \
    X(pdestroy_twice, "daf_pool_destroy", "destroyed pool (double destroy)", DAF_E_INVALID_POOL, LE_NULL, pool_destroy_twice()) \
    X(pdestroy_fake, "daf_pool_destroy", "pointer that is not a pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_destroy(F.fake_pool)) \
    X(pdestroy_ctx, "daf_pool_destroy", "a daf_context pointer cast to daf_pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_destroy((daf_pool *)(void *)F.ctx)) \
    X(alloc_pool_null, "daf_pool_alloc", "pool NULL", DAF_E_INVALID_POOL, LE_NULL, daf_pool_alloc(NULL, 10, 0.0f, &F.bout)) \
    X(alloc_pool_dead, "daf_pool_alloc", "destroyed pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_alloc(F.dead_pool, 10, 0.0f, &F.bout)) \
    X(alloc_pool_fake, "daf_pool_alloc", "pointer that is not a pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_alloc(F.fake_pool, 10, 0.0f, &F.bout)) \
    X(alloc_out_null, "daf_pool_alloc", "out_block NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_pool_alloc(F.pool, 10, 0.0f, NULL)) \
    X(alloc_bytes_max, "daf_pool_alloc", "bytes SIZE_MAX", DAF_E_OVERFLOW, LE_NULL, daf_pool_alloc(F.pool, SIZE_MAX, 0.0f, &F.bout)) \
    X(alloc_bytes_half, "daf_pool_alloc", "bytes SIZE_MAX / 2 (pages would wrap)", DAF_E_OVERFLOW, LE_NULL, daf_pool_alloc(F.pool, SIZE_MAX / 2, 0.0f, &F.bout)) \
    X(alloc_order, "daf_pool_alloc", "bytes SIZE_MAX and out_block NULL (parameter order)", DAF_E_OVERFLOW, LE_NULL, daf_pool_alloc(F.pool, SIZE_MAX, 0.0f, NULL)) \
    X(alloc_imp_nan, "daf_pool_alloc", "importance NaN (*out_block set to 0)", DAF_E_INVALID_ARGUMENT, LE_NULL, pool_alloc_fails_block_zero()) \
    X(alloc_imp_inf, "daf_pool_alloc", "importance +Inf", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_pool_alloc(F.pool, 10, INFINITY, &F.bout)) \
    X(alloc_budget, "daf_pool_alloc", "more than the budget allows", DAF_E_BUDGET_EXCEEDED, LE_NULL, pool_alloc_over_budget()) \
    X(alloc_budget0, "daf_pool_alloc", "after daf_pool_set_budget 0 (no limit)", DAF_OK, LE_NONE, pool_alloc_budget_zero()) \
    X(alloc_huge, "daf_pool_alloc", "bytes 2^61 - 1, no budget (more than the machine has)", DAF_E_NO_MEMORY, LE_NULL, daf_pool_alloc(F.pool, ((size_t)1 << 61) - 1, 0.0f, &F.bout)) \
    X(alloc_unmappable, "daf_pool_alloc", "chunk of 2^24 pages of 16 MiB (the OS refuses to map it)", DAF_E_NO_MEMORY, LE_NULL, pool_chunk_unmappable()) \
    X(alloc_zero, "daf_pool_alloc", "bytes 0 (no page); write and read of 0 bytes with NULL", DAF_OK, LE_NONE, zero_bytes_pool()) \
    X(pfree_pool_null, "daf_pool_free", "pool NULL", DAF_E_INVALID_POOL, LE_NULL, daf_pool_free(NULL, F.block)) \
    X(pfree_pool_dead, "daf_pool_free", "destroyed pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_free(F.dead_pool, F.block)) \
    X(pfree_b0, "daf_pool_free", "block 0", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_free(F.pool, 0)) \
    X(pfree_freed, "daf_pool_free", "freed block", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_free(F.pool, F.freed)) \
    X(pfree_twice, "daf_pool_free", "double free", DAF_E_UNKNOWN_HANDLE, LE_NULL, pool_free_twice()) \
    X(pfree_other, "daf_pool_free", "another pool's block (this pool has none)", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_free(F.other_pool, F.block)) \
    X(pfree_made_up, "daf_pool_free", "made-up block UINT64_MAX", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_free(F.pool, UINT64_MAX)) \
    X(pwrite_pool_null, "daf_pool_write", "pool NULL", DAF_E_INVALID_POOL, LE_NULL, daf_pool_write(NULL, F.block, 0, F.bytes, 10)) \
    X(pwrite_pool_dead, "daf_pool_write", "destroyed pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_write(F.dead_pool, F.block, 0, F.bytes, 10)) \
    X(pwrite_b0, "daf_pool_write", "block 0", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_write(F.pool, 0, 0, F.bytes, 10)) \
    X(pwrite_freed, "daf_pool_write", "freed block", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_write(F.pool, F.freed, 0, F.bytes, 10)) \
    X(pwrite_other, "daf_pool_write", "another pool's block (this pool has none)", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_write(F.other_pool, F.block, 0, F.bytes, 10)) \
    X(pwrite_src_null, "daf_pool_write", "src NULL, bytes > 0", DAF_E_NULL_ARGUMENT, LE_NULL, daf_pool_write(F.pool, F.block, 0, NULL, 10)) \
    X(pwrite_past, "daf_pool_write", "offset + bytes past the block", DAF_E_OUT_OF_RANGE, LE_NULL, daf_pool_write(F.pool, F.block, 95, F.bytes, 10)) \
    X(pwrite_off_max, "daf_pool_write", "offset SIZE_MAX", DAF_E_OUT_OF_RANGE, LE_NULL, daf_pool_write(F.pool, F.block, SIZE_MAX, F.bytes, 1)) \
    X(pwrite_bytes_max, "daf_pool_write", "bytes SIZE_MAX", DAF_E_OUT_OF_RANGE, LE_NULL, daf_pool_write(F.pool, F.block, 1, F.bytes, SIZE_MAX)) \
    X(pwrite_wraps, "daf_pool_write", "offset + bytes wraps past SIZE_MAX", DAF_E_OUT_OF_RANGE, LE_NULL, daf_pool_write(F.pool, F.block, 50, F.bytes, SIZE_MAX - 20)) \
    X(pwrite_unaligned, "daf_pool_write", "src and dst at odd addresses (any alignment)", DAF_OK, LE_NONE, pool_read_back()) \
    X(pread_pool_null, "daf_pool_read", "pool NULL", DAF_E_INVALID_POOL, LE_NULL, daf_pool_read(NULL, F.block, 0, F.bytes, 10)) \
    X(pread_pool_dead, "daf_pool_read", "destroyed pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_read(F.dead_pool, F.block, 0, F.bytes, 10)) \
    X(pread_b0, "daf_pool_read", "block 0", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_read(F.pool, 0, 0, F.bytes, 10)) \
    X(pread_freed, "daf_pool_read", "freed block", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_read(F.pool, F.freed, 0, F.bytes, 10)) \
    X(pread_other, "daf_pool_read", "another pool's block (this pool has none)", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_read(F.other_pool, F.block, 0, F.bytes, 10)) \
    X(pread_dst_null, "daf_pool_read", "dst NULL, bytes > 0", DAF_E_NULL_ARGUMENT, LE_NULL, daf_pool_read(F.pool, F.block, 0, NULL, 10)) \
    X(pread_past, "daf_pool_read", "offset + bytes past the block", DAF_E_OUT_OF_RANGE, LE_NULL, daf_pool_read(F.pool, F.block, 0, F.bytes, 101)) \
    X(pread_off_max, "daf_pool_read", "offset SIZE_MAX", DAF_E_OUT_OF_RANGE, LE_NULL, daf_pool_read(F.pool, F.block, SIZE_MAX, F.bytes, 1)) \
    X(pread_wraps, "daf_pool_read", "offset + bytes wraps past SIZE_MAX", DAF_E_OUT_OF_RANGE, LE_NULL, daf_pool_read(F.pool, F.block, 50, F.bytes, SIZE_MAX - 20)) \
    X(psize_pool_null, "daf_pool_block_size", "pool NULL", DAF_E_INVALID_POOL, LE_NULL, daf_pool_block_size(NULL, F.block, &F.size)) \
    X(psize_pool_dead, "daf_pool_block_size", "destroyed pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_block_size(F.dead_pool, F.block, &F.size)) \
    X(psize_b0, "daf_pool_block_size", "block 0", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_block_size(F.pool, 0, &F.size)) \
    X(psize_freed, "daf_pool_block_size", "freed block", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_block_size(F.pool, F.freed, &F.size)) \
    X(psize_out_null, "daf_pool_block_size", "out_bytes NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_pool_block_size(F.pool, F.block, NULL)) \
    X(pimp_pool_null, "daf_pool_set_importance", "pool NULL", DAF_E_INVALID_POOL, LE_NULL, daf_pool_set_importance(NULL, F.block, 1.0f)) \
    X(pimp_pool_dead, "daf_pool_set_importance", "destroyed pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_set_importance(F.dead_pool, F.block, 1.0f)) \
    X(pimp_b0, "daf_pool_set_importance", "block 0", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_set_importance(F.pool, 0, 1.0f)) \
    X(pimp_freed, "daf_pool_set_importance", "freed block", DAF_E_UNKNOWN_HANDLE, LE_NULL, daf_pool_set_importance(F.pool, F.freed, 1.0f)) \
    X(pimp_nan, "daf_pool_set_importance", "importance NaN", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_pool_set_importance(F.pool, F.block, NAN)) \
    X(pimp_ninf, "daf_pool_set_importance", "importance -Inf", DAF_E_INVALID_ARGUMENT, LE_NULL, daf_pool_set_importance(F.pool, F.block, -INFINITY)) \
    X(pleast_pool_null, "daf_pool_least_important", "pool NULL", DAF_E_INVALID_POOL, LE_NULL, daf_pool_least_important(NULL, &F.bout)) \
    X(pleast_pool_dead, "daf_pool_least_important", "destroyed pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_least_important(F.dead_pool, &F.bout)) \
    X(pleast_out_null, "daf_pool_least_important", "out_block NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_pool_least_important(F.pool, NULL)) \
    X(pleast_empty, "daf_pool_least_important", "empty pool (*out_block = 0)", DAF_OK, LE_NONE, pool_empty_least()) \
    X(pevict_pool_null, "daf_pool_evict", "pool NULL", DAF_E_INVALID_POOL, LE_NULL, daf_pool_evict(NULL, &F.bout)) \
    X(pevict_pool_dead, "daf_pool_evict", "destroyed pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_evict(F.dead_pool, &F.bout)) \
    X(pevict_out_null, "daf_pool_evict", "out_block NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_pool_evict(F.pool, NULL)) \
    X(pevict_empty, "daf_pool_evict", "empty pool (*out_block = 0, nothing freed)", DAF_OK, LE_NONE, pool_empty_evict()) \
    X(pbudget_pool_null, "daf_pool_set_budget", "pool NULL", DAF_E_INVALID_POOL, LE_NULL, daf_pool_set_budget(NULL, 0)) \
    X(pbudget_pool_dead, "daf_pool_set_budget", "destroyed pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_set_budget(F.dead_pool, 0)) \
    X(pbudget_zero, "daf_pool_set_budget", "budget 0 (no limit)", DAF_OK, LE_NONE, daf_pool_set_budget(F.pool, 0)) \
    X(pbudget_below, "daf_pool_set_budget", "1 byte with blocks live (nothing changes)", DAF_E_BUDGET_EXCEEDED, LE_NULL, pool_budget_below_live()) \
    X(pbudget_max, "daf_pool_set_budget", "UINT64_MAX (no practical limit)", DAF_OK, LE_NONE, daf_pool_set_budget(F.pool, UINT64_MAX)) \
    X(ptrim_pool_null, "daf_pool_trim", "pool NULL", DAF_E_INVALID_POOL, LE_NULL, daf_pool_trim(NULL)) \
    X(ptrim_pool_dead, "daf_pool_trim", "destroyed pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_trim(F.dead_pool)) \
    X(ptrim_pool_fake, "daf_pool_trim", "pointer that is not a pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_trim(F.fake_pool)) \
    X(pstats_pool_null, "daf_pool_stats", "pool NULL", DAF_E_INVALID_POOL, LE_NULL, daf_pool_stats(NULL, (F.ps.struct_size = sizeof F.ps, &F.ps))) \
    X(pstats_pool_dead, "daf_pool_stats", "destroyed pool", DAF_E_INVALID_POOL, LE_NULL, daf_pool_stats(F.dead_pool, (F.ps.struct_size = sizeof F.ps, &F.ps))) \
    X(pstats_null, "daf_pool_stats", "stats NULL", DAF_E_NULL_ARGUMENT, LE_NULL, daf_pool_stats(F.pool, NULL)) \
    X(pstats_ss0, "daf_pool_stats", "stats.struct_size 0", DAF_E_STRUCT_SIZE, LE_NULL, daf_pool_stats(F.pool, out_struct(0))) \
    X(pstats_ss_small, "daf_pool_stats", "stats.struct_size smaller (sizeof - 8)", DAF_E_STRUCT_SIZE, LE_NULL, daf_pool_stats(F.pool, out_struct(sizeof(daf_pool_statistics) - 8))) \
    X(pstats_ss_4097, "daf_pool_stats", "stats.struct_size 4097 (garbage)", DAF_E_STRUCT_SIZE, LE_NULL, daf_pool_stats(F.pool, out_struct(4097))) \
    X(pstats_ss_larger, "daf_pool_stats", "stats.struct_size larger (tail zeroed)", DAF_OK, LE_NONE, tail_zeroed(daf_pool_stats(F.pool, out_struct(sizeof(daf_pool_statistics) + 16)), sizeof(daf_pool_statistics), sizeof(daf_pool_statistics) + 16)) \
    X(spill_created, "spill file", "created O_CREAT | O_EXCL, mode 0600 (umask 0), in spill_dir, unlinked at once", DAF_OK, LE_NONE, spill_file_created_safely()) \
    X(spill_tmpdir, "spill file", "spill_dir NULL: created in $TMPDIR", DAF_OK, LE_NONE, spill_in_tmpdir()) \
    X(spill_roundtrip, "spill file", "spilled entry restored (bit-identical to memory)", DAF_OK, LE_NONE, spill_restores_exactly()) \
    X(spill_destroy, "spill file", "daf_destroy: file closed, spill_dir empty", DAF_OK, LE_NONE, spill_gone_after_destroy()) \
    X(spill_payload, "daf_restore", "spill file: a payload byte changed on disk", DAF_E_CORRUPT, LE_CTX, spill_damaged(32 + 100, 1, 0, 0)) \
    X(spill_payload_range, "daf_restore_range", "spill file: a payload byte changed on disk", DAF_E_CORRUPT, LE_CTX, spill_damaged(32 + 2000, 1, 0, 1)) \
    X(spill_magic, "daf_restore", "spill file: record magic changed", DAF_E_CORRUPT, LE_CTX, spill_damaged(0, 1, 0, 0)) \
    X(spill_handle, "daf_restore", "spill file: record handle changed", DAF_E_CORRUPT, LE_CTX, spill_damaged(8, 8, 0, 0)) \
    X(spill_length, "daf_restore", "spill file: record length changed", DAF_E_CORRUPT, LE_CTX, spill_damaged(16, 8, 0, 0)) \
    X(spill_checksum, "daf_restore", "spill file: record checksum changed", DAF_E_CORRUPT, LE_CTX, spill_damaged(24, 8, 0, 0)) \
    X(spill_blob_header, "daf_restore", "spill file: the blob's header hash changed", DAF_E_CORRUPT, LE_CTX, spill_damaged(32 + 60, 4, 0, 0)) \
    X(spill_trunc_mid, "daf_restore", "spill file truncated inside the record", DAF_E_CORRUPT, LE_CTX, spill_truncated(1000)) \
    X(spill_trunc_header, "daf_restore", "spill file truncated inside the record header", DAF_E_CORRUPT, LE_CTX, spill_truncated(20)) \
    X(spill_trunc_zero, "daf_restore", "spill file truncated to 0 bytes", DAF_E_CORRUPT, LE_CTX, spill_truncated(0)) \
    X(spill_write_save, "daf_save", "spill write fails (file size limit: EFBIG)", DAF_E_IO, LE_CTX, spill_write_fails(0)) \
    X(spill_write_kept, "daf_save", "after a failed spill write: nothing saved, nothing lost, others exact", DAF_OK, LE_NONE, spill_write_fails(1)) \
    X(spill_write_budget, "daf_set_budget", "lower budget needs a spill; the write fails", DAF_E_IO, LE_CTX, spill_write_fails(2)) \
    X(spill_write_async, "daf_wait", "async save needs a spill; the write fails", DAF_E_IO, LE_CTX, spill_write_fails(3)) \
    X(spill_dir_gone, "daf_save", "spill_dir removed after daf_create (file cannot be created)", DAF_E_IO, LE_CTX, spill_dir_removed())

#define DEFINE_CASE(id, function, bad, expected, owner, call) \
    static int case_##id(void) { return (call); }
CASES(DEFINE_CASE)

typedef struct bad_case {
    const char *id, *function, *bad;
    int expected;
    enum detail_owner owner;
    int (*run)(void);
} bad_case;

#define CASE_ROW(id, function, bad, expected, owner, call) {#id, function, bad, expected, owner, case_##id},
static const bad_case cases[] = {CASES(CASE_ROW)};
enum { CASE_COUNT = sizeof cases / sizeof cases[0] };

/* ============================================================================================
 * Running: the fixture, one child per case, the report.
 * ========================================================================================== */

static int setup(void) {
    memset(&F, 0, sizeof F);
    for (size_t i = 0; i < N; i++) F.x[i] = (float)((i * 7919) % 1000) / 250.0f - 1.5f + (float)(i / 256);
    F.x[7] = NAN;
    F.x[300] = INFINITY;
    F.x[999] = -INFINITY;
    F.mis = (float *)(void *)((char *)F.mis_storage + 1);
    F.fake = (daf_context *)(void *)&F.bytes;
    F.fake_pool = (daf_pool *)(void *)&F.bytes;

    daf_options_init(&F.opt);
    F.opt.threads = 1;
    F.opt.rounding = DAF_ROUND_NEAREST; /* the data checks expect the codec's rounding */
    if (daf_create(&F.opt, &F.ctx) != DAF_OK || daf_create(&F.opt, &F.other) != DAF_OK ||
        daf_create(&F.opt, &F.dead) != DAF_OK || daf_destroy(F.dead) != DAF_OK)
        return -1;
    if (daf_save(F.ctx, F.x, N, NULL, &F.h) != DAF_OK || daf_save(F.ctx, F.x, 64, NULL, &F.released) != DAF_OK ||
        daf_release(F.ctx, F.released) != DAF_OK || daf_save(F.other, F.x, N, NULL, &F.foreign) != DAF_OK)
        return -1;

    daf_quantize_params_init(&F.qp);
    F.qp.bits = 4;
    if (daf_packed_size(F.x, N, &F.qp, &F.blob_size) != DAF_OK) return -1;
    F.blob = malloc(F.blob_size);
    F.work = malloc(F.blob_size + 64);
    if (F.blob == NULL || F.work == NULL) return -1;
    if (daf_quantize_pack(F.x, N, &F.qp, F.blob, F.blob_size, &F.size) != DAF_OK || F.size != F.blob_size) return -1;
    F.list_at = F.blob_size - 3 * DAF_PACKED_NONFINITE_BYTES; /* indices 7, 300, 999, then their bits */
    F.codes_at = 128; /* 64 + the 4 groups' table (32 bytes) rounded up to 64 */

    if (daf_pool_create(NULL, &F.pool) != DAF_OK || daf_pool_create(NULL, &F.other_pool) != DAF_OK ||
        daf_pool_create(NULL, &F.dead_pool) != DAF_OK || daf_pool_destroy(F.dead_pool) != DAF_OK)
        return -1;
    if (daf_pool_alloc(F.pool, 100, 0.0f, &F.block) != DAF_OK || daf_pool_alloc(F.pool, 100, 0.0f, &F.freed) != DAF_OK ||
        daf_pool_free(F.pool, F.freed) != DAF_OK)
        return -1;
    daf_codec_set_threads(1);
    return 0;
}

/* In the child: builds the fixture, runs the case, prints its line. Exit 0 pass, 1 fail. */
static int run_case(const bad_case *c) {
    alarm(120);
    if (setup() != 0) {
        printf("FAIL %-28s %s: fixture setup failed\n", c->function, c->bad);
        return 1;
    }
    arm();
    int got = c->run();
    const char *detail = detail_of(c->owner);
    char why[160] = "";
    if (got != c->expected) {
        snprintf(why, sizeof why, "got %s, expected %s", result_name(got), result_name(c->expected));
    } else if (c->expected < 0 && c->owner != LE_NONE) {
        if (detail == NULL || detail[0] == '\0') snprintf(why, sizeof why, "no detail message from daf_last_error");
        else if (c->owner == LE_NULL && strcmp(detail, g_sentinel) == 0)
            snprintf(why, sizeof why, "daf_last_error(NULL) still holds the previous failure's message");
    }
    printf("%s %-28s %s -> %s", why[0] ? "FAIL" : "PASS", c->function, c->bad, result_name(got));
    if (c->owner != LE_NONE && detail != NULL && detail[0] != '\0') printf(" (\"%s\")", detail);
    printf("\n");
    if (why[0]) printf("     %s [case %s]\n", why, c->id);
    return why[0] ? 1 : 0;
}

static int selected(const bad_case *c, int argc, char **argv, int first) {
    if (first >= argc) return 1;
    for (int i = first; i < argc; i++)
        if (strstr(c->id, argv[i]) || strstr(c->function, argv[i])) return 1;
    return 0;
}

int main(int argc, char **argv) {
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (size_t k = 0; k < CASE_COUNT; k++) printf("%s\t%s\t%s\n", cases[k].id, cases[k].function, cases[k].bad);
        return 0;
    }
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0 || page > MAX_PAGE || (page & (page - 1)) != 0) {
        printf("bad_input: the OS page size %ld is outside this test's 1...%d\n", page, MAX_PAGE);
        return 2;
    }
    PAGE = (size_t)page;
    SPILL_N = PAGE;
    const char *tmp = getenv("TMPDIR");
    snprintf(g_base_dir, sizeof g_base_dir, "%s/daf-bad-input-XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(g_base_dir) == NULL) {
        printf("bad_input: cannot create a temporary directory under %s: %s\n", tmp ? tmp : "/tmp", strerror(errno));
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    int passed = 0, failed = 0;
    for (size_t k = 0; k < CASE_COUNT; k++) {
        const bad_case *c = &cases[k];
        if (!selected(c, argc, argv, first)) continue;
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            printf("FAIL %-28s %s: fork failed: %s\n", c->function, c->bad, strerror(errno));
            failed++;
            continue;
        }
        if (pid == 0) {
            int status = run_case(c);
            fflush(stdout);
            _exit(status);
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            passed++;
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
            failed++;
        } else {
            failed++;
            if (WIFSIGNALED(status))
                printf("FAIL %-28s %s -> the process died: signal %d (%s) [case %s]\n", c->function, c->bad,
                       WTERMSIG(status), WTERMSIG(status) == SIGALRM ? "timeout" : strsignal(WTERMSIG(status)), c->id);
            else
                printf("FAIL %-28s %s -> the process exited with status %d [case %s]\n", c->function, c->bad,
                       WEXITSTATUS(status), c->id);
        }
    }
    /* The spill file is unlinked at creation, so every case's directory must be empty now,
     * whether its context was destroyed or its process simply exited. */
    DIR *d = opendir(g_base_dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char path[PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", g_base_dir, e->d_name);
        if (rmdir(path) != 0) {
            printf("FAIL spill directories: %s is not empty after its case (%s)\n", e->d_name, strerror(errno));
            failed++;
        }
    }
    if (d != NULL) closedir(d);
    if (rmdir(g_base_dir) != 0) printf("bad_input: could not remove %s: %s\n", g_base_dir, strerror(errno));
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
