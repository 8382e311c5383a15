/* SPDX-License-Identifier: MIT */
/* What the Swift core cannot spell itself: CPU hints, vector operations that Swift's SIMD types
 * compile poorly (reductions, rounding conversions, three-way OR), non-temporal stores, the
 * floating-point environment (daf_fpenv.h), a futex lock (daf_lock.h), thread-local slots. Internal to
 * libdaf: hidden or static inline, so nothing here becomes a symbol of libdaf.so. */
#ifndef DAF_PLATFORM_H
#define DAF_PLATFORM_H

#include "daf_fpenv.h"
#include "daf_lock.h"
#include "daf_status_text.h"
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

/* Asks the CPU to start loading the 64-byte line at p into the L2 cache (and the levels
 * outside it) for reading: PREFETCHT1 on x86. Into L1 (PREFETCHT0) each request holds one of
 * the L1's few miss buffers until its line arrives from DRAM, which capped 4-bit nearest
 * packing of 256 MiB at about 16 GB/s on one Zen 4 core, whose read pass runs at about 30;
 * into L2 it ran at 21-23 (a C loop around daf_quantize_pack; Sources/daf-bench/README.md).
 * The packer's loads then find the lines in L2, and L1's own prefetcher takes them from there. */
static inline void daf_platform_prefetch(const void *p) { __builtin_prefetch(p, 0, 2); }

/* Clang vector types; Swift imports them as SIMD16<Float>, SIMD8<Float>, SIMD4<Float>, SIMD2<Float>,
 * SIMD16<UInt32>, SIMD16<Int32> and SIMD4<UInt32>. */
typedef float daf_platform_float16 __attribute__((ext_vector_type(16)));
typedef float daf_platform_float8 __attribute__((ext_vector_type(8)));
typedef float daf_platform_float4 __attribute__((ext_vector_type(4)));
typedef float daf_platform_float2 __attribute__((ext_vector_type(2)));
typedef unsigned int daf_platform_uint16 __attribute__((ext_vector_type(16)));
typedef int daf_platform_int16 __attribute__((ext_vector_type(16)));
typedef unsigned int daf_platform_uint4 __attribute__((ext_vector_type(4)));

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

/* The min/max of floats from integer extrema of their bits, so that a group's reduction runs on
 * the integer units (two or four per core on Zen 4/5) instead of the two pipes that float
 * add/min/max share with the encoder's adds and shifts (a C microbenchmark here: one zmm
 * vminps, vaddps or vpslld per cycle in all, two vpmaxud). With the bits b of every value
 * accumulated as unsigned max U, unsigned min V and signed max S (daf_platform_umax16 etc.):
 * negative floats have the sign bit, so as unsigned they lie above every non-negative one and
 * grow with magnitude, and as signed they lie below every non-negative one, which as signed
 * keep the float order. Hence min = U if U is negative (the largest magnitude among the
 * negatives) else V (all non-negative: integer order is float order); max = S if S is
 * non-negative else V (all negative: the smallest magnitude). +NaN/+Inf show as S >=
 * 0x7F800000, -NaN/-Inf as U >= 0xFF800000. Exact; a zero's sign may differ from the float
 * pass's. */
static inline daf_platform_uint16 daf_platform_umax16(daf_platform_uint16 a, daf_platform_uint16 b) {
    return __builtin_elementwise_max(a, b);
}
static inline daf_platform_uint16 daf_platform_umin16(daf_platform_uint16 a, daf_platform_uint16 b) {
    return __builtin_elementwise_min(a, b);
}
static inline daf_platform_int16 daf_platform_smax16(daf_platform_int16 a, daf_platform_int16 b) {
    return __builtin_elementwise_max(a, b);
}

/* A range decoded from the accumulators above: lo and hi valid only when finite is 1 (no NaN or
 * ±Inf among the values; at least one value accumulated). */
typedef struct daf_platform_bit_range {
    float lo, hi;
    int finite;
} daf_platform_bit_range;

static inline daf_platform_bit_range daf_platform_bit_range16(daf_platform_uint16 umax, daf_platform_uint16 umin,
                                                              daf_platform_int16 smax) {
    unsigned u = __builtin_reduce_max(umax), v = __builtin_reduce_min(umin);
    int s = __builtin_reduce_max(smax);
    unsigned lo = (int)u < 0 ? u : v, hi = s >= 0 ? (unsigned)s : v;
    daf_platform_bit_range r;
    __builtin_memcpy(&r.lo, &lo, 4);
    __builtin_memcpy(&r.hi, &hi, 4);
    r.finite = s < 0x7F800000 && u < 0xFF800000u;
    return r;
}

/* Non-temporal stores of one 64-byte word row of the code stream: written to memory without
 * first reading the line into the caches (no read for ownership, no eviction of the source
 * being packed). daf_platform_stream_store64 needs p 64-byte aligned, _16x4 16-byte aligned
 * (four 16-byte stores; the write-combining buffer joins them with the next row's into whole
 * lines). The caller fences (daf_platform_store_fence) before other threads may read them. */
static inline void daf_platform_stream_store64(void *p, daf_platform_uint16 v) {
    __builtin_nontemporal_store(v, (daf_platform_uint16 *)p);
}

