/* SPDX-License-Identifier: MIT */
/*
 * abi_test.h — what the ABI suite's files share: the check harness (CHECK_* macros), seeded test
 * data, the documented error bound, a reference encoder written from daf.h, and the case list.
 * It is test support only; nothing here is part of libdaf's interface.
 */
#ifndef DAF_ABI_TEST_H
#define DAF_ABI_TEST_H

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

/* Harness (support.c): checks count into the running case; failures print file:line, the
 * expression and what was got; a case fails if any of its checks failed. */
enum { MAX_REPORTS_PER_CASE = 12, CASE_TIMEOUT_SECONDS = 300 };

extern pthread_mutex_t g_lock;
extern long g_case_checks;
extern long g_case_failures;
extern char g_where[200];

void where(const char *format, ...);
void note(const char *format, ...);
int record(int passed, const char *file, int line, const char *expression, const char *detail);
int check_true(int passed, const char *expression, const char *file, int line);
int check_status(int got, int expected, const char *expression, const char *file, int line);
int check_status_either(int got, int first, int second, const char *expression, const char *file,
                        int line);
int check_size(unsigned long long got, unsigned long long expected, const char *expression,
               const char *file, int line);
int check_string(const char *got, const char *expected, const char *expression, const char *file,
                 int line);
/* The OS page size (sysconf(_SC_PAGESIZE): 4, 16 or 64 KiB on aarch64 Linux), the smallest pool
 * page the library accepts. */
uint32_t os_page_size(void);
void *xmalloc(size_t bytes);
float *floats(size_t count);

#define CHECK(expr) check_true(!!(expr), #expr, __FILE__, __LINE__)
#define CHECK_STATUS(call, expected) check_status((call), (expected), #call, __FILE__, __LINE__)
#define CHECK_STATUS_EITHER(call, a, b) check_status_either((call), (a), (b), #call, __FILE__, __LINE__)
#define CHECK_SIZE(got, expected) \
    check_size((unsigned long long)(got), (unsigned long long)(expected), #got " == " #expected, __FILE__, __LINE__)
#define CHECK_STRING(got, expected) check_string((got), (expected), #got, __FILE__, __LINE__)

/* Data (support.c): a seeded 64-bit LCG; values of varied scale and offset. */
typedef struct rng {
    uint64_t state;
} rng;

rng rng_seeded(uint64_t seed);
uint64_t rng_next(rng *r);
uint32_t rng_below(rng *r, uint32_t n);
float rng_unit(rng *r);
float rng_normalish(rng *r);
void fill_varied(float *x, size_t count, uint64_t seed);
uint32_t bits_of(float f);
float float_of(uint32_t u);
int is_finite(float f);

/* The documented error bound (support.c): returns how many values exceed it. */
size_t count_over_bound(const float *src, const float *out, size_t count, uint32_t bits,
                        uint32_t group_size, int stochastic);

/* Element counts that are multiples of nothing useful (codec_sizes.c, codec_roundtrip.c). */
#define ODD_COUNTS 6
extern const size_t odd_counts[ODD_COUNTS];

/* Bytes a newer header might append to a versioned struct (struct_size.c, pool_budget.c). */
enum { TAIL = 16 };

/* The reference encoder and the helpers around it (support.c). */
uint32_t lowbias32(uint32_t x);
uint32_t fnv1a32(const unsigned char *bytes, size_t n);
void put16(unsigned char *p, uint16_t v);
void put32(unsigned char *p, uint32_t v);
void put64(unsigned char *p, uint64_t v);
uint32_t get32(const unsigned char *p);
uint64_t get64(const unsigned char *p);
size_t ref_code_bytes(size_t n, uint32_t bits);
size_t ref_codes_offset(size_t count, uint32_t group_size);
size_t ref_packed_size(size_t count, uint32_t bits, uint32_t group_size, size_t nonfinite);
float round_half_even(float t);
uint32_t ref_code(float x, float min, float step, uint32_t levels, uint32_t rounding, uint64_t seed,
                  uint64_t index);
unsigned char *ref_pack(const float *src, size_t count, uint32_t bits, uint32_t group_size,
                        uint32_t rounding, uint64_t seed, size_t *size_out);
unsigned char *lib_pack(const float *src, size_t count, uint32_t bits, uint32_t group_size,
                        uint32_t rounding, uint64_t seed, size_t *size_out);
int same_blob(const unsigned char *lib, size_t lib_size, const unsigned char *ref, size_t ref_size,
              size_t count, uint32_t group_size);
float *lib_unpack(const void *blob, size_t size, size_t count);
void rehash(unsigned char *blob);
daf_context *new_context(uint32_t bits, uint32_t group_size, uint32_t rounding);
daf_context_statistics stats_of(daf_context *ctx);
daf_handle save_with_bits(daf_context *ctx, const float *src, size_t count, uint32_t bits);
float *misaligned(void *buffer);

/* Every case, in the order main.c runs them; each is defined in the file of its section. */
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

#define CASE_DECLARE_(name) void name(void);
CASE_LIST(CASE_DECLARE_)
#undef CASE_DECLARE_

#endif
