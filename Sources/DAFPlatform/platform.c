/* SPDX-License-Identifier: MIT */
/* The out-of-line parts of DAFPlatform: the contended paths of the futex lock (daf_lock.h), the
 * CPU check for the AVX-512 kernels, the cache size query and the thread-local pool cache
 * slot. The rest is static inline functions in its headers. */
#include "daf_platform.h"

#include <linux/futex.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Spins this many times (a few hundred nanoseconds) before sleeping: a pool or context lock is
 * held for well under a microsecond, so a short wait usually ends without a system call. */
enum { daf_lock_spins = 100 };

void daf_platform_lock_wait(uint32_t *word) {
    for (int i = 0; i < daf_lock_spins; i++) {
        daf_platform_pause();
        uint32_t expected = 0;
        /* Relaxed read first: only a hint that the word looks free (no data is read through
         * it); the acquire of the compare-exchange is what orders the owner's writes before
         * ours, on ARM as on x86. A failed exchange takes nothing, so relaxed. */
        if (__atomic_load_n(word, __ATOMIC_RELAXED) == 0 &&
            __atomic_compare_exchange_n(word, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
    }
    /* Mark the word contended; whoever sets it from 0 owns the lock. After a wake-up the word
     * is set to 2 again, since other waiters may still sleep (Drepper's mutex3). */
    while (__atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE) != 0) {
        syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, 2, (void *)0, (void *)0, 0);
    }
}

void daf_platform_lock_wake(uint32_t *word) {
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, (void *)0, (void *)0, 0);
}

__thread void *daf_platform_pool_cache __attribute__((visibility("hidden"), tls_model("initial-exec"))) = 0;
__thread unsigned daf_platform_fp_caller_env __attribute__((visibility("hidden"), tls_model("initial-exec"))) = 0;

int daf_platform_cpu_has_avx512(void) {
#if defined(__x86_64__)
    /* The x86-64-v4 level the AVX-512 kernels are built for. GCC's and compiler-rt's CPU
     * model sets these only when the OS saves the AVX-512 registers too (XCR0). */
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

/* A small sysfs file's number ("32768K" -> 32 MiB, "3" -> 3); 0 when absent or unreadable. */
static long daf_platform_sysfs_number(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char text[32];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return 0;
    long value = 0;
    ssize_t i = 0;
    for (; i < n && text[i] >= '0' && text[i] <= '9' && value < (1L << 40); i++) {
        value = value * 10 + (text[i] - '0');
    }
    if (i < n && text[i] == 'K') value <<= 10;
    else if (i < n && text[i] == 'M') value <<= 20;
    return value;
}

/* The size of the highest-level cache sysfs lists for cpu0 (index0..index9; the numbering
 * differs between machines), 0 when it lists none. */
static long daf_platform_sysfs_last_level_cache_bytes(void) {
    long best_level = 0, best_bytes = 0;
    for (int index = 0; index < 10; index++) {
        char path[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
        long level = daf_platform_sysfs_number(path);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
        long bytes = daf_platform_sysfs_number(path);
        if (level <= 0 || bytes <= 0) continue;
        if (level > best_level || (level == best_level && bytes > best_bytes)) {
            best_level = level;
            best_bytes = bytes;
        }
    }
    return best_bytes;
}

long daf_platform_last_level_cache_bytes(void) {
    /* -1: not asked yet. Racing first calls ask twice and store the same answer; relaxed is
     * enough on any architecture, since the value is the whole message (no other memory is
     * published through it). sysfs, as the kernel describes the caches; glibc's
     * sysconf(_SC_LEVEL3_CACHE_SIZE) said 320 MiB in this project's VM, whose L3 is 32 MiB,
     * and is 0 on aarch64. */
    static _Atomic long cached = -1;
    long bytes = atomic_load_explicit(&cached, memory_order_relaxed);
    if (bytes >= 0) return bytes;
    bytes = daf_platform_sysfs_last_level_cache_bytes();
#if defined(__aarch64__)
    if (bytes == 0) bytes = 2L << 20;
#else
    if (bytes == 0) bytes = 32L << 20;
#endif
    atomic_store_explicit(&cached, bytes, memory_order_relaxed);
    return bytes;
}
