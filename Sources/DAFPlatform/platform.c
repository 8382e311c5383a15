/* The DAFPlatform target has only static inline functions (include/daf_platform.h); SwiftPM needs one source file. */
