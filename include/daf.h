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
 *  - float pointers must be aligned to 4 bytes (DAF_E_MISALIGNED otherwise); packed blobs may
 *    have any alignment. A pointer may be NULL when its element count is 0. A tensor holds at
 *    most 2^58 values (DAF_E_OVERFLOW beyond, e.g. for a count of SIZE_MAX).
 *  - Option and result structs start with `uint32_t struct_size`, are filled by their _init
 *    function (or set struct_size = sizeof(the struct)), and only ever grow by appending fields.
 *    A struct_size smaller than the 0.1.0 struct, 0, or above 4096 (an uninitialized struct,
 *    not a future one) gives DAF_E_STRUCT_SIZE. A larger one from a newer header is accepted
 *    when every byte this library does not know is zero (inputs), and those bytes are zeroed
 *    (outputs).
 *  - Arguments are checked in the order of the parameter list, except that counts are checked
 *    before ranges (so a count above 2^58 gives DAF_E_OVERFLOW, not DAF_E_OUT_OF_RANGE).
 *  - Every call taking a daf_context returns DAF_E_INVALID_CONTEXT for a ctx that is NULL or
 *    not a live context (destroyed, never created), before looking at other arguments.
 *  - On failure, output buffers and out-parameters hold unspecified contents unless the call
 *    says otherwise; the library never writes past the sizes you give it.
 *  - "Since" gives the version in which a call appeared.
 *
 * Threads: every call is safe from any number of threads; separate contexts are independent.
 * libdaf's own threads: the stateless codec uses daf_codec_threads() threads per call (1 by
 * default: none of its own); a context uses options.threads per call (default: one per core)
 * and keeps max(threads - 1, 1) workers for that and for daf_save_async. With OpenBLAS or
 * OpenMP in the same process, give libdaf the cores they leave free (e.g. a context with
 * threads = 1 still packs async saves on its one worker while BLAS uses the other cores).
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
#define DAF_VERSION_MINOR 1
#define DAF_VERSION_PATCH 0
/** MAJOR * 10000 + MINOR * 100 + PATCH, e.g. 100 for 0.1.0. */
#define DAF_VERSION_NUMBER (DAF_VERSION_MAJOR * 10000 + DAF_VERSION_MINOR * 100 + DAF_VERSION_PATCH)
#define DAF_VERSION_STRING "0.1.0"

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
    X(DAF_E_INTERNAL, -14, "internal error in libdaf (a bug: please report it)")

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
 * exactly. Decoded values of finite inputs are always finite, also near FLT_MAX. NaN, +Inf and
 * -Inf are kept aside bit-exactly (see the format below) and come back exactly where they
 * were; the rest of their group is quantized as usual.
 *
 * Stochastic rounding rounds up with probability equal to the fractional part, so the mean
 * error tends to 0 (to within 2^-17 of a step); its random numbers come from a counter-based
 * hash of (seed, element index), so the output bytes are the same for the same seed whatever
 * the thread count or chunking.
 *
 * Packed blob, format version 1. All integers little-endian; floats IEEE-754 binary32.
 *   offset  size  field
 *        0     4  magic "DAFQ" (0x44 0x41 0x46 0x51)
 *        4     2  format version (1)
 *        6     1  bits (1..8)
 *        7     1  rounding (daf_rounding)
 *        8     4  group_size G (multiple of 16, 16..65536)
 *       12     4  lanes (16): the interleave width of the code layout
 *       16     8  count N (elements)
 *       24     8  nonfinite count X
 *       32     8  seed (stochastic rounding; 0 for nearest)
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
 *
 * Encoding, exactly (so another implementation can reproduce the bytes): over the group's
 * finite values lo = min, hi = max (each + 0.0f, so -0 becomes +0), L = 2^bits - 1. Normally
 * min = lo, scale = (hi - lo) / L, and a value decodes as min + q * scale. If hi - lo
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
 * even, else h & 0xFFFF; u = asfloat(0x3F800000 | (r << 7)) - 1.5, in [-0.5, 0.5);
 * q = min(t + u rounded half to even, L) (t + u >= -0.5 never rounds below 0). The mean of q
 * is t to within 2^-17 of a step.
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

/** Size in bytes of the packed blob for `count` finite values (each NaN/±Inf adds
 *  DAF_PACKED_NONFINITE_BYTES; daf_packed_size gives the exact size for given data). Returns 0
 *  when bits or group_size is out of range or the size would overflow (a valid size is always
 *  >= DAF_PACKED_HEADER_BYTES). Thread-safe. Since 0.1.0. */
size_t daf_packed_bound(size_t count, uint32_t bits, uint32_t group_size);

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
 *  before dst is written: header hash, sizes, group table, non-finite list.
 *  Errors: DAF_E_NULL_ARGUMENT, DAF_E_MISALIGNED (dst), DAF_E_CORRUPT,
 *  DAF_E_UNSUPPORTED_FORMAT, DAF_E_SIZE_MISMATCH. Thread-safe. Since 0.1.0. */
