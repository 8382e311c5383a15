/* What the Swift core cannot spell itself: CPU hints, a futex lock (daf_lock.h), a thread-local
 * slot. Internal to libdaf: hidden or static inline, so nothing here becomes a symbol of
 * libdaf.so. */
#ifndef DAF_PLATFORM_H
#define DAF_PLATFORM_H

#include "daf_lock.h"

/* Asks the CPU to start loading the 64-byte line at p into the caches for reading. */
static inline void daf_platform_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

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
