/* SPDX-License-Identifier: MIT */
/*
 * daf.h — libdaf, the Dynamic Activation Framework: keep a training loop's saved activations
 * quantized (1–8 bits per value) and bit-packed, and get them back in the backward pass.
 *
 * This header is the whole public ABI and its manual. Method: DAF, arXiv 2507.07149
 * ("An Efficient End-to-End Dynamic Activation Framework for on-Device DNN Training").
 *
 * Conventions used by every call below
 *  - Every fallible call returns an int status: DAF_OK (0) or a negative DAF_E_* code. Codes
 *    never change value once released. daf_status_name() and daf_status_message() describe a
 *    code; daf_last_error() says what exactly was wrong with the calling thread's last failure.
 *  - No call aborts the process for any argument: NULL, out-of-range, overflowing, misaligned
 *    and stale arguments return a status. (A pointer that is non-NULL but points at memory the
 *    process cannot read or write is outside what any C library can detect.)
 *  - float pointers must be aligned to 4 bytes (DAF_E_MISALIGNED otherwise), out-parameters
 *    such as daf_minmax's included: libdaf checks them rather than read or write a misaligned
 *    float. Packed blobs and daf_pool_read/daf_pool_write buffers may have any alignment.
 *    A pointer may be NULL when its element count is 0. A tensor holds at most 2^58 values
 *    (DAF_E_OVERFLOW beyond, e.g. for a count of SIZE_MAX).
 *  - Option and result structs start with `uint32_t struct_size` and only ever grow by
 *    appending fields. struct_size may be the struct's size in any released version (so a
 *    program built against the 0.1.0 header keeps working: the library reads and writes only
 *    the fields that version has, and uses defaults for the later ones) or anything from this
 *    header's sizeof up to 4096 (a newer header's struct: every byte this library does not know
 *    must be zero in inputs, and is zeroed in outputs). Anything else (0, a size between two
 *    versions, above 4096: an uninitialized struct) gives DAF_E_STRUCT_SIZE.
 *    Option structs are filled by their _init call. In C and C++ each _init is a macro that
 *    passes the sizeof of the caller's header to the matching _init_sized function; the plain
 *    _init symbols (which binaries built against 0.1.0 call, and which a binding that calls
 *    symbols directly reaches) fill the 0.1.0 struct only, so bindings call _init_sized with
 *    their own struct size. Result structs: the caller sets struct_size = sizeof.
 *  - Arguments are checked in the order of the parameter list: the first bad one decides the
 *    status. A pointer with an element count is NULL-checked before its count (a NULL src
 *    with count SIZE_MAX gives DAF_E_NULL_ARGUMENT; NULL is fine when the count is 0). A
 *    handle is checked before what follows it; a range (first, count) is checked as a whole
 *    where its count is: first the count itself (DAF_E_OVERFLOW above 2^58), then
 *    first + count against the tensor (DAF_E_OUT_OF_RANGE), then the destination.
 *  - Every call taking a daf_context returns DAF_E_INVALID_CONTEXT for a ctx that is NULL or
 *    not a live context (destroyed, never created), before looking at other arguments.
 *  - On failure, output buffers and out-parameters hold unspecified contents unless the call
 *    says otherwise; the library never writes past the sizes you give it.
 *  - "Since" gives the version in which a call appeared.
 *
 * Changes in 0.2.0 (a program built against 0.1.0 keeps building, linking and running):
 *  - Structs may grow: every released struct_size is accepted; the _init calls became macros
 *    over new _init_sized functions (the old symbols remain for 0.1.0 binaries).
 *  - daf_packed_bound is a true worst case (all values NaN/±Inf); daf_packed_bound_finite is
 *    the former figure. Pool calls report DAF_E_INVALID_POOL (0.1.0: DAF_E_INVALID_CONTEXT).
 *  - Arguments are checked strictly in parameter order (see below); chunk_bytes 0 means the
 *    default; a subnormal group step rounds up so codes never clamp far from their value; a
 *    failed save gives its stochastic seed number back.
 *  - Slots, kinds and automatic bits (a section of their own, below): daf_save_typed,
 *    daf_restore_typed, daf_slot_set_sensitivity, daf_plan_update, daf_slot_plan, and fields
 *    appended to daf_options, daf_save_params and daf_context_statistics.
 *  - daf_options_init gives rounding = DAF_ROUND_STOCHASTIC (DAF_DEFAULT_ROUNDING; 0.1.0:
 *    nearest), so that saving every tensor at the defaults cannot bias the gradients ("Which
 *    tensors need care"); set DAF_ROUND_NEAREST for 0.1.0's values. Stochastic rounding's
 *    offsets are centred (mean 0; 0.1.0's were 2^-17 of a step low and moved one in 2^16
 *    values at a group's maximum one code down), so its codes differ from 0.1.0's for the
 *    same seed.
 *  - New calls: daf_restore_release, daf_release_all, daf_wait_all. Renamed types (old names
 *    kept as deprecated aliases, see the end): daf_packed_information, daf_context_statistics,
 *    daf_handle_information; pool flags are an enum (daf_pool_flag).
 *  - Floating point: the codec and context calls compute in the default environment (round to
 *    nearest even, denormals kept) whatever the calling thread has set, so a host that rounds
 *    upward or flushes denormals (FTZ/DAZ, as ML frameworks often do) gets the same bytes and
 *    values as any other; its own environment is back when the call returns, and is in effect
 *    inside its recompute callbacks (x86-64; elsewhere the caller's environment is used).
 *
 * Threads: every call is safe from any number of threads; separate contexts are independent.
 * libdaf's own threads: the stateless codec uses daf_codec_threads() threads per call (1 by
 * default: none of its own); a context uses options.threads per call (default: one per core)
 * and keeps max(threads - 1, 1) workers for that and for daf_save_async. Currently a
 * worker that finishes a job spins briefly (about 50 microseconds, with the CPU's spin hint)
 * before it sleeps, so that back-to-back calls (e.g. range restores of small tiles) find it
 * awake; idle workers use no CPU. (Tuning like this is described as it is now, not promised.)
 * With OpenBLAS or OpenMP in the same process, give libdaf the cores they leave free (e.g. a
 * context with threads = 1 still packs async saves on its one worker while BLAS uses the other
 * cores).
 */
#ifndef DAF_H
#define DAF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------------------------- */

#define DAF_VERSION_MAJOR 0
#define DAF_VERSION_MINOR 2
#define DAF_VERSION_PATCH 0
/** MAJOR * 10000 + MINOR * 100 + PATCH, e.g. 200 for 0.2.0. */
#define DAF_VERSION_NUMBER (DAF_VERSION_MAJOR * 10000 + DAF_VERSION_MINOR * 100 + DAF_VERSION_PATCH)
#define DAF_VERSION_STRING "0.2.0"

/** The library's version as DAF_VERSION_NUMBER computes it; compare with the header's macro to
 *  detect a header/library mismatch. Thread-safe. Since 0.1.0. */
uint32_t daf_version_number(void);

/** The library's version as "MAJOR.MINOR.PATCH"; a static string, never NULL. Since 0.1.0. */
const char *daf_version_string(void);

/* ---------------------------------------------------------------------------------------------
 * Status codes
 *
 * One list, X(name, value, message), generates the enum here and the strings in the library.
 * Values are frozen: a released code never changes value or meaning; new codes are appended.
 * ------------------------------------------------------------------------------------------- */

#define DAF_STATUS_LIST(X)                                                                        \
    X(DAF_OK, 0, "success")                                                                       \
    X(DAF_E_NULL_ARGUMENT, -1, "a required pointer argument is NULL")                              \
    X(DAF_E_INVALID_ARGUMENT, -2, "an argument is outside its documented range")                   \
    X(DAF_E_STRUCT_SIZE, -3, "struct_size is not one this library understands")                    \
    X(DAF_E_OVERFLOW, -4, "an element count or byte size is too large to represent")               \
    X(DAF_E_MISALIGNED, -5, "a float pointer is not aligned to 4 bytes")                           \
    X(DAF_E_DST_TOO_SMALL, -6, "the destination buffer is too small")                              \
    X(DAF_E_CORRUPT, -7, "the packed data is truncated, corrupted or not a libdaf blob")           \
    X(DAF_E_UNSUPPORTED_FORMAT, -8,                                                               \
      "the packed data uses a format version this library cannot read")                           \
    X(DAF_E_SIZE_MISMATCH, -9, "the element count does not match the saved tensor")                \
    X(DAF_E_OUT_OF_RANGE, -10, "the element range lies outside the tensor")                        \
    X(DAF_E_NO_MEMORY, -11, "memory could not be allocated")                                       \
    X(DAF_E_INVALID_CONTEXT, -12, "the pointer is not a live libdaf context")                      \
    X(DAF_E_UNKNOWN_HANDLE, -13, "the handle is 0, released, or belongs to another context")       \
    X(DAF_E_INTERNAL, -14, "internal error in libdaf (a bug: please report it)")                  \
    X(DAF_E_BUDGET_EXCEEDED, -15,                                                                 \
      "the memory budget is reached and the policy allows no eviction that would make room")      \
    X(DAF_E_IO, -16, "reading or writing the spill file failed")                                  \
    X(DAF_E_RECOMPUTE_FAILED, -17, "the recompute callback reported a failure")                   \
    X(DAF_E_INVALID_POOL, -18, "the pointer is not a live libdaf pool")