int daf_unpack_dequantize(const void *src, size_t src_size, float *dst, size_t count);

/** Like daf_unpack_dequantize for elements [first, first + count) only, written to
 *  dst[0..count): the values are identical to the full unpack's, and only the groups that
 *  overlap the range are read (a tile of rows without unpacking the tensor).
 *  Errors: as daf_unpack_dequantize, and DAF_E_OUT_OF_RANGE when first + count exceeds the
 *  blob's count. Thread-safe. Since 0.1.0. */
int daf_unpack_dequantize_range(const void *src, size_t src_size, size_t first, size_t count,
                                float *dst);

/** What a packed blob holds (filled by daf_packed_info). Since 0.1.0. */
typedef struct daf_blob_info {
    uint32_t struct_size;    /**< set by the caller: sizeof(daf_blob_info) */
    uint32_t format_version;
    uint32_t bits;
    uint32_t group_size;
    uint32_t rounding;
    uint32_t reserved;       /**< 0 */
    uint64_t count;          /**< elements */
    uint64_t nonfinite_count;
    uint64_t seed;
    uint64_t packed_size;    /**< bytes of the blob */
} daf_blob_info;

/** Validates a blob's header (magic, hash, version, fields, sizes against src_size; not the
 *  group table, codes or non-finite list, which unpacking checks) and describes it in *info
 *  (whose struct_size the caller sets). Errors: DAF_E_NULL_ARGUMENT, DAF_E_STRUCT_SIZE,
 *  DAF_E_CORRUPT, DAF_E_UNSUPPORTED_FORMAT. Thread-safe. Since 0.1.0. */
int daf_packed_info(const void *src, size_t src_size, daf_blob_info *info);

/** Minimum and maximum of the finite values of src[0..count) (NaN and ±Inf are skipped).
 *  With no finite value (or count 0) both are NaN. With several codec threads, large inputs
 *  are reduced either as a parallel tree or by atomic combination of small chunks, whichever
 *  the first calls of that size measured faster ("hybrid reduction", DAF §4.1).
 *  Errors: DAF_E_NULL_ARGUMENT, DAF_E_MISALIGNED. Thread-safe. Since 0.1.0. */
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
 * Activation save / restore (context)
 *
 * forward:  y = layer(x);  daf_save(ctx, x, n, &params, &h);      x's buffer may be reused now
 * backward: daf_restore(ctx, h, tmp, n);  dx = layer_backward(tmp, dy);  daf_release(ctx, h);
 *
 * A handle is a nonzero 64-bit value unique within the process: a released handle is never
 * reused, so a stale, released, zero or other context's handle gives DAF_E_UNKNOWN_HANDLE.
 * 0.1 keeps the packed blobs in ordinary heap memory; budgets and eviction come with the pool.
 * ------------------------------------------------------------------------------------------- */

typedef struct daf_context daf_context;
typedef uint64_t daf_handle;

/** Options for daf_create: fill with daf_options_init, then change fields. Since 0.1.0. */
typedef struct daf_options {
    uint32_t struct_size; /**< sizeof(daf_options) */
    uint32_t bits;        /**< default bits for saves, 1..8; default 2 */
    uint32_t group_size;  /**< multiple of 16 in [16, 65536]; default 256 */
    uint32_t rounding;    /**< a daf_rounding; default DAF_ROUND_NEAREST */
    uint64_t seed;        /**< stochastic rounding: the n-th save that passed its argument
                               checks (n from 0) uses seed + n; default 0 */
    uint32_t threads;     /**< threads one call may use, the caller included; 0 (default) =
                               one per online core. The context starts max(threads - 1, 1)
                               worker threads (daf_save_async needs one), joined by
                               daf_destroy. At most 256. */
} daf_options;

/** Fills *options with the defaults. DAF_OK or DAF_E_NULL_ARGUMENT. Since 0.1.0. */
int daf_options_init(daf_options *options);

/** Creates a context in *out_ctx (set to NULL on failure). options may be NULL (defaults).
 *  Errors: DAF_E_NULL_ARGUMENT (out_ctx), DAF_E_STRUCT_SIZE, DAF_E_INVALID_ARGUMENT,
 *  DAF_E_NO_MEMORY. Thread-safe. Since 0.1.0. */
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
} daf_save_params;

/** Fills *params with the defaults. DAF_OK or DAF_E_NULL_ARGUMENT. Since 0.1.0. */
int daf_save_params_init(daf_save_params *params);

