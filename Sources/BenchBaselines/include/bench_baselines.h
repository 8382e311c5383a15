/* SPDX-License-Identifier: MIT */
/* Memory-bandwidth baselines for daf-bench: the plainest fast pass over a buffer, measured in the
 * same run as each libdaf kernel so that results are ratios, not machine-dependent seconds.
 * Not part of libdaf. */
#ifndef BENCH_BASELINES_H
#define BENCH_BASELINES_H
#include <stddef.h>

/* Read pass: min and max over src[0..count), split over `threads` threads (>= 1). */
void bench_read_minmax(const float *src, size_t count, int threads, float *out_min, float *out_max);

/* Fill pass: dst[i] = value for i in [0, count), split over `threads` threads (>= 1). */
void bench_fill(float *dst, size_t count, float value, int threads);

/* Runs body(context, part) for part in [0, parts) on `threads` threads (the caller and
 * threads - 1 new pthreads, joined before returning), each taking one contiguous share of the
 * parts, as an OpenMP static schedule would: stands for a training loop whose own threads each
 * restore their tiles. */
void bench_split_parts(int threads, size_t parts, void (*body)(void *context, size_t part), void *context);

/* A layer-like compute for the async-save benchmark: y = relu(x * w), x (m, k), w (k, n),
 * y (m, n), row-major; a plain loop the compiler vectorizes, on the calling thread only. */
void bench_layer_forward(const float *x, const float *w, float *y, int m, int k, int n);

#endif