#define DAF_STATUS_ENUM_ENTRY_(name, value, message) name = value,
/** Status codes returned by every fallible call (as int). */
typedef enum daf_status { DAF_STATUS_LIST(DAF_STATUS_ENUM_ENTRY_) } daf_status;
#undef DAF_STATUS_ENUM_ENTRY_

/** The code's name, e.g. "DAF_E_CORRUPT"; "DAF_E_UNKNOWN_STATUS" for a value not in the list.
 *  Static string, never NULL. Thread-safe. Since 0.1.0. */
const char *daf_status_name(int status);

/** A one-line English description of the code; for an unknown value a description saying so.
 *  Static string, never NULL. Thread-safe. Since 0.1.0. */
const char *daf_status_message(int status);

/* ---------------------------------------------------------------------------------------------
 * Quantize-pack codec (stateless)
 *
 * A tensor of `count` floats is cut into groups of `group_size` consecutive values (the last
 * group may be shorter). Each group stores its minimum and its scale = (max - min) / (2^bits - 1)
 * over its finite values, and one code q in [0, 2^bits - 1] per value; the value comes back as
 * min + q * scale. With nearest rounding the error is at most scale / 2 per value (plus float
 * rounding of the final multiply-add); a group whose finite values are all equal comes back
 * exactly (a group of -0.0 as +0.0: the stored minimum is +0). Decoded values of finite inputs
 * are always finite, also near FLT_MAX. NaN, +Inf and
 * -Inf are kept aside bit-exactly (see the format below) and come back exactly where they
 * were; the rest of their group is quantized as usual.
 *
 * Stochastic rounding rounds up with probability equal to the fractional part (to within
 * 2^-16), so the mean error tends to 0, and a value whose position is a code to within 2^-17
 * of a step (a group's minimum and maximum up to 5 bits, a 1-bit level) comes back on that
 * code. Its random numbers come from a counter-based hash of (seed, element index), so the
 * output bytes are the same for the same seed whatever the thread count or chunking.
 *
 * Packed blob, format version 1. All integers little-endian; floats IEEE-754 binary32.
 *   offset  size  field
 *        0     4  magic "DAFQ" (0x44 0x41 0x46 0x51)
 *        4     2  format version (1)
 *        6     1  bits (1..8; 0 = "range only", see below)
 *        7     1  rounding (daf_rounding)
 *        8     4  group_size G (multiple of 16, 16..65536)
 *       12     4  lanes (16): the interleave width of the code layout
 *       16     8  count N (elements)
 *       24     8  nonfinite count X
 *       32     8  seed (stochastic rounding; 0 for nearest; not used to decode)
 *       40     8  total blob size in bytes
 *       48    12  reserved, zero
 *       60     4  FNV-1a 32-bit hash of bytes 0..59
 *   64: group table, ceil(N / G) entries of { float min; float scale; } (8 bytes each)
 *   D = 64 + (group table bytes rounded up to a multiple of 64): the codes of all N values
 *       as one "unified", lane-interleaved stream (DAF §4.2). With b = bits and
 *       P = floor(32 / b) codes per 32-bit word, value i (0 <= i < N) sits in lane
 *       l = i % 16 of row k = i / 16, in little-endian uint32 word number (k / P) * 16 + l,
 *       at bit (k % P) * b. The stream has ceil(ceil(N / 16) / P) * 16 words; unused bits are
 *       zero. Sixteen SIMD lanes thus pack and unpack sixteen neighbouring values with no
 *       transposition, and any row range can be read on its own. (For b = 3, 5, 6, 7 the
 *       32 % b spare bits of each word cost space: 6 and 7 bits take as much as 8.)
 *   E = D + code bytes: X uint64 element indices (strictly ascending), then X uint32 raw bit
 *       patterns of the non-finite values at those indices. Their codes in the data are 0.
 *   Total size = E + 12 * X.
 *   Range only (bits 0): a blob with no codes (the stream has 0 words); each group stores
 *   min = lo / 2 + hi / 2 and scale = 0, and all its finite values decode to that midpoint.
 *   Only DAF_POLICY_DEGRADE with degrade_floor_bits 0 makes such blobs; daf_quantize_pack
 *   takes bits 1..8, and daf_packed_info / daf_unpack_dequantize read them like any other.
 *
 * Encoding, exactly (so another implementation can reproduce the bytes): over the group's
 * finite values lo = min, hi = max (each + 0.0f, so -0 becomes +0), L = 2^bits - 1. Normally
 * min = lo, scale = (hi - lo) / L (if that scale is subnormal and scale * L < hi - lo, computed
 * exactly, scale steps one ulp up), and a value decodes as min + q * scale. If hi - lo
 * overflows (a range wider than FLT_MAX) the group is "wide": min = lo / 2,
 * scale = -((hi / 2 - lo / 2) / L) (negative marks it), and a value decodes as
 * 2 * (min + q * |scale|). Either way, while code L would decode to ±Inf, |scale| steps one
 * ulp toward 0. A group without finite values stores min = scale = 0. With s = |scale| and
 * x' = x (x / 2 for a wide group): if s > 0, t = (x' - min) * (1 / s), or (x' - min) / s when
 * 1 / s overflows; else t = 0. t is clamped to [0, L]. All arithmetic is IEEE binary32, each
 * operation rounded on its own (no fused multiply-add), in the order written.
 * Nearest: q = t rounded half to even. Stochastic (dithering): one hash serves a lane of an
 * even row and of the odd row after it: for value i, c = (i >> 5) * 16 + i % 16,
 * h = lowbias32(c_lo ^ k), k = lowbias32(seed_lo ^ lowbias32(seed_hi ^ lowbias32(c_hi))),
 * lowbias32 being the integer hash of C. Wellons' hash-prospector; r = h >> 16 if (i / 16) is
 * even, else h & 0xFFFF; u = asfloat(0x3F800000 | (r << 7) | 0x40) - 1.5 = (r + 1/2) / 2^16
 * - 1/2, in (-0.5, 0.5) with mean 0 (0.2.0; 0.1.0 had no "| 0x40": u in [-0.5, 0.5));
 * q = min(t + u rounded half to even, L) (t + u > -0.5 never rounds below 0). The mean of q
 * is t to within 2^-16 of a step (the grid of u); a t within 2^-17 of a code gives that code.
 * ------------------------------------------------------------------------------------------- */

/** Rounding modes. */
typedef enum daf_rounding {
    DAF_ROUND_NEAREST = 0,    /**< round half to even; error <= scale / 2 */
    DAF_ROUND_STOCHASTIC = 1  /**< unbiased; error < scale; reproducible from the seed */
} daf_rounding;

#define DAF_MIN_BITS 1
#define DAF_MAX_BITS 8
/** Values interleaved by the packed layout; group sizes are multiples of it. */
#define DAF_LANES 16
#define DAF_MIN_GROUP_SIZE 16
#define DAF_MAX_GROUP_SIZE 65536
#define DAF_DEFAULT_BITS 2
#define DAF_DEFAULT_GROUP_SIZE 256
#define DAF_PACKED_HEADER_BYTES 64
/** Extra bytes a packed blob needs per NaN or ±Inf value. */
#define DAF_PACKED_NONFINITE_BYTES 12
#define DAF_PACKED_FORMAT_VERSION 1

/** How to quantize: fill with daf_quantize_params_init, then change fields. Since 0.1.0. */
typedef struct daf_quantize_params {
    uint32_t struct_size; /**< sizeof(daf_quantize_params) */
    uint32_t bits;        /**< 1..8; default DAF_DEFAULT_BITS (2) */
    uint32_t group_size;  /**< multiple of 16 in [16, 65536]; default 256 */
    uint32_t rounding;    /**< a daf_rounding; default DAF_ROUND_NEAREST */
    uint64_t seed;        /**< stochastic rounding seed; default 0 */
} daf_quantize_params;

/** Fills *params with the defaults and sets struct_size. Returns DAF_OK, or DAF_E_NULL_ARGUMENT.
 *  Thread-safe. Since 0.1.0. */
int daf_quantize_params_init(daf_quantize_params *params);
/** Fills the first `size` bytes of *params with the defaults and sets struct_size = size; size
 *  is sizeof(daf_quantize_params) of the caller's header (a released size, or up to 4096:
 *  bytes this library does not know are zeroed). Errors: DAF_E_NULL_ARGUMENT, DAF_E_STRUCT_SIZE.
 *  Thread-safe. Since 0.2.0. */
int daf_quantize_params_init_sized(daf_quantize_params *params, size_t size);
#define daf_quantize_params_init(params) \
    daf_quantize_params_init_sized((params), sizeof(daf_quantize_params))


/** The most bytes daf_quantize_pack can need for `count` values, whatever they are (every
 *  one of them NaN or ±Inf included, each of which adds DAF_PACKED_NONFINITE_BYTES): a buffer
 *  of this size never gives DAF_E_DST_TOO_SMALL. Returns 0 when bits or group_size is out of
 *  range or the size would overflow (a valid size is always >= DAF_PACKED_HEADER_BYTES).
 *  Since 0.1.0; until 0.2.0 it did not count non-finite values (daf_packed_bound_finite
 *  does). Thread-safe. */
size_t daf_packed_bound(size_t count, uint32_t bits, uint32_t group_size);