static inline void daf_platform_stream_store16x4(void *p, daf_platform_uint16 v) {
    daf_platform_uint4 *q = (daf_platform_uint4 *)p;
    __builtin_nontemporal_store(__builtin_shufflevector(v, v, 0, 1, 2, 3), q);
    __builtin_nontemporal_store(__builtin_shufflevector(v, v, 4, 5, 6, 7), q + 1);
    __builtin_nontemporal_store(__builtin_shufflevector(v, v, 8, 9, 10, 11), q + 2);
    __builtin_nontemporal_store(__builtin_shufflevector(v, v, 12, 13, 14, 15), q + 3);
}

/* Orders this thread's earlier non-temporal stores before its later stores (x86 SFENCE), so
 * that the release which publishes a finished part also publishes them. AArch64's STNP stores
 * are ordered by barriers and release stores like any store (only non-temporal loads relax
 * ordering); the full barrier there costs one DMB per finished part and keeps the rule the
 * same on every architecture. */
static inline void daf_platform_store_fence(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_sfence();
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* The last-level cache's size in bytes: the highest level among the caches Linux's sysfs lists
 * for cpu0; where sysfs has no cache information (device-tree ARM boards often have none), a
 * typical size for the architecture: 2 MiB on aarch64 (Raspberry Pi 4: 1 MiB L2, Pi 5: 2 MiB
 * L3, RK3588: 3 MiB L3, Jetson Orin: 4 MiB L3), 32 MiB elsewhere (x86 servers). Asked once
 * per process; never 0. It only decides when packing uses streaming stores. */
long daf_platform_last_level_cache_bytes(void) __attribute__((visibility("hidden")));

/* min(a, b) lane by lane as b < a ? b : a, in one vminps per register: the select Swift and clang
 * write for it became a compare into a mask register plus a masked move in the AVX-512 build. */
static inline daf_platform_float16 daf_platform_min16(daf_platform_float16 a, daf_platform_float16 b) {
#if defined(__AVX512F__)
    return (daf_platform_float16)_mm512_min_ps((__m512)b, (__m512)a);
#else
    return b < a ? b : a;
#endif
}

/* Each lane rounded to an integer, half to even whatever rounding mode the calling thread
 * has set (as the scalar reference's rounded(.toNearestOrEven)), for lanes in [-0.5, 2^22):
 * the packers' codes. AVX-512: one vcvtps2dq with the rounding embedded in the instruction;
 * elsewhere an explicit round-to-even (vroundps on AVX) and an exact conversion. (The bits of
 * v + 1.5 * 2^23, the codes' earlier form, follow the thread's rounding mode.) */
static inline daf_platform_uint16 daf_platform_round16(daf_platform_float16 v) {
#if defined(__AVX512F__)
    return (daf_platform_uint16)_mm512_cvt_roundps_epi32((__m512)v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
#else
    return (daf_platform_uint16)__builtin_convertvector(__builtin_elementwise_roundeven(v), daf_platform_int16);
#endif
}

/* a | b | c lane by lane: one vpternlogd with AVX-512. Here because the same expression with
 * Swift's SIMD16<UInt32> `|` was split into lanes (extracts, scalar shifts, inserts) in the
 * packer's loop. */
static inline daf_platform_uint16 daf_platform_or3_16(daf_platform_uint16 a, daf_platform_uint16 b, daf_platform_uint16 c) {
    return a | b | c;
}

/* c + a * b for a product a * b that is exact (a float, as for b a power of two), so that
 * the fused and the separate forms give the same bits. Fused where the CPU has FMA: one
 * operation instead of two, and on Zen 4 on the multiply/FMA pipes rather than the pair that
 * float add, min and vector shifts share. */
static inline daf_platform_float16 daf_platform_fma_exact16(daf_platform_float16 a, daf_platform_float16 b,
                                                            daf_platform_float16 c) {
#if defined(__FMA__) || defined(__aarch64__)
    return __builtin_elementwise_fma(a, b, c);
#else
    return a * b + c;
#endif
}

/* Signed integers to floats, lane by lane (exact for |v| <= 2^24 and for multiples of 2^16
 * up to 2^31 in magnitude, the uses here): one vcvtdq2ps per register. */
static inline daf_platform_float16 daf_platform_int_to_float16(daf_platform_int16 v) {
    return __builtin_convertvector(v, daf_platform_float16);
}

/* 1 when this CPU (and OS) runs x86-64-v4 code (AVX-512 F/BW/CD/DQ/VL), else 0; always 0
 * off x86-64. */
int daf_platform_cpu_has_avx512(void) __attribute__((visibility("hidden")));

/* Tells the CPU this thread is spin-waiting and slows the spin down. x86: PAUSE (the core gives
 * its resources to the sibling hyperthread and leaves the loop without a memory-order flush).
 * AArch64: ISB, not YIELD: YIELD is a no-op on cores without SMT (every Cortex-A and Neoverse
 * core in the boards libdaf targets), so a YIELD loop hammers the lock's cache line; ISB
 * flushes the pipeline, a delay of some tens of cycles, which is what Rust's
 * core::hint::spin_loop and the JDK's SpinPause use on aarch64 after measuring both. */
static inline void daf_platform_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("isb" : : : "memory");
#endif
}

/* One pointer per thread for the pool lookup cache (PoolLookup.swift), read with a single
 * %fs-relative load: initial-exec TLS, which a library loaded by dlopen takes from glibc's
 * static TLS reserve (8 bytes here). pthread_getspecific cost ~20 instructions a call. */
extern __thread void *daf_platform_pool_cache __attribute__((visibility("hidden"), tls_model("initial-exec")));

static inline void *daf_platform_pool_cache_get(void) { return daf_platform_pool_cache; }
static inline void daf_platform_pool_cache_set(void *value) { daf_platform_pool_cache = value; }

#endif
