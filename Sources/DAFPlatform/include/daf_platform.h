/* CPU hints the Swift kernels cannot spell themselves. Internal to libdaf: static inline only,
 * so nothing here becomes a symbol of libdaf.so. */
#ifndef DAF_PLATFORM_H
#define DAF_PLATFORM_H

/* Asks the CPU to start loading the 64-byte line at p into the caches for reading. */
static inline void daf_platform_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