/** The exact blob size for `count` values that are all finite (the usual case; much smaller
 *  than daf_packed_bound). For data that may hold NaN or ±Inf, size the buffer with
 *  daf_packed_size (reads the data) or daf_packed_bound. 0 as daf_packed_bound. Thread-safe.
 *  Since 0.2.0. */
size_t daf_packed_bound_finite(size_t count, uint32_t bits, uint32_t group_size);

/** Exact size in bytes daf_quantize_pack needs for these values and params, in *out_size.
 *  Reads src once. params may be NULL for the defaults. Errors: DAF_E_NULL_ARGUMENT,
 *  DAF_E_MISALIGNED, DAF_E_STRUCT_SIZE,
 *  DAF_E_INVALID_ARGUMENT (bits, group_size, rounding), DAF_E_OVERFLOW. Thread-safe. Since
 *  0.1.0. */
int daf_packed_size(const float *src, size_t count, const daf_quantize_params *params,
                    size_t *out_size);

/** Quantizes and packs src[0..count) into dst (the caller's buffer of dst_capacity bytes).
 *  params may be NULL for the defaults. On success *dst_size is the blob's size. If dst is too
 *  small, returns DAF_E_DST_TOO_SMALL and sets *dst_size to the size needed (dst's contents
 *  are then unspecified).
 *  Errors: DAF_E_NULL_ARGUMENT (src with count > 0, dst, dst_size), DAF_E_MISALIGNED (src),
 *  DAF_E_STRUCT_SIZE, DAF_E_INVALID_ARGUMENT, DAF_E_OVERFLOW, DAF_E_DST_TOO_SMALL.
 *  src and dst must not overlap. Thread-safe. Since 0.1.0. */
int daf_quantize_pack(const float *src, size_t count, const daf_quantize_params *params,
                      void *dst, size_t dst_capacity, size_t *dst_size);

/** Unpacks and dequantizes a whole blob into dst[0..count); count must equal the blob's count.
 *  src_size may exceed the blob's size (trailing bytes are ignored). The blob is validated
 *  before dst is written: header hash, sizes, group table, non-finite list. The codes carry
 *  no checksum (every code is a valid value): a changed code byte decodes, within its group's
 *  range, to another value; keep a checksum of blobs stored where they may change (the spill
 *  file does). The seed is not used to decode; any value is accepted.
 *  Errors: DAF_E_NULL_ARGUMENT, DAF_E_MISALIGNED (dst), DAF_E_CORRUPT,
 *  DAF_E_UNSUPPORTED_FORMAT, DAF_E_SIZE_MISMATCH. Thread-safe. Since 0.1.0. */
int daf_unpack_dequantize(const void *src, size_t src_size, float *dst, size_t count);

/** Like daf_unpack_dequantize for elements [first, first + count) only, written to
 *  dst[0..count): the values are identical to the full unpack's, and only the groups that
 *  overlap the range are read (a tile of rows without unpacking the tensor). Small tiles
 *  restore faster from several of your threads at once, each restoring its own tiles with
 *  daf_codec_threads() == 1, than from one thread with more codec threads: a call spread over
 *  threads pays for handing out and joining its parts (Sources/daf-bench/README.md).
 *  Errors: as daf_unpack_dequantize, and DAF_E_OUT_OF_RANGE when first + count exceeds the
 *  blob's count. Thread-safe. Since 0.1.0. */
int daf_unpack_dequantize_range(const void *src, size_t src_size, size_t first, size_t count,
                                float *dst);

/** What a packed blob holds (filled by daf_packed_info). Since 0.1.0, named daf_packed_information
 *  until 0.2.0 (still a deprecated alias). */
typedef struct daf_packed_information {
    uint32_t struct_size;    /**< set by the caller: sizeof(daf_packed_information) */
    uint32_t format_version;
    uint32_t bits;
    uint32_t group_size;
    uint32_t rounding;
    uint32_t reserved;       /**< 0 */
    uint64_t count;          /**< elements */
    uint64_t nonfinite_count;
    uint64_t seed;
    uint64_t packed_size;    /**< bytes of the blob */
} daf_packed_information;

/** Validates a blob's header (magic, hash, version, fields, sizes against src_size; not the
 *  group table, codes or non-finite list, which unpacking checks) and describes it in *info
 *  (whose struct_size the caller sets). Errors: DAF_E_NULL_ARGUMENT, DAF_E_STRUCT_SIZE,
 *  DAF_E_CORRUPT, DAF_E_UNSUPPORTED_FORMAT. Thread-safe. Since 0.1.0. */
int daf_packed_info(const void *src, size_t src_size, daf_packed_information *info);

/** Minimum and maximum of the finite values of src[0..count) (NaN and ±Inf are skipped).
 *  With no finite value (or count 0) both are NaN. With several codec threads, large inputs
 *  are reduced either as a parallel tree or by atomic combination of small chunks, whichever
 *  the first calls of that size measured faster ("hybrid reduction", DAF §4.1).
 *  Errors: DAF_E_NULL_ARGUMENT, DAF_E_MISALIGNED (src, out_min, out_max), DAF_E_OVERFLOW.
 *  Thread-safe. Since 0.1.0. */
int daf_minmax(const float *src, size_t count, float *out_min, float *out_max);

/** Sets how many threads each stateless codec call (daf_packed_size, daf_quantize_pack,
 *  daf_unpack_dequantize, daf_unpack_dequantize_range, daf_minmax) may use: 1 (the default)
 *  runs on the calling thread only; n > 1 adds n - 1 worker threads that libdaf starts now
 *  and keeps until the next change; 0 means one thread per online core. Calls already
 *  running finish with the count they started with. Output bytes and values never depend on
 *  the count. Calls from several of your threads at once share the same workers (a call
 *  whose workers are busy does the work itself). Errors: DAF_E_INVALID_ARGUMENT (above 256),
 *  DAF_E_NO_MEMORY (threads could not be started; the previous setting stays). Thread-safe.
 *  Since 0.1.0. */
int daf_codec_set_threads(uint32_t threads);

/** The stateless codec's current thread count (1 unless daf_codec_set_threads changed it).
 *  Thread-safe. Since 0.1.0. */
uint32_t daf_codec_threads(void);

/* ---------------------------------------------------------------------------------------------
 * Paged pool (an importance-aware allocator; the context keeps its packed activations in one)
 *
 * Memory model. The pool reserves memory from the OS in chunks (mmap), grown one chunk_bytes
 * step at a time and never beyond budget_bytes (its "capacity" is what it has mapped). Every
 * chunk is cut into pages of page_size bytes. A block is a list of pages, not a contiguous
 * range: any free page can serve any block, so there is no external fragmentation, and a block
 * of n bytes takes ceil(n / page_size) pages (at most one of them partly used). Each live block
 * carries an importance (a finite float; higher = keep longer) and an age (the order of
 * allocation); a red-black tree orders the blocks by (importance, then age, oldest first), so
 * the least important block is found, and a block inserted, removed or re-weighted, in
 * O(log n). Freed pages are reused most-recently-freed first, from the lowest chunk first, so
 * higher chunks empty out. A mapped chunk costs no memory until its pages are used: a page is
 * backed (faulted in, whole) when a block first gets it, together with (currently) 1/12 of the
 * pool's used pages beyond it, so resident memory is what was used at the peak plus about 8 %, and
 * an allocation that stays below an earlier peak never page-faults. Chunks ask the kernel for
 * transparent huge pages (madvise MADV_HUGEPAGE; no effect where THP is off), so backing takes
 * one fault per 2 MiB rather than per 4 KiB.
 * Memory goes back to the OS when the pool is asked (daf_pool_trim, or a lower budget), or,
 * with DAF_POOL_AUTO_TRIM, as soon as a chunk holds no block: then the resident memory follows
 * use, at the price of new page faults when use grows again. Shrinking moves live pages into
 * free pages of the chunks that stay (blocks keep their handles and contents).
 *
 * A block handle (daf_pool_block) is a nonzero 64-bit value; a freed block's handle is never
 * reused by the same pool, so a stale, freed, zero or made-up handle gives
 * DAF_E_UNKNOWN_HANDLE. Blocks have no address: their bytes are reached through
 * daf_pool_write and daf_pool_read (so the pool may move pages while shrinking).
 * ------------------------------------------------------------------------------------------- */

typedef struct daf_pool daf_pool;
typedef uint64_t daf_pool_block;

/** Default page size in bytes: measured on the allocation workload of daf-bench
 *  (pool_alloc_free; Sources/daf-bench/README.md) as the best balance of speed and partly
 *  used pages. */
#define DAF_DEFAULT_PAGE_SIZE 65536
/** Largest page size: 16 MiB. The smallest is the OS page size (4096 on x86-64 Linux). */
#define DAF_MAX_PAGE_SIZE 16777216
/** Default growth step: 64 MiB per chunk (the DAF paper grows in steps of about 100 MB). */
#define DAF_DEFAULT_CHUNK_BYTES 67108864
/** Most pages a chunk may hold: chunk_bytes / page_size <= 2^24. */
#define DAF_MAX_CHUNK_PAGES 16777216

/** Pool flags (daf_pool_options.flags, daf_options.pool_flags): an OR of these. An enum like
 *  daf_policy since 0.2.0 (a macro in 0.1.0; same value). */
