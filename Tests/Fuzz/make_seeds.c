/* SPDX-License-Identifier: MIT */
/*
 * make_seeds.c — writes the first corpus of the fuzz targets (fuzz.sh <target> seed): for
 * codec, valid blobs of several bit widths, group sizes and roundings, some with NaN and ±Inf,
 * each after 8 control bytes; for calls, byte strings from a fixed seed. Run once; the
 * corpus in the repository is then grown and minimized by fuzz.sh.
 * Usage: make_seeds <codec|calls> <directory>
 */
#include "tensor_model.h"

#include <stdlib.h>

static void write_file(const char *dir, const char *name, const uint8_t *bytes, size_t size) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, size, f) != size || fclose(f) != 0) {
        fprintf(stderr, "make_seeds: cannot write %s\n", path);
        exit(1);
    }
}

static void codec_seeds(const char *dir) {
    static const uint32_t bits[] = {1, 2, 3, 4, 5, 8};
    static const uint32_t groups[] = {16, 48, 256};
    static const size_t counts[] = {1, 37, 300};
    uint8_t buffer[8 + 4096];
    float values[300];
    int made = 0;
    for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++) {
        for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
            size_t count = counts[(b + g) % 3];
            uint64_t seed = b * 16 + g;
            model_fill(values, count, seed * 8); /* a multiple of 8: some carry NaN and Inf */
            daf_quantize_params params;
            daf_quantize_params_init(&params);
            params.bits = bits[b];
            params.group_size = groups[g];
            params.rounding = (b + g) % 4 == 3 ? DAF_ROUND_STOCHASTIC : DAF_ROUND_NEAREST;
            params.seed = params.rounding == DAF_ROUND_STOCHASTIC ? seed : 0;
            size_t size = 0;
            int s = daf_quantize_pack(values, count, &params, buffer + 8, sizeof buffer - 8, &size);
            if (s != DAF_OK) {
                fprintf(stderr, "make_seeds: daf_quantize_pack: %s\n", daf_status_name(s));
                exit(1);
            }
            /* control: the range [count / 3, +count / 2); every other seed asks the harness
             * to repair the header hash after mutations */
            uint32_t first = (uint32_t)(count / 3), n = (uint32_t)(count / 2);
            if (made % 2) n |= 0x40000000u;
            for (int k = 0; k < 4; k++) {
                buffer[k] = (uint8_t)(first >> (8 * k));
                buffer[4 + k] = (uint8_t)(n >> (8 * k));
            }
            char name[64];
            snprintf(name, sizeof name, "seed-b%u-g%u-n%zu", bits[b], groups[g], count);
            write_file(dir, name, buffer, 8 + size);
            made++;
        }
    }
    printf("make_seeds: %d codec seeds\n", made);
}

static void calls_seeds(const char *dir) {
    uint64_t rng = 6;
    uint8_t bytes[512];
    for (int k = 0; k < 12; k++) {
        size_t size = 64 + (size_t)(model_next(&rng) % 448);
        for (size_t i = 0; i < size; i++) bytes[i] = (uint8_t)model_next(&rng);
        bytes[0] = (uint8_t)k; /* each policy and pool setting once or twice */
        char name[64];
        snprintf(name, sizeof name, "seed-%02d", k);
        write_file(dir, name, bytes, size);
    }
    printf("make_seeds: 12 calls seeds\n");
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: make_seeds <codec|calls> <directory>\n");
        return 2;
    }
    if (strcmp(argv[1], "codec") == 0) codec_seeds(argv[2]);
    else calls_seeds(argv[2]);
    return 0;
}
