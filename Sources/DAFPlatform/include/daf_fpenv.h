/* SPDX-License-Identifier: MIT */
/* The floating-point environment guard of every float-computing C entry point: the x86-64 MXCSR
 * and the AArch64 FPCR. Internal to libdaf (static inline, one hidden thread-local); it is not
 * a general fenv library: it knows only the one environment libdaf computes in. */
#ifndef DAF_FPENV_H
#define DAF_FPENV_H

/* The floating-point environment libdaf computes in: round to nearest even, denormals kept,
 * NaNs propagated, no traps, whatever the calling thread has set: a host that rounds upward,
 * or flushes denormals as ML frameworks often do (x86 FTZ/DAZ, ARM FZ), still gets the
 * documented bytes and values. daf_platform_fp_enter returns a token for
 * daf_platform_fp_leave, which gives the caller its own environment back; the control register
 * is written only when its control bits differ from libdaf's (a write costs tens of cycles and
 * serializes on some cores; the read does not). Between the two,
 * daf_platform_fp_caller_begin/_end switch to the caller's environment and back around a call
 * into the caller's code (a recompute callback). On other architectures they do nothing.
 *
 * x86-64: MXCSR 0x1F80 (round to nearest, all exceptions masked, FTZ and DAZ off); the six
 * sticky exception flags below the control bits are the caller's and kept.
 * AArch64: FPCR with every control bit that changes a result or traps cleared (Arm ARM, FPCR):
 * RMode (bits 23:22, 00 = round to nearest), FZ (24, flush denormals to zero), DN (25, default
 * NaN instead of propagating the payload: libdaf must return NaNs bit-exactly), AHP (26) and
 * FZ16 (19) for half precision, the trap enables IOE..IXE (12:8) and IDE (15), and the
 * FEAT_AFP bits FIZ, AH, NEP (2:0). Linux starts every process with all of them 0; bits a core
 * does not implement read as 0, so they never cause a write. */
#if defined(__x86_64__)
#define DAF_PLATFORM_FP_GUARDED 1
#define DAF_PLATFORM_DEFAULT_MXCSR 0x1F80u
#define DAF_PLATFORM_MXCSR_CONTROL 0xFFC0u /* the bits above the six sticky exception flags */

static inline unsigned daf_platform_fp_read(void) { return __builtin_ia32_stmxcsr(); }
static inline void daf_platform_fp_write(unsigned value) { __builtin_ia32_ldmxcsr(value); }
static inline int daf_platform_fp_is_custom(unsigned value) {
    return (value & DAF_PLATFORM_MXCSR_CONTROL) != DAF_PLATFORM_DEFAULT_MXCSR;
}
/* libdaf's environment, keeping the caller's sticky flags. */
static inline unsigned daf_platform_fp_default_of(unsigned value) {
    return DAF_PLATFORM_DEFAULT_MXCSR | (value & 0x3Fu);
}
#elif defined(__aarch64__)
#define DAF_PLATFORM_FP_GUARDED 1
#define DAF_PLATFORM_FPCR_CONTROL 0x07C89F07u /* AHP DN FZ RMode FZ16 IDE IXE..IOE NEP AH FIZ */

static inline unsigned daf_platform_fp_read(void) {
    unsigned long value;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(value) : : "memory");
    return (unsigned)value; /* FPCR's bits 63:32 are reserved, zero */
}
static inline void daf_platform_fp_write(unsigned value) {
    __asm__ __volatile__("msr fpcr, %0" : : "r"((unsigned long)value) : "memory");
}
static inline int daf_platform_fp_is_custom(unsigned value) {
    return (value & DAF_PLATFORM_FPCR_CONTROL) != 0;
}
/* libdaf's environment, keeping whatever else the caller's FPCR holds (reserved bits). */
static inline unsigned daf_platform_fp_default_of(unsigned value) {
    return value & ~DAF_PLATFORM_FPCR_CONTROL;
}
#else
#define DAF_PLATFORM_FP_GUARDED 0
#endif

/* This thread's caller environment while inside libdaf (0: not inside, or the caller's was
 * libdaf's own; a custom MXCSR or FPCR is never 0). */
extern __thread unsigned daf_platform_fp_caller_env __attribute__((visibility("hidden"), tls_model("initial-exec")));

static inline unsigned long long daf_platform_fp_enter(void) {
#if DAF_PLATFORM_FP_GUARDED
    unsigned saved = daf_platform_fp_read();
    unsigned previous = daf_platform_fp_caller_env;
    int custom = daf_platform_fp_is_custom(saved);
    daf_platform_fp_caller_env = custom ? saved : 0;
    if (custom) daf_platform_fp_write(daf_platform_fp_default_of(saved));
    return (unsigned long long)previous << 32 | saved;
#else
    return 0;
#endif
}

static inline void daf_platform_fp_leave(unsigned long long token) {
#if DAF_PLATFORM_FP_GUARDED
    unsigned saved = (unsigned)token;
    daf_platform_fp_caller_env = (unsigned)(token >> 32);
    if (daf_platform_fp_is_custom(saved)) daf_platform_fp_write(saved);
#else
    (void)token;
#endif
}

static inline void daf_platform_fp_caller_begin(void) {
#if DAF_PLATFORM_FP_GUARDED
    if (daf_platform_fp_caller_env != 0) daf_platform_fp_write(daf_platform_fp_caller_env);
#endif
}

static inline void daf_platform_fp_caller_end(void) {
#if DAF_PLATFORM_FP_GUARDED
    if (daf_platform_fp_caller_env != 0) daf_platform_fp_write(daf_platform_fp_default_of(daf_platform_fp_caller_env));
#endif
}

/* Sets the default environment for good: for libdaf's own worker threads, which inherit the
 * environment of the thread that created them. */
static inline void daf_platform_fp_set_default(void) {
#if DAF_PLATFORM_FP_GUARDED
    unsigned value = daf_platform_fp_read();
    if (daf_platform_fp_is_custom(value)) daf_platform_fp_write(daf_platform_fp_default_of(value));
#endif
}

#endif