typedef enum daf_pool_flag {
    DAF_POOL_AUTO_TRIM = 1 /**< unmap a chunk as soon as no block uses it */
} daf_pool_flag;

/** Options for daf_pool_create: fill with daf_pool_options_init, then change fields.
 *  Since 0.1.0. */
typedef struct daf_pool_options {
    uint32_t struct_size;  /**< sizeof(daf_pool_options) */
    uint32_t page_size;    /**< a power of two from the OS page size to DAF_MAX_PAGE_SIZE;
                                default DAF_DEFAULT_PAGE_SIZE */
    uint64_t chunk_bytes;  /**< growth step: a multiple of page_size, at most
                                DAF_MAX_CHUNK_PAGES pages; 0 or DAF_DEFAULT_CHUNK_BYTES (the
                                default): 64 MiB */
    uint64_t budget_bytes; /**< most bytes the pool may map; 0 = no limit (the default) */
    uint32_t flags;        /**< DAF_POOL_AUTO_TRIM or 0 (the default) */
    uint32_t reserved;     /**< must be 0 */
} daf_pool_options;

/** Fills *options with the defaults. DAF_OK or DAF_E_NULL_ARGUMENT. Thread-safe. Since 0.1.0. */
int daf_pool_options_init(daf_pool_options *options);
/** Fills the first `size` bytes of *options with the defaults and sets struct_size = size; size
 *  is sizeof(daf_pool_options) of the caller's header (a released size, or up to 4096:
 *  bytes this library does not know are zeroed). Errors: DAF_E_NULL_ARGUMENT, DAF_E_STRUCT_SIZE.
 *  Thread-safe. Since 0.2.0. */
int daf_pool_options_init_sized(daf_pool_options *options, size_t size);
#define daf_pool_options_init(options) \
    daf_pool_options_init_sized((options), sizeof(daf_pool_options))


/** Creates an empty pool in *out_pool (set to NULL on failure); nothing is mapped until the
 *  first allocation. options may be NULL (defaults).
 *  Errors: DAF_E_NULL_ARGUMENT (out_pool), DAF_E_STRUCT_SIZE, DAF_E_INVALID_ARGUMENT
 *  (page_size, chunk_bytes, flags, reserved), DAF_E_NO_MEMORY. Thread-safe. Since 0.1.0. */
int daf_pool_create(const daf_pool_options *options, daf_pool **out_pool);

/** Destroys a pool: unmaps all its memory; its blocks become unknown. NULL is a no-op
 *  returning DAF_OK; a pointer that is not a live pool gives DAF_E_INVALID_POOL (so a
 *  double destroy is reported, not a crash). Calls already running on the pool in other
 *  threads finish safely. Thread-safe. Since 0.1.0. */
int daf_pool_destroy(daf_pool *pool);

/** Allocates a block of `bytes` bytes (0 is allowed and takes no page) with the given
 *  importance (finite; higher = keep longer); *out_block gets its handle (0 on failure). The
 *  contents are unspecified until written. Maps another chunk when the free pages do not
 *  suffice and the budget allows it; never evicts anything (see daf_pool_evict).
 *  Every call taking a daf_pool returns DAF_E_INVALID_POOL for a pool that is NULL or not
 *  a live pool, before looking at other arguments.
 *  Errors: DAF_E_INVALID_POOL, DAF_E_NULL_ARGUMENT (out_block), DAF_E_OVERFLOW (bytes),
 *  DAF_E_INVALID_ARGUMENT (importance not finite), DAF_E_BUDGET_EXCEEDED (the free pages plus
 *  what the budget still allows to map are fewer than the block needs: nothing changed),
 *  DAF_E_NO_MEMORY (the OS refused a chunk). Thread-safe. Since 0.1.0. */
int daf_pool_alloc(daf_pool *pool, size_t bytes, float importance, daf_pool_block *out_block);

/** Frees a block; its pages become free and its handle unknown. Errors:
 *  DAF_E_INVALID_POOL, DAF_E_UNKNOWN_HANDLE (also for a second free). Thread-safe.
 *  Since 0.1.0. */
int daf_pool_free(daf_pool *pool, daf_pool_block block);

/** Copies src[0..bytes) into the block at byte `offset`. src may be NULL when bytes is 0 and
 *  may have any alignment; it must not overlap the pool's memory.
 *  Errors: DAF_E_INVALID_POOL, DAF_E_UNKNOWN_HANDLE, DAF_E_NULL_ARGUMENT (src),
 *  DAF_E_OUT_OF_RANGE (offset + bytes exceeds the block's size). Thread-safe. Since 0.1.0. */
int daf_pool_write(daf_pool *pool, daf_pool_block block, size_t offset, const void *src,
                   size_t bytes);

/** Copies `bytes` bytes of the block from byte `offset` into dst[0..bytes). dst may be NULL
 *  when bytes is 0 and may have any alignment.
 *  Errors: DAF_E_INVALID_POOL, DAF_E_UNKNOWN_HANDLE, DAF_E_NULL_ARGUMENT (dst),
 *  DAF_E_OUT_OF_RANGE. Thread-safe. Since 0.1.0. */
int daf_pool_read(daf_pool *pool, daf_pool_block block, size_t offset, void *dst, size_t bytes);

/** The size in bytes the block was allocated with, in *out_bytes. Errors:
 *  DAF_E_INVALID_POOL, DAF_E_UNKNOWN_HANDLE, DAF_E_NULL_ARGUMENT. Thread-safe.
 *  Since 0.1.0. */
int daf_pool_block_size(daf_pool *pool, daf_pool_block block, size_t *out_bytes);

/** Changes a block's importance (finite); its age stays, so among equal importances the
 *  oldest block still comes first. Errors: DAF_E_INVALID_POOL, DAF_E_UNKNOWN_HANDLE,
 *  DAF_E_INVALID_ARGUMENT. Thread-safe. Since 0.1.0. */
int daf_pool_set_importance(daf_pool *pool, daf_pool_block block, float importance);

/** The block an eviction would take next: the lowest importance, and among equal importances
 *  the oldest; *out_block = 0 when the pool has no block. Nothing changes (read or copy the
 *  block elsewhere before freeing it). Errors: DAF_E_INVALID_POOL, DAF_E_NULL_ARGUMENT.
 *  Thread-safe (another thread may free the block right after). Since 0.1.0. */
int daf_pool_least_important(daf_pool *pool, daf_pool_block *out_block);

/** Frees the block daf_pool_least_important would name and reports it in *out_block (0, and
 *  nothing freed, when the pool has no block); counted in daf_pool_statistics.evictions. Its
 *  contents are gone: the caller must treat that handle as lost. For an allocator that makes
 *  room by importance:  while (daf_pool_alloc(...) == DAF_E_BUDGET_EXCEEDED) evict.
 *  Errors: DAF_E_INVALID_POOL, DAF_E_NULL_ARGUMENT. Thread-safe. Since 0.1.0. */
int daf_pool_evict(daf_pool *pool, daf_pool_block *out_block);

/** Changes the budget (0 = no limit). A higher budget takes effect at once. A lower one first
 *  moves live pages out of the chunks (or chunk tails) that must go, then unmaps them, so the
 *  capacity ends at or below the new budget; if the live blocks' pages alone exceed it,
 *  nothing changes and DAF_E_BUDGET_EXCEEDED is returned (free or evict blocks first).
 *  Errors: DAF_E_INVALID_POOL, DAF_E_BUDGET_EXCEEDED. Thread-safe. Since 0.1.0. */
int daf_pool_set_budget(daf_pool *pool, uint64_t budget_bytes);

/** Gives every page that holds no block back to the OS: live pages are moved into the lowest
 *  chunks and the rest is unmapped, so the capacity falls to the pages in use. Blocks keep
 *  their handles and contents. Errors: DAF_E_INVALID_POOL. Thread-safe. Since 0.1.0. */
int daf_pool_trim(daf_pool *pool);

/** Pool figures (filled by daf_pool_stats; the caller sets struct_size). "Live bytes" count
 *  the bytes blocks were allocated with; pages count whole pages. Since 0.1.0. */
typedef struct daf_pool_statistics {
    uint32_t struct_size;         /**< set by the caller: sizeof(daf_pool_statistics) */
    uint32_t page_size;           /**< bytes per page */
    uint64_t budget_bytes;        /**< 0 = no limit */
    uint64_t capacity_bytes;      /**< mapped now: pages_total * page_size; <= budget */
    uint64_t peak_capacity_bytes; /**< highest capacity_bytes so far */
    uint64_t live_blocks;
    uint64_t live_bytes;          /**< sum of the live blocks' sizes */
    uint64_t peak_live_bytes;     /**< highest live_bytes so far */
    uint64_t pages_total;         /**< pages mapped */
    uint64_t pages_free;          /**< pages mapped and holding no block */
    uint64_t fragmentation_bytes; /**< internal: used pages * page_size - live_bytes */
    uint64_t chunks_mapped;       /**< chunks mapped now */
    uint64_t chunk_maps;          /**< mmap calls so far */
    uint64_t trims;               /**< times memory went back to the OS (one per unmapped
                                       chunk or chunk tail) */
    uint64_t trimmed_bytes;       /**< bytes unmapped so far */
    uint64_t evictions;           /**< blocks evicted (daf_pool_evict; in a context, its
                                       evictions of every kind) */
    uint64_t allocs;              /**< successful allocations */
    uint64_t frees;               /**< successful frees (evictions not included) */
    uint64_t budget_refusals;     /**< allocations refused with DAF_E_BUDGET_EXCEEDED */
} daf_pool_statistics;

