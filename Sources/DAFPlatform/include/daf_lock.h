/* SPDX-License-Identifier: MIT */
/* A mutex in one 32-bit word: an atomic fast path inline (one compare-exchange to take it, one
 * exchange to give it back) and a futex for waiting. Drepper's third mutex ("Futexes Are
 * Tricky", 2011, section 6): 0 = free, 1 = taken, 2 = taken and someone may be waiting.
 * Internal to libdaf (hidden; nothing here is a daf_ symbol). It exists because
 * pthread_mutex_lock + unlock cost about as much as a whole pool allocation; its atomics are
 * plain compiler atomics, so ThreadSanitizer sees the acquire/release order. Not recursive. */
#ifndef DAF_LOCK_H
#define DAF_LOCK_H

#include <stdint.h>

/* Waits for the word to be free and takes it (the contended path; in platform.c). */
void daf_platform_lock_wait(uint32_t *word) __attribute__((visibility("hidden")));
/* Wakes one waiter of the word (in platform.c). */
void daf_platform_lock_wake(uint32_t *word) __attribute__((visibility("hidden")));

static inline void daf_platform_lock(uint32_t *word) {
    uint32_t expected = 0;
    /* Acquire on success orders the previous owner's writes (its release below) before ours,
     * on ARM's weak ordering as on x86; a failed exchange takes nothing, so relaxed. */
    if (__atomic_compare_exchange_n(word, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
    daf_platform_lock_wait(word);
}

static inline void daf_platform_unlock(uint32_t *word) {
    if (__atomic_exchange_n(word, 0, __ATOMIC_RELEASE) == 2) daf_platform_lock_wake(word);
}

#endif
