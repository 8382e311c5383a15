/* What the Swift core cannot spell itself: CPU hints, vector reductions that Swift's SIMD types
 * compile poorly, a futex lock (daf_lock.h), a thread-local slot. Internal to libdaf: hidden or
 * static inline, so nothing here becomes a symbol of libdaf.so. */
#ifndef DAF_PLATFORM_H
#define DAF_PLATFORM_H

#include "daf_lock.h"
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

/* Asks the CPU to start loading the 64-byte line at p into the caches for reading. */
static inline void daf_platform_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/* Clang vector types; Swift imports them as SIMD16<Float>, SIMD4<Float>, SIMD2<Float>, SIMD16<UInt32>. */
typedef float daf_platform_float16 __attribute__((ext_vector_type(16)));
typedef float daf_platform_float8 __attribute__((ext_vector_type(8)));
typedef float daf_platform_float4 __attribute__((ext_vector_type(4)));
typedef float daf_platform_float2 __attribute__((ext_vector_type(2)));
typedef unsigned int daf_platform_uint16 __attribute__((ext_vector_type(16)));

/* The sixteen lanes of lo and hi reduced: (min of lo, max of hi), by halving trees, a < b ? a : b
 * at each step (a NaN lane of lo or hi loses to a number). Here because Swift's SIMD halves
 * (lowHalf, evenHalf) compiled to inserts, shuffles and mask moves in the AVX-512 build, a third
 * of a 256-value group's packing time (perf annotate); clang's shufflevector gives one extract or
 * shuffle and one vminps/vmaxps per step. */
static inline daf_platform_float2 daf_platform_reduce16(daf_platform_float16 lo, daf_platform_float16 hi) {
    daf_platform_float8 lo8a = __builtin_shufflevector(lo, lo, 0, 1, 2, 3, 4, 5, 6, 7);
    daf_platform_float8 lo8b = __builtin_shufflevector(lo, lo, 8, 9, 10, 11, 12, 13, 14, 15);
    daf_platform_float8 hi8a = __builtin_shufflevector(hi, hi, 0, 1, 2, 3, 4, 5, 6, 7);
    daf_platform_float8 hi8b = __builtin_shufflevector(hi, hi, 8, 9, 10, 11, 12, 13, 14, 15);
    daf_platform_float8 lo8 = lo8b < lo8a ? lo8b : lo8a;
    daf_platform_float8 hi8 = hi8b > hi8a ? hi8b : hi8a;
    daf_platform_float4 lo4a = __builtin_shufflevector(lo8, lo8, 0, 1, 2, 3);
    daf_platform_float4 lo4b = __builtin_shufflevector(lo8, lo8, 4, 5, 6, 7);
    daf_platform_float4 hi4a = __builtin_shufflevector(hi8, hi8, 0, 1, 2, 3);
    daf_platform_float4 hi4b = __builtin_shufflevector(hi8, hi8, 4, 5, 6, 7);
    daf_platform_float4 lo4 = lo4b < lo4a ? lo4b : lo4a;
    daf_platform_float4 hi4 = hi4b > hi4a ? hi4b : hi4a;
    /* The last two steps on one vector: (lo, hi) lanes 0,1 against lanes 2,3. */
    daf_platform_float4 a = __builtin_shufflevector(lo4, hi4, 0, 1, 4, 5);
    daf_platform_float4 b = __builtin_shufflevector(lo4, hi4, 2, 3, 6, 7);
    daf_platform_float4 lo2hi2 = (daf_platform_float4){ b.x < a.x ? b.x : a.x, b.y < a.y ? b.y : a.y,
                                                       b.z > a.z ? b.z : a.z, b.w > a.w ? b.w : a.w };
    float low = lo2hi2.y < lo2hi2.x ? lo2hi2.y : lo2hi2.x;
    float high = lo2hi2.w > lo2hi2.z ? lo2hi2.w : lo2hi2.z;
    return (daf_platform_float2){ low, high };
}

/* 1 when every lane of v is finite, else 0: one compare of the lanes' magnitude bits and one
 * mask test, where summing the lanes first put a chain of dependent adds and shuffles before
 * every group's branch (the optimistic min/max pass sums its rows: a lane holding a NaN or
 * ±Inf, or whose sum overflowed, is not finite). */
static inline int daf_platform_all_finite16(daf_platform_float16 v) {
    daf_platform_uint16 magnitude = (daf_platform_uint16)v & 0x7FFFFFFFu;
    return !__builtin_reduce_or(magnitude >= 0x7F800000u);
}

/* min(a, b) lane by lane as b < a ? b : a, in one vminps per register: the select Swift and clang
 * write for it became a compare into a mask register plus a masked move in the AVX-512 build. */
static inline daf_platform_float16 daf_platform_min16(daf_platform_float16 a, daf_platform_float16 b) {
#if defined(__AVX512F__)
    return (daf_platform_float16)_mm512_min_ps((__m512)b, (__m512)a);
#else
    return b < a ? b : a;
#endif
}

/* 1 when this CPU (and OS) runs x86-64-v4 code (AVX-512 F/BW/CD/DQ/VL), else 0; always 0
 * off x86-64. */
int daf_platform_cpu_has_avx512(void) __attribute__((visibility("hidden")));

/* Tells the CPU this thread is spin-waiting (x86 PAUSE, AArch64 YIELD): a spinning worker then
 * yields the core's resources and leaves the spin loop without a memory-order flush. */
static inline void daf_platform_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* One pointer per thread for the pool lookup cache (PoolLookup.swift), read with a single
 * %fs-relative load: initial-exec TLS, which a library loaded by dlopen takes from glibc's
 * static TLS reserve (8 bytes here). pthread_getspecific cost ~20 instructions a call. */
extern __thread void *daf_platform_pool_cache __attribute__((visibility("hidden"), tls_model("initial-exec")));

static inline void *daf_platform_pool_cache_get(void) { return daf_platform_pool_cache; }
static inline void daf_platform_pool_cache_set(void *value) { daf_platform_pool_cache = value; }

#endif