/** Copies the pool's figures into *stats (one consistent snapshot). Errors:
 *  DAF_E_INVALID_POOL, DAF_E_NULL_ARGUMENT, DAF_E_STRUCT_SIZE. Thread-safe. Since 0.1.0. */
int daf_pool_stats(daf_pool *pool, daf_pool_statistics *stats);

/* ---------------------------------------------------------------------------------------------
 * Activation save / restore (context)
 *
 * forward:  y = layer(x);  daf_save(ctx, x, n, &params, &h);      x's buffer may be reused now
 * backward: daf_restore(ctx, h, tmp, n);  dx = layer_backward(tmp, dy);  daf_release(ctx, h);
 *
 * A handle is a nonzero 64-bit value unique within the process: a released handle is never
 * reused, so a stale, released, zero or other context's handle gives DAF_E_UNKNOWN_HANDLE.
 *
 * Memory budget. A context keeps every packed blob in its own paged pool (see above; the pool
 * options are daf_options' page_size, chunk_bytes, pool_flags) and never lets the pool's
 * capacity exceed budget_bytes (0 = no limit). Only the pool counts: a call may also use
 * transient heap memory of up to one packed blob (none when it packs into or unpacks from the
 * pool's pages in place, the usual case; to degrade an entry, also its float32 size; to save
 * a kind that is staged, i.e. any but DAF_KIND_FLOAT from float32, and to restore an exact
 * kind as integers, also the tensor's float32 size) while it runs, and the context keeps up
 * to two of those blob buffers and two staging buffers idle between calls (currently at most
 * 256 MiB each; the largest are kept, freed by daf_destroy) so that large saves and restores
 * do not map and fault in fresh memory each time. When a save would
 * not fit, the context evicts entries, least important first (lowest importance; among equal
 * importances the oldest save, which a backward pass needs last), never the entry being
 * saved, under the policy chosen at creation. The policy is a set of flags; for each victim
 * the first applicable action of this list is taken, and a victim no action applies to is
 * skipped:
 *  1. DAF_POLICY_DEGRADE: re-quantize the victim in place to half its bits (8 -> 4 -> 2 -> 1,
 *     odd widths round down, never below degrade_floor_bits; with floor 0 the last step,
 *     1 -> 0, keeps only each group's midpoint, "range only" in the packed format). Its
 *     restore returns the right shape with a larger error: per value at most the sum, over
 *     every width the entry has had, of that width's bound (half a step for nearest rounding,
 *     one step for stochastic, a step being the original group's (max - min) / (2^bits - 1),
 *     and at 0 bits the whole (max - min)). The victim stays the first candidate until it
 *     reaches the floor. A step is taken only if the floor would free a page.
 *  2. DAF_POLICY_RECOMPUTE: only for an entry saved with a recompute callback: free its pages;
 *     each restore calls the callback to rebuild the values (exactly as the callback makes
 *     them). An entry without a callback is never dropped: if room can only be made by
 *     dropping such entries, the save is refused with DAF_E_BUDGET_EXCEEDED.
 *  3. DAF_POLICY_SPILL: write the victim's packed bytes to the context's spill file and free
 *     its pages; each restore reads them back (they stay in the file until released) and
 *     returns exactly what a restore from memory would have. The file is created in
 *     spill_dir (default: $TMPDIR, else /tmp) with O_CREAT | O_EXCL and mode 0600, and is
 *     unlinked at once, so it never outlives the process (its space is returned on release and
 *     on daf_destroy). Every entry carries an FNV-1a 64 checksum; a truncated or altered entry
 *     gives DAF_E_CORRUPT on restore, a failed read DAF_E_IO.
 *  DAF_POLICY_FAIL (0, the default): nothing is evicted; a save that does not fit returns
 *     DAF_E_BUDGET_EXCEEDED and the caller keeps its buffer.
 * The entry being saved is never a victim. Only when evicting the others cannot make room
 * (its blob alone is larger than the budget, or the policy can evict nothing more) is the
 * same policy applied to the new entry itself, as the last resort before refusing the save:
 * it is stored degraded (halved until it fits, not below the floor), or, with a recompute
 * callback and DAF_POLICY_RECOMPUTE, kept as its callback alone, or written straight to the
 * spill file; daf_handle_info shows which.
 * Nothing is lost silently: every restore returns the data (exact, or degraded as above, which
 * daf_handle_info reports) or a distinct status. Spill writes and reads happen under the
 * context's lock; recompute callbacks run outside it (they may call libdaf).
 * ------------------------------------------------------------------------------------------- */

typedef struct daf_context daf_context;
typedef uint64_t daf_handle;

/** Eviction policy flags (daf_options.policy); see "Memory budget" above. */
typedef enum daf_policy {
    DAF_POLICY_FAIL = 0,      /**< never evict: refuse the save */
    DAF_POLICY_DEGRADE = 1,   /**< re-quantize victims to fewer bits, down to a floor */
    DAF_POLICY_SPILL = 2,     /**< move victims' packed bytes to a spill file */
    DAF_POLICY_RECOMPUTE = 4  /**< drop victims that have a recompute callback */
} daf_policy;

/** Rebuilds a saved tensor that DAF_POLICY_RECOMPUTE dropped: write all `count` values to
 *  dst[0..count) and return 0, or return nonzero for failure (the restore then returns
 *  DAF_E_RECOMPUTE_FAILED; the entry stays as it was). `user` is the pointer given at save
 *  time; handle is the entry's. Called from the thread calling daf_restore or
 *  daf_restore_range, without any libdaf lock held (it may call libdaf). */
typedef int (*daf_recompute_fn)(void *user, daf_handle handle, float *dst, size_t count);

/** daf_options.rounding's default (since 0.2.0; 0.1.0's was DAF_ROUND_NEAREST). Stochastic
 *  rounding keeps every restored value unbiased, so a loop that saves all its tensors as plain
 *  floats at the default 2 bits still trains (see "Which tensors need care"). The codec calls'
 *  daf_quantize_params keep DAF_ROUND_NEAREST. */
#define DAF_DEFAULT_ROUNDING 1 /* DAF_ROUND_STOCHASTIC */

/** Options for daf_create: fill with daf_options_init, then change fields. Since 0.1.0. */
typedef struct daf_options {
    uint32_t struct_size; /**< sizeof(daf_options) */
    uint32_t bits;        /**< default bits for saves, 1..8; default 2 */
    uint32_t group_size;  /**< multiple of 16 in [16, 65536]; default 256 */
    uint32_t rounding;    /**< a daf_rounding; default DAF_DEFAULT_ROUNDING (stochastic) */
    uint64_t seed;        /**< stochastic rounding: the n-th save that passed its argument
                               checks (n from 0) uses seed + n; default 0 */
    uint32_t threads;     /**< threads one call may use, the caller included; 0 (default) =
                               one per online core. The context starts max(threads - 1, 1)
                               worker threads (daf_save_async needs one), joined by
                               daf_destroy. At most 256. */
    uint32_t policy;      /**< eviction: DAF_POLICY_FAIL (0, default) or an OR of
                               DAF_POLICY_DEGRADE, DAF_POLICY_RECOMPUTE, DAF_POLICY_SPILL */
    uint64_t budget_bytes; /**< most bytes the context's pool may map; 0 = no limit
                                (default); changed later with daf_set_budget */
    uint64_t chunk_bytes; /**< pool growth step (see daf_pool_options); 0 or
                               DAF_DEFAULT_CHUNK_BYTES (the default) */
    uint32_t page_size;   /**< pool page size (see daf_pool_options); default
                               DAF_DEFAULT_PAGE_SIZE */
    uint32_t degrade_floor_bits; /**< DAF_POLICY_DEGRADE never goes below this, 0..8
                                      (0: down to range only, see the format); default 1 */
    uint32_t pool_flags;  /**< DAF_POOL_AUTO_TRIM or 0 (default) */
    uint32_t reserved;    /**< must be 0 */
    const char *spill_dir; /**< directory of the spill file; NULL (default) = $TMPDIR, else
                                /tmp. Copied by daf_create; checked there when the policy
                                includes DAF_POLICY_SPILL */
    /* Since 0.2.0: automatic bits (see "Slots, kinds and automatic bits"). */
    float avg_bits;       /**< the planner's target: average bits per saved value of the
                               step, group tables and headers included (e.g. 2.0); 0 (default)
                               = no average target (then the budget alone, if any, bounds the
                               plan, else every automatic save gets max_bits) */
    uint32_t min_bits;    /**< narrowest width the planner may choose, 1..8; default 1 */
    uint32_t max_bits;    /**< widest width the planner may choose, min_bits..8; default 8 */
    uint32_t plan_flags;  /**< an OR of daf_plan_flag; default DAF_PLAN_GROUP_SIZE */
} daf_options;

/** Fills *options with the defaults. DAF_OK or DAF_E_NULL_ARGUMENT. Since 0.1.0. */
int daf_options_init(daf_options *options);
/** Fills the first `size` bytes of *options with the defaults and sets struct_size = size; size
 *  is sizeof(daf_options) of the caller's header (a released size, or up to 4096:
 *  bytes this library does not know are zeroed). Errors: DAF_E_NULL_ARGUMENT, DAF_E_STRUCT_SIZE.
 *  Thread-safe. Since 0.2.0. */