/** Quantizes, packs and keeps src[0..count); returns its handle in *out_handle (0 on failure).
 *  src is only read during the call. params may be NULL (context defaults).
 *  Errors: DAF_E_INVALID_CONTEXT, DAF_E_NULL_ARGUMENT, DAF_E_MISALIGNED, DAF_E_STRUCT_SIZE,
 *  DAF_E_INVALID_ARGUMENT (bits, non-finite importance), DAF_E_OVERFLOW, DAF_E_NO_MEMORY.
 *  Thread-safe. Since 0.1.0. */
int daf_save(daf_context *ctx, const float *src, size_t count, const daf_save_params *params,
             daf_handle *out_handle);

/** Like daf_save, but returns at once: a context worker quantizes and packs while the caller
 *  goes on (e.g. computes the next layer). src must stay valid and unchanged until the save
 *  has completed: until daf_wait, a restore, daf_release of the handle, or daf_destroy
 *  returns. Argument errors are returned here (as daf_save's); errors of the work itself
 *  (DAF_E_NO_MEMORY) are returned by daf_wait, or by the first restore or release of the
 *  handle, after which the handle is unknown. Thread-safe. Since 0.1.0. */
int daf_save_async(daf_context *ctx, const float *src, size_t count,
                   const daf_save_params *params, daf_handle *out_handle);

/** Blocks until the save behind handle has completed and returns its status; DAF_OK at once
 *  for a completed save. A save that has not started yet is done by the calling thread.
 *  Errors: DAF_E_INVALID_CONTEXT, DAF_E_UNKNOWN_HANDLE, the failed save's status.
 *  Thread-safe. Since 0.1.0. */
int daf_wait(daf_context *ctx, daf_handle handle);

/** Writes the saved tensor's values to dst[0..count); count must equal the saved count. The
 *  entry stays saved (restore it again, or release it). Waits for a pending async save.
 *  Errors: DAF_E_INVALID_CONTEXT, DAF_E_UNKNOWN_HANDLE, DAF_E_NULL_ARGUMENT,
 *  DAF_E_MISALIGNED, DAF_E_SIZE_MISMATCH, or the status of a failed async save.
 *  Thread-safe, also concurrently with daf_release of the same handle (one of them wins).
 *  Since 0.1.0. */
int daf_restore(daf_context *ctx, daf_handle handle, float *dst, size_t count);

/** Writes elements [first, first + count) of the saved tensor to dst[0..count), identical to
 *  the same range of a full restore. Errors: as daf_restore, with DAF_E_OUT_OF_RANGE when the
 *  range exceeds the saved count. Thread-safe. Since 0.1.0. */
int daf_restore_range(daf_context *ctx, daf_handle handle, size_t first, size_t count,
                      float *dst);

/** Frees a saved entry; the handle becomes unknown. Errors: DAF_E_INVALID_CONTEXT,
 *  DAF_E_UNKNOWN_HANDLE (also for a second release). Thread-safe. Since 0.1.0. */
int daf_release(daf_context *ctx, daf_handle handle);

/** Changes an entry's importance (finite; higher = keep longer). Errors:
 *  DAF_E_INVALID_CONTEXT, DAF_E_UNKNOWN_HANDLE, DAF_E_INVALID_ARGUMENT. Thread-safe.
 *  Since 0.1.0. */
int daf_set_importance(daf_context *ctx, daf_handle handle, float importance);

/** Context figures (filled by daf_stats; the caller sets struct_size). Since 0.1.0. */
typedef struct daf_context_stats {
    uint32_t struct_size;       /**< set by the caller: sizeof(daf_context_stats) */
    uint32_t reserved;          /**< 0 */
    uint64_t live_entries;      /**< saved and not yet released */
    uint64_t live_packed_bytes; /**< bytes of their packed blobs */
    uint64_t live_fp32_bytes;   /**< bytes the same tensors take as float32 */
    uint64_t peak_packed_bytes; /**< highest live_packed_bytes so far */
    uint64_t peak_fp32_bytes;   /**< highest live_fp32_bytes so far */
    uint64_t saves;             /**< successful daf_save calls */
    uint64_t restores;          /**< successful daf_restore and daf_restore_range calls */
    uint64_t releases;          /**< successful daf_release calls */
} daf_context_stats;

/** Copies the context's figures into *stats (one consistent snapshot). Errors:
 *  DAF_E_INVALID_CONTEXT, DAF_E_NULL_ARGUMENT, DAF_E_STRUCT_SIZE. Thread-safe. Since 0.1.0. */
int daf_stats(daf_context *ctx, daf_context_stats *stats);

/** What was wrong with the calling thread's most recent failed call: which argument, which
 *  limit. For ctx non-NULL, the message is the thread's last failure if that call was on ctx
 *  (else ""); for ctx NULL, the thread's last failure of a call that takes no context (codec
 *  calls, daf_create, and calls given a NULL ctx). Never NULL; the text stays valid until the
 *  same thread's next failed libdaf call. Since 0.1.0. */
const char *daf_last_error(const daf_context *ctx);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DAF_H */
