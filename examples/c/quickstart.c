/* SPDX-License-Identifier: MIT */
/*
 * quickstart.c — the libdaf round trip a training loop does for one saved activation: save it
 * quantized (2 bits, groups of 256), restore it for the backward pass, release it, and check
 * that the error stays within the documented bound. Plain C99, no library but libdaf.
 *
 * Build: cc -std=c99 $(pkg-config --cflags daf) quickstart.c -o quickstart $(pkg-config --libs daf)
 * (Not a benchmark: it times nothing.)
 */
#include <daf.h>

#include <stdio.h>
#include <stdlib.h>

#define COUNT (1024u * 1024u) /* elements of the fake activation: 1,048,576 floats, 4 MiB */
#define BITS 2u
#define GROUP 256u

/* Prints a failed call's status and libdaf's detail message; returns 1 if status is DAF_OK.
 * ctx is the context the call was made on, or NULL for calls that take none. */
static int ok(int status, const char *call, const daf_context *ctx) {
    if (status == DAF_OK) return 1;
    fprintf(stderr, "%s failed: %s: %s\n", call, daf_status_name(status), daf_last_error(ctx));
    return 0;
}

/* A fake post-ReLU activation: max(0, x) with x roughly normal (sum of four uniforms from a
 * seeded linear congruential generator), so about half the values are exactly 0. */
static void fake_activation(float *x, size_t count, uint32_t seed) {
    uint32_t state = seed;
    for (size_t i = 0; i < count; i++) {
        float sum = 0.0f;
        for (int k = 0; k < 4; k++) {
            state = state * 1664525u + 1013904223u;
            sum += (float)(state >> 8) * (1.0f / 16777216.0f); /* uniform in [0, 1) */
        }
        float v = (sum - 2.0f) * 1.7f; /* mean 0, standard deviation about 1 */
        x[i] = v > 0.0f ? v : 0.0f;
    }
}

int main(void) {
    int exit_code = 1;
    daf_context *ctx = NULL;
    float *activation = malloc(COUNT * sizeof(float));
    float *restored = malloc(COUNT * sizeof(float));
    if (activation == NULL || restored == NULL) {
        fprintf(stderr, "out of memory\n");
        goto done;
    }
    fake_activation(activation, COUNT, 2025u);

    /* One context per training run; its options are the defaults for every save. */
    daf_options options;
    if (!ok(daf_options_init(&options), "daf_options_init", NULL)) goto done;
    options.bits = BITS;        /* the default, spelled out */
    options.group_size = GROUP; /* likewise */
    if (!ok(daf_create(&options, &ctx), "daf_create", NULL)) goto done;

    /* Forward pass: keep the activation quantized; its buffer could be reused right after. */
    daf_save_params params;
    if (!ok(daf_save_params_init(&params), "daf_save_params_init", NULL)) goto done;
    params.importance = 1.0f; /* higher = kept longer under memory pressure */
    daf_handle handle = 0;
    if (!ok(daf_save(ctx, activation, COUNT, &params, &handle), "daf_save", ctx)) goto done;

    /* Memory held for it, read while it is live. */
    daf_context_statistics stats;
    stats.struct_size = sizeof stats;
    if (!ok(daf_stats(ctx, &stats), "daf_stats", ctx)) goto done;
    double ratio = (double)stats.live_fp32_bytes / (double)stats.live_packed_bytes;

    /* Backward pass: get the values back, then free the entry. */
    if (!ok(daf_restore(ctx, handle, restored, COUNT), "daf_restore", ctx)) goto done;
    if (!ok(daf_release(ctx, handle), "daf_release", ctx)) goto done;

    /* Each group of 256 comes back within one quantization step of its own range,
     * (max - min) / (2^bits - 1), plus a little float rounding: the default stochastic rounding
     * moves a value to one of its two neighbouring levels, the nearer one more often, so that
     * on average it comes back as itself (DAF_ROUND_NEAREST would halve the bound). */
    const float levels = (float)((1u << BITS) - 1u);
    float max_error = 0.0f, max_bound = 0.0f;
    size_t over_bound = 0;
    for (size_t first = 0; first < COUNT; first += GROUP) {
        size_t n = COUNT - first < GROUP ? COUNT - first : GROUP;
        float lo, hi;
        if (!ok(daf_minmax(activation + first, n, &lo, &hi), "daf_minmax", NULL)) goto done;
        float magnitude = (lo < 0.0f ? -lo : lo) + (hi < 0.0f ? -hi : hi);
        float bound = (hi - lo) / levels + 1e-6f * magnitude + 1e-30f;
        if (bound > max_bound) max_bound = bound;
        for (size_t i = first; i < first + n; i++) {
            float error = restored[i] - activation[i];
            if (error < 0.0f) error = -error;
            if (error > max_error) max_error = error;
            if (!(error <= bound)) over_bound++; /* also catches NaN */
        }
    }

    printf("libdaf %s: %u floats, %u bits, groups of %u\n", daf_version_string(), COUNT, BITS,
           GROUP);
    printf("max abs error     %.6f (bound per group: (max-min)/(2^bits-1), largest %.6f)\n",
           max_error, max_bound);
    printf("values over bound %zu\n", over_bound);
    printf("compression       %.2fx (%llu fp32 bytes -> %llu packed bytes)\n", ratio,
           (unsigned long long)stats.live_fp32_bytes, (unsigned long long)stats.live_packed_bytes);

    if (over_bound > 0) {
        fprintf(stderr, "FAIL: %zu values exceed their group's error bound\n", over_bound);
    } else if (!(ratio >= 14.0)) {
        fprintf(stderr, "FAIL: compression %.2fx is below the expected 14x\n", ratio);
    } else {
        printf("OK\n");
        exit_code = 0;
    }

done:
    if (ctx != NULL && daf_destroy(ctx) != DAF_OK) exit_code = 1;
    free(activation);
    free(restored);
    return exit_code;
}