int daf_options_init_sized(daf_options *options, size_t size);
#define daf_options_init(options) daf_options_init_sized((options), sizeof(daf_options))


/** Creates a context in *out_ctx (set to NULL on failure). options may be NULL (defaults).
 *  Errors: DAF_E_NULL_ARGUMENT (out_ctx), DAF_E_STRUCT_SIZE, DAF_E_INVALID_ARGUMENT (also an
 *  unknown policy flag, a spill_dir that is not a directory or longer than 4095 bytes, a
 *  nonzero reserved field), DAF_E_NO_MEMORY. Thread-safe. Since 0.1.0. */
int daf_create(const daf_options *options, daf_context **out_ctx);

/** Destroys a context and frees everything it holds; its handles become unknown. NULL is a
 *  no-op returning DAF_OK; a pointer that is not a live context gives DAF_E_INVALID_CONTEXT
 *  (so a double destroy is reported, not a crash). Calls already running on the context in
 *  other threads finish safely. Thread-safe. Since 0.1.0. */
int daf_destroy(daf_context *ctx);

/** Per-save parameters: fill with daf_save_params_init. Since 0.1.0. */
typedef struct daf_save_params {
    uint32_t struct_size; /**< sizeof(daf_save_params) */
    uint32_t bits;        /**< 0 = the context's default, else 1..8 */
    float importance;     /**< finite; higher = keep longer under memory pressure; default 0 */
    uint32_t reserved;    /**< must be 0 */
    daf_recompute_fn recompute; /**< NULL (default), or how to rebuild this tensor if
                                     DAF_POLICY_RECOMPUTE drops it */
    void *recompute_user; /**< passed to recompute as is; libdaf never dereferences it */
    /* Since 0.2.0 (see "Slots, kinds and automatic bits"). */
    uint32_t slot;        /**< which tensor of the step this is (layer and role), a small
                               stable id of the caller's choice; 0 (default) = none */
    uint32_t kind;        /**< a daf_kind; default DAF_KIND_FLOAT */
    int32_t int_min;      /**< DAF_KIND_INTEGER: smallest value the tensor may hold */
    int32_t int_max;      /**< DAF_KIND_INTEGER: largest; int_max - int_min <= 255 */
} daf_save_params;

/** Fills *params with the defaults. DAF_OK or DAF_E_NULL_ARGUMENT. Since 0.1.0. */
int daf_save_params_init(daf_save_params *params);
/** Fills the first `size` bytes of *params with the defaults and sets struct_size = size; size
 *  is sizeof(daf_save_params) of the caller's header (a released size, or up to 4096:
 *  bytes this library does not know are zeroed). Errors: DAF_E_NULL_ARGUMENT, DAF_E_STRUCT_SIZE.
 *  Thread-safe. Since 0.2.0. */
int daf_save_params_init_sized(daf_save_params *params, size_t size);
#define daf_save_params_init(params) daf_save_params_init_sized((params), sizeof(daf_save_params))


/** Quantizes, packs and keeps src[0..count) in the context's pool; returns its handle in
 *  *out_handle (0 on failure). src is only read during the call. params may be NULL (context
 *  defaults). When the blob does not fit the budget, other entries are evicted first under
 *  the context's policy, then the new entry itself is degraded, dropped or spilled if the
 *  policy allows (see "Memory budget"); on any failure nothing was saved and no entry was
 *  lost (entries evicted before a failure stay restorable).
 *  Errors: DAF_E_INVALID_CONTEXT, DAF_E_NULL_ARGUMENT, DAF_E_MISALIGNED, DAF_E_STRUCT_SIZE,
 *  DAF_E_INVALID_ARGUMENT (bits, non-finite importance, reserved), DAF_E_OVERFLOW,
 *  DAF_E_NO_MEMORY, DAF_E_BUDGET_EXCEEDED (the policy can neither make room nor store the
 *  new entry otherwise; under DAF_POLICY_FAIL also when the blob alone is larger than the
 *  budget), DAF_E_IO (room could only be made by spilling, and
 *  writing the spill file failed). Thread-safe. Since 0.1.0. */
int daf_save(daf_context *ctx, const float *src, size_t count, const daf_save_params *params,
             daf_handle *out_handle);

/** Like daf_save, but returns at once: a context worker quantizes and packs while the caller
 *  goes on (e.g. computes the next layer). src must stay valid and unchanged until the save
 *  has completed: until daf_wait, a restore, daf_release of the handle, or daf_destroy
 *  returns. Argument errors are returned here (as daf_save's); errors of the work itself
 *  (DAF_E_NO_MEMORY, and those of storing it under the budget: DAF_E_BUDGET_EXCEEDED,
 *  DAF_E_IO) are returned by daf_wait, or by the first restore, release or set_importance of
 *  the handle, after which the handle is unknown. Thread-safe. Since 0.1.0. */
int daf_save_async(daf_context *ctx, const float *src, size_t count,
                   const daf_save_params *params, daf_handle *out_handle);

/** Blocks until the save behind handle has completed and returns its status; DAF_OK at once
 *  for a completed save. A save that has not started yet is done by the calling thread.
 *  Errors: DAF_E_INVALID_CONTEXT, DAF_E_UNKNOWN_HANDLE, the failed save's status.
 *  Thread-safe. Since 0.1.0. */
int daf_wait(daf_context *ctx, daf_handle handle);

/** Writes the saved tensor's values to dst[0..count); count must equal the saved count. The
 *  entry stays saved (restore it again, or release it). Waits for a pending async save. A
 *  degraded entry comes back with its larger error, a spilled one from the spill file, a
 *  dropped one from its recompute callback (see "Memory budget"). Errors:
 *  DAF_E_INVALID_CONTEXT, DAF_E_UNKNOWN_HANDLE, DAF_E_NULL_ARGUMENT, DAF_E_MISALIGNED,
 *  DAF_E_OVERFLOW (count), DAF_E_SIZE_MISMATCH, DAF_E_CORRUPT (a spilled entry's bytes
 *  changed on disk), DAF_E_IO,
 *  DAF_E_RECOMPUTE_FAILED, DAF_E_NO_MEMORY, or the status of a failed async save.
 *  Thread-safe, also concurrently with daf_release of the same handle (one of them wins; a
 *  dropped entry's callback may still run once). Since 0.1.0. */
int daf_restore(daf_context *ctx, daf_handle handle, float *dst, size_t count);

/** Writes elements [first, first + count) of the saved tensor to dst[0..count), identical to
 *  the same range of a full restore (for a dropped entry the callback rebuilds the whole
 *  tensor into a temporary buffer). Errors: as daf_restore (DAF_E_OVERFLOW for a count above
 *  2^58), with DAF_E_OUT_OF_RANGE when the range exceeds the saved count. Thread-safe.
 *  Since 0.1.0. */
int daf_restore_range(daf_context *ctx, daf_handle handle, size_t first, size_t count,
                      float *dst);

/** Frees a saved entry (its pages, or its place in the spill file); the handle becomes
 *  unknown. Errors: DAF_E_INVALID_CONTEXT,
 *  DAF_E_UNKNOWN_HANDLE (also for a second release). Thread-safe. Since 0.1.0. */
int daf_release(daf_context *ctx, daf_handle handle);

/** daf_restore, then daf_release of the same handle on success: what a backward pass does
 *  with a tensor it reads once. On failure nothing is released (the entry can be restored
 *  again or released). Errors: as daf_restore. Thread-safe. Since 0.2.0. */
int daf_restore_release(daf_context *ctx, daf_handle handle, float *dst, size_t count);

/** Releases every entry of the context (e.g. at the end of a step, or after a step abandoned
 *  without its backward pass), first finishing its pending async saves (whose failures are
 *  dropped with their handles). *out_released, if out_released is not NULL, gets how many
 *  entries were released. Saves made by other threads during the call may stay. Errors:
 *  DAF_E_INVALID_CONTEXT. Thread-safe. Since 0.2.0. */
int daf_release_all(daf_context *ctx, size_t *out_released);

/** Waits for every pending daf_save_async of the context. Returns DAF_OK when all of them
 *  succeeded, else the status of the failed one with the lowest handle; every failed save's
 *  handle becomes unknown, as after daf_wait. Errors: DAF_E_INVALID_CONTEXT, a failed save's
 *  status. Thread-safe. Since 0.2.0. */
int daf_wait_all(daf_context *ctx);

/** Changes an entry's importance (finite; higher = keep longer). Errors:
 *  DAF_E_INVALID_CONTEXT, DAF_E_UNKNOWN_HANDLE, DAF_E_INVALID_ARGUMENT. Thread-safe.
 *  Since 0.1.0. */
int daf_set_importance(daf_context *ctx, daf_handle handle, float importance);

/** Context figures (filled by daf_stats; the caller sets struct_size). Since 0.1.0, named
 *  daf_context_stats until 0.2.0 (still a deprecated alias). */
typedef struct daf_context_statistics {
    uint32_t struct_size;       /**< set by the caller: sizeof(daf_context_statistics) */
    uint32_t reserved;          /**< 0 */
    uint64_t live_entries;      /**< saved and not yet released */
    uint64_t live_packed_bytes; /**< bytes of the packed blobs held in the pool (spilled and
                                     dropped entries not included) */
    uint64_t live_fp32_bytes;   /**< bytes the same tensors take as float32 */
    uint64_t peak_packed_bytes; /**< highest live_packed_bytes so far */
    uint64_t peak_fp32_bytes;   /**< highest live_fp32_bytes so far */
    uint64_t saves;             /**< successful saves: daf_save calls, and daf_save_async
                                     saves once they have completed */
    uint64_t restores;          /**< successful daf_restore and daf_restore_range calls */
    uint64_t releases;          /**< successful daf_release calls */
    /* The pool and evictions (see "Memory budget"). */
    uint64_t budget_bytes;        /**< 0 = no limit */
    uint64_t pool_capacity_bytes; /**< mapped by the pool now; never above budget_bytes */
    uint64_t pool_peak_capacity_bytes; /**< highest pool_capacity_bytes so far */
    uint64_t pool_page_size;      /**< bytes per page */
    uint64_t pool_pages_total;    /**< pages mapped */
    uint64_t pool_pages_free;     /**< pages mapped and holding no blob */
    uint64_t pool_fragmentation_bytes; /**< used pages * page size - live_packed_bytes */
    uint64_t pool_chunks_mapped;  /**< chunks mapped now */
    uint64_t pool_trims;          /**< times pool memory went back to the OS */
    uint64_t evictions_degrade;   /**< re-quantizations to fewer bits */
    uint64_t evictions_spill;     /**< entries written to the spill file */
    uint64_t evictions_recompute; /**< entries dropped for their recompute callback */
    uint64_t budget_refusals;     /**< saves and daf_set_budget calls refused with
                                       DAF_E_BUDGET_EXCEEDED */
    uint64_t degraded_entries;    /**< live entries with fewer bits than they were saved with */
    uint64_t spilled_entries;     /**< live entries in the spill file */
    uint64_t spilled_bytes;       /**< their packed bytes */
    uint64_t spill_file_bytes;    /**< size of the spill file (with checksums and holes) */
    uint64_t dropped_entries;     /**< live entries waiting for their recompute callback */
    uint64_t spill_restores;      /**< successful restores read from the spill file */
    uint64_t recompute_restores;  /**< successful restores rebuilt by a callback */
    uint64_t recompute_failures;  /**< callbacks that returned nonzero */
    /* Since 0.2.0: the planner (see "Slots, kinds and automatic bits"). */
    uint64_t plans;               /**< plans computed (one per step boundary with slots) */
    uint64_t plan_changes;        /**< plans that changed some slot's width or group size */
    uint64_t plan_nanoseconds;    /**< time spent planning and reading saves' group ranges
                                       for it, in total */
    uint64_t plan_target_bytes;   /**< bytes per step the current plan aims at (0 = none) */
    uint64_t plan_bytes;          /**< bytes per step the current plan predicts */
    uint64_t evictions_after_plan; /**< evictions (of any kind) and budget refusals that
                                        happened while a plan was in effect */
} daf_context_statistics;

/** Copies the context's figures into *stats (one consistent snapshot). Errors:
 *  DAF_E_INVALID_CONTEXT, DAF_E_NULL_ARGUMENT, DAF_E_STRUCT_SIZE. Thread-safe. Since 0.1.0. */
int daf_stats(daf_context *ctx, daf_context_statistics *stats);

/** Changes the context's budget (0 = no limit). A higher budget takes effect at once. A lower
 *  one evicts entries under the context's policy, as a save would, until the blobs' pages fit,
 *  then shrinks the pool to the budget (see daf_pool_set_budget). If the policy cannot free
 *  enough, the budget stays as it was and DAF_E_BUDGET_EXCEEDED is returned (entries evicted
 *  on the way stay restorable). Errors: DAF_E_INVALID_CONTEXT, DAF_E_BUDGET_EXCEEDED,
 *  DAF_E_IO (spilling failed). Thread-safe; a budget below the pool's capacity first waits
 *  for saves and restores that are packing into or unpacking from the pool's pages at that
 *  moment (new ones then take the copying path until it is done). Since 0.1.0. */
int daf_set_budget(daf_context *ctx, uint64_t budget_bytes);

/** Where a saved entry's data is (daf_handle_information.state). */
typedef enum daf_entry_state {
    DAF_ENTRY_IN_POOL = 0,  /**< packed, in the context's pool */
    DAF_ENTRY_SPILLED = 1,  /**< packed, in the spill file */
    DAF_ENTRY_DROPPED = 2   /**< dropped; restores call its recompute callback */
} daf_entry_state;

/** One saved entry (filled by daf_handle_info; the caller sets struct_size). Since 0.1.0,
 *  named daf_entry_info until 0.2.0 (still a deprecated alias). */
typedef struct daf_handle_information {
    uint32_t struct_size;  /**< set by the caller: sizeof(daf_handle_information) */
    uint32_t state;        /**< a daf_entry_state */
    uint32_t bits;         /**< bits per value now (fewer than saved_bits once degraded) */
    uint32_t saved_bits;   /**< bits per value at save time */
    float importance;
    uint32_t reserved;     /**< 0 */
    uint64_t count;        /**< values */
    uint64_t packed_bytes; /**< size of its packed blob (also when spilled or dropped) */
} daf_handle_information;

/** Describes a saved entry in *info (one consistent snapshot). Errors: DAF_E_INVALID_CONTEXT,
 *  DAF_E_UNKNOWN_HANDLE, DAF_E_NULL_ARGUMENT, DAF_E_STRUCT_SIZE. Thread-safe. Since 0.1.0. */
int daf_handle_info(daf_context *ctx, daf_handle handle, daf_handle_information *info);

/** What was wrong with the calling thread's most recent failed call: which argument, which
 *  limit. For ctx non-NULL, the message is the thread's last failure if that call was on ctx
 *  (else ""); for ctx NULL, the thread's last failure of a call that takes no context (codec
 *  calls, daf_create, the daf_pool_* calls, and calls given a NULL ctx). Never NULL; the text
 *  stays valid until the same thread's next failed libdaf call. Since 0.1.0. */
const char *daf_last_error(const daf_context *ctx);

/* ---------------------------------------------------------------------------------------------
 * Slots, kinds and automatic bits (since 0.2.0)
 *
 * Slots. A save may name its slot (daf_save_params.slot, nonzero): a small stable id the caller
 * chooses for "this tensor of the step", e.g. layer * 8 + role. The context keeps statistics
 * per slot across steps. A new step begins when a save names a slot already saved since the
 * last plan (or at daf_plan_update): the planner then plans every slot's width, before that
 * save is packed.
 *
 * Automatic bits. A save with bits = DAF_BITS_AUTO (or bits 0 in a context created with
 * options.bits = DAF_BITS_AUTO) gets the width, and with DAF_PLAN_GROUP_SIZE the group size,
 * that the current plan gives its slot. The plan minimizes the predicted error of the gradients
 * subject to the step's byte target: options.avg_bits * (values saved in the step) / 8 bytes,
 * and with a budget also the budget's pages (15/16 of them, the rest left for fragmentation and
 * saves outside the plan), less the bytes of slots saved at fixed widths. The budget is not a
 * target when avg_bits is set and the policy loses nothing (DAF_POLICY_SPILL or
 * DAF_POLICY_RECOMPUTE, without DAF_POLICY_DEGRADE): the widths then follow avg_bits alone and
 * the policy makes room exactly, so a budget changes where the bytes wait, not what comes
 * back. With DAF_POLICY_DEGRADE or DAF_POLICY_FAIL the plan fits the budget before those have
 * to act (evictions_after_plan counts how often they still did). A save before its slot
 * has been seen (and an automatic save without a slot) gets the widest width b whose codes and
 * group table fit avg_bits (b + 64 / group_size <= avg_bits: 2 bits for avg_bits 2.25 to
 * 3.24 at groups of 256), clamped to min_bits..max_bits (without avg_bits: the default bits,
 * clamped likewise).
 *
 * The model (after GACT, arXiv 2206.11357, and ActNN, arXiv 2104.14129): quantizing slot s at
 * width b with groups of G values adds to the gradients an error of variance
 *     err_s(b, G) = w_s * c * sum over groups g of n_g * (range_g / (2^b - 1))^2
 * (n_g values in group g, range_g = its max - min; c = 1/12 for nearest rounding, the variance
 * of an error uniform in half a step either side, and 1/6 for stochastic rounding, ActNN's
 * bound for unbiased rounding). The ranges are the ones the packer finds anyway: after a save,
 * the library reads them back from the blob's group table (8 bytes per group, not the data),
 * for G and, merging neighbours exactly, for 2G..16G; each slot keeps a running mean (the
 * newest save weighs 1/4). w_s is the slot's sensitivity: the running mean of what the caller
 * reports with daf_slot_set_sensitivity (e.g. the squared norm of the gradient that the
 * restored tensor multiplies in the backward pass, as GACT weighs each tensor by its effect on
 * the gradient), else the importance of the slot's last save if positive, else 1. bytes_s(b, G)
 * is the exact blob size, for the most values among the slot's last four saves (so that one
 * short save, such as an epoch's smaller last batch, does not shrink the next plan below what
 * full-size saves need). The planner keeps, per slot, the lower convex hull of (bytes, err)
 * over the allowed widths and group sizes and upgrades greedily, largest error decrease per
 * byte first, while the target allows (the classic bit allocation of Shoham and Gersho, 1988:
 * optimal for the bytes it spends), then fills what is left with any upgrade that still fits.
 * Ties break by slot id, so the same statistics give the same plan. Hysteresis: a new plan
 * replaces the current one only when it predicts at least 2 % less error, or the current one
 * no longer fits the target, so widths do not flip between steps on noise. An async save's
 * ranges reach the statistics when its packing ends: a loop that restores or waits for a
 * step's saves before the next step begins (as a backward pass does) gets the same plans and
 * bytes with daf_save_async as with daf_save.
 *
 * Kinds. daf_save_params.kind says what a tensor is, so that it is stored right:
 *  - DAF_KIND_FLOAT: any floats (the 0.1.0 behaviour).
 *  - DAF_KIND_NONNEGATIVE: values mostly >= 0 whose small values matter, e.g. ReLU outputs
 *    and softmax probabilities. Stored companded: sqrt(x) (sign(x) * sqrt(|x|) for negative
 *    x) is quantized and the restore squares it back (y * |y|), so the step shrinks where the
 *    values are small. In a group whose smallest value is 0, a positive value never comes back
 *    as 0 (one too small for the first nonzero code gets that code), so a ReLU mask taken from
 *    the restored tensor is exact (with either rounding; until DAF_POLICY_DEGRADE re-quantizes
 *    it). At 1 bit, such a group's one nonzero level is the mean of its positive values, not
 *    their maximum: each positive value comes back as that mean (the group's sum is kept; a
 *    value's error is at most the group's maximum). Bits, rounding and automatic bits apply as
 *    for floats.
 *  - DAF_KIND_MASK: 0/1 values (float 0 and 1; or uint8 or int32, any nonzero one counting
 *    as 1), stored exactly in 1 bit per value, e.g. dropout and ReLU masks. bits is ignored.
 *  - DAF_KIND_INTEGER: integers in [int_min, int_max] (int_max - int_min <= 255), e.g. max-pool
 *    argmax positions or class indices, stored exactly in the fewest bits that hold the range
 *    (ceil(log2(int_max - int_min + 1)), at least 1). bits is ignored.
 * Mask and integer entries always use nearest rounding and groups of at least 4096 values
 * (the context's group size if larger: their codes are exact in any group, so the group table
 * is only overhead, 1/64 bit per value at 4096), restore exactly, and are never degraded
 * (DAF_POLICY_DEGRADE passes over them; spill and recompute apply as to any entry).
 * A value outside a mask's or integer kind's set gives DAF_E_INVALID_ARGUMENT and saves nothing.
 *
 * Which tensors need care. At 1-2 bits with nearest rounding, a group's small values all come
 * back as the group's minimum. That biases the gradient wherever small values carry it: softmax
 * probabilities (a group of 256 is one row of a 256-way softmax, and the cross-entropy gradient
 * p - y loses its small terms), attention probabilities, layer-norm inputs. So a context
 * rounds stochastically by default (DAF_DEFAULT_ROUNDING): every restored value is then
 * unbiased, and a loop that saves every tensor as plain floats at the default 2 bits trains
 * where nearest rounding can diverge, though further from fp32 than it needs to. For accuracy
 * near fp32 at few bits: save probabilities and ReLU outputs as DAF_KIND_NONNEGATIVE, masks and
 * indices by kind, give each tensor a slot and let the planner choose (DAF_BITS_AUTO with
 * avg_bits); nearest rounding then has the smaller error for the same bytes.
 * ------------------------------------------------------------------------------------------- */

/** daf_save_params.bits or daf_options.bits: the planner chooses the width. Since 0.2.0. */
#define DAF_BITS_AUTO 255u

/** What a saved tensor is (daf_save_params.kind). Since 0.2.0. */
typedef enum daf_kind {
    DAF_KIND_FLOAT = 0,       /**< any floats */
    DAF_KIND_NONNEGATIVE = 1, /**< mostly >= 0, small values matter: stored as sqrt, companded */
    DAF_KIND_MASK = 2,        /**< exact 0/1 values, 1 bit each */
    DAF_KIND_INTEGER = 3      /**< exact integers in [int_min, int_max] */
} daf_kind;

/** Element types of daf_save_typed and daf_restore_typed. Since 0.2.0. */
typedef enum daf_dtype {
    DAF_DTYPE_FLOAT32 = 0, /**< float, 4-byte aligned */
    DAF_DTYPE_UINT8 = 1,   /**< uint8_t */
    DAF_DTYPE_INT32 = 2    /**< int32_t, 4-byte aligned */
} daf_dtype;

/** daf_options.plan_flags. Since 0.2.0. */
typedef enum daf_plan_flag {
    DAF_PLAN_GROUP_SIZE = 1 /**< the plan may give a slot groups of 2, 4, 8 or 16 times the
                                 context's group size (fewer group-table bytes at low widths) */
} daf_plan_flag;

/** Like daf_save, for a tensor of `count` elements of type `dtype` (a daf_dtype): float input
 *  for any kind; uint8 and int32 input for DAF_KIND_MASK and DAF_KIND_INTEGER only. Errors: as
 *  daf_save, and DAF_E_INVALID_ARGUMENT for an unknown dtype, a dtype the kind does not take,
 *  an unknown kind, int_min > int_max or a range wider than 255, or a value outside the kind's
 *  set; DAF_E_MISALIGNED for float or int32 input not aligned to 4 bytes. Thread-safe.
 *  Since 0.2.0. */
int daf_save_typed(daf_context *ctx, const void *src, size_t count, uint32_t dtype,
                   const daf_save_params *params, daf_handle *out_handle);

/** Like daf_restore, into `count` elements of type `dtype`: DAF_DTYPE_FLOAT32 for any entry;
 *  DAF_DTYPE_UINT8 and DAF_DTYPE_INT32 for mask and integer entries (exact values). Errors: as
 *  daf_restore, and DAF_E_INVALID_ARGUMENT for an unknown dtype or an integer dtype for a
 *  float or non-negative entry. Thread-safe. Since 0.2.0. */
int daf_restore_typed(daf_context *ctx, daf_handle handle, void *dst, size_t count, uint32_t dtype);

/** Reports a slot's sensitivity for the planner: how much an error in this tensor moves the
 *  gradients, e.g. the squared norm of the output gradient it is multiplied with in the
 *  backward pass (cheap: computed next to that product). Finite and >= 0; kept as a running
 *  mean (the newest report weighs 1/4), used from the next plan on. Call it any time (usually
 *  right after restoring the slot's tensor). Errors: DAF_E_INVALID_CONTEXT,
 *  DAF_E_INVALID_ARGUMENT (slot 0, a negative or non-finite sensitivity). Thread-safe.
 *  Since 0.2.0. */
int daf_slot_set_sensitivity(daf_context *ctx, uint32_t slot, float sensitivity);

/** Plans at once from the statistics so far, as at a step boundary (with hysteresis). Not
 *  needed in a loop that saves its slots in the same order every step. Errors:
 *  DAF_E_INVALID_CONTEXT. Thread-safe. Since 0.2.0. */
int daf_plan_update(daf_context *ctx);

/** A slot's statistics and its place in the current plan (daf_slot_plan). Since 0.2.0. */
typedef struct daf_slot_plan_information {
    uint32_t struct_size;   /**< set by the caller: sizeof(daf_slot_plan_information) */
    uint32_t slot;
    uint32_t bits;          /**< width its next automatic save gets */
    uint32_t group_size;    /**< group size its next automatic save gets */
    uint32_t kind;          /**< the daf_kind of its last save */
    uint32_t automatic;     /**< 1 if its last save asked for automatic bits, else 0 */
    uint64_t count;         /**< values the plan is sized for: the most of its last 4 saves */
    uint64_t bytes;         /**< packed bytes at bits and group_size (without NaN/Inf) */
    uint64_t saves;         /**< saves of this slot so far */
    double predicted_error; /**< err_s at bits and group_size (see the model above) */
    double sensitivity;     /**< w_s, the weight used */
} daf_slot_plan_information;

/** Fills *info for `slot`. Errors: DAF_E_INVALID_CONTEXT, DAF_E_INVALID_ARGUMENT (slot 0, or a
 *  slot no save has named yet), DAF_E_NULL_ARGUMENT, DAF_E_STRUCT_SIZE. Thread-safe.
 *  Since 0.2.0. */
int daf_slot_plan(daf_context *ctx, uint32_t slot, daf_slot_plan_information *info);

/* ---------------------------------------------------------------------------------------------
 * 0.1 names
 *
 * Types renamed in 0.2.0 so that each call and the struct it fills follow one scheme (a call
 * ending in _stats fills a ..._statistics, one ending in _info a ..._information). The old
 * names stay as deprecated aliases: 0.1 programs still build (with a warning) and link.
 * ------------------------------------------------------------------------------------------- */

#if defined(__GNUC__) || defined(__clang__)
#define DAF_DEPRECATED_(replacement) __attribute__((deprecated("use " replacement)))
#else
#define DAF_DEPRECATED_(replacement)
#endif
typedef daf_packed_information daf_blob_info DAF_DEPRECATED_("daf_packed_information");
typedef daf_context_statistics daf_context_stats DAF_DEPRECATED_("daf_context_statistics");
typedef daf_handle_information daf_entry_info DAF_DEPRECATED_("daf_handle_information");

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DAF_H */
