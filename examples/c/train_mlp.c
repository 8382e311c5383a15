/* SPDX-License-Identifier: MIT */
/*
 * train_mlp.c — a C training loop as its author would write it, and the few lines that make
 * it keep its saved activations in libdaf. A 784-256-10 MLP (ReLU, softmax cross-entropy, SGD
 * with momentum) learns Fashion-MNIST: OpenBLAS does the matrix products, OpenMP the
 * element-wise loops, zlib reads the gzipped IDX files. Not a benchmark and not the reference
 * trainer (that is daf-train): a picture of adoption.
 *
 * With --daf, the forward pass saves the two tensors the backward pass needs (the input x for
 * W1's gradient, the hidden layer h for W2's gradient and the ReLU mask) through libdaf, and
 * the backward pass restores and releases them. Every libdaf line is marked "libdaf"; without
 * --daf none of them runs. With --auto (implies --daf) each save names its slot and kind (h is
 * a ReLU output: DAF_KIND_NONNEGATIVE), asks for automatic bits, and the backward pass reports
 * each slot's sensitivity; libdaf's planner then chooses both widths under --avg-bits A.
 *
 * Build: cc -std=c99 -O2 -fopenmp train_mlp.c -o train_mlp \
 *            $(pkg-config --cflags --libs daf) -lopenblas -lz -lm
 * Run:   ./train_mlp [--daf] [--bits B] [--auto] [--avg-bits A] [--steps N] [--batch B] [--threads T]
 *                    [--data DIR]
 * Data:  apt-get install dataset-fashion-mnist (gzipped IDX under /usr/share/datasets/fashion-mnist)
 */
#include <daf.h> /* libdaf */

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

void openblas_set_num_threads(int num_threads); /* OpenBLAS's cblas.h declares it too */

#define IN 784
#define HIDDEN 256
#define CLASSES 10

/* --- data ------------------------------------------------------------------------------------ */

/* Reads a gzipped IDX file of unsigned bytes (magic 0x0000080N, N big-endian uint32 dimensions,
 * then the data). Returns the data (malloc'd) and the first dimension in *count, or NULL. */
static unsigned char *read_idx(const char *dir, const char *name, int dims, size_t item_bytes, size_t *count) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    gzFile file = gzopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "cannot open %s: install Debian's dataset-fashion-mnist or pass --data DIR\n", path);
        return NULL;
    }
    unsigned char header[16];
    unsigned char *data = NULL;
    int header_bytes = 4 + 4 * dims;
    if (gzread(file, header, (unsigned)header_bytes) == header_bytes && header[2] == 0x08 && header[3] == dims) {
        *count = (size_t)header[4] << 24 | (size_t)header[5] << 16 | (size_t)header[6] << 8 | header[7];
        data = malloc(*count * item_bytes);
        if (data != NULL && gzread(file, data, (unsigned)(*count * item_bytes)) != (int)(*count * item_bytes)) {
            free(data);
            data = NULL;
        }
    }
    if (data == NULL) fprintf(stderr, "%s is not a gzipped IDX file of the expected shape\n", path);
    gzclose(file);
    return data;
}

/* Batch rows i of the image set, scaled to [0, 1] and centred: x (batch, IN). */
static void fill_batch(const unsigned char *images, const int *order, int first, int batch, float *x) {
    #pragma omp parallel for
    for (int b = 0; b < batch; b++) {
        const unsigned char *src = images + (size_t)order[first + b] * IN;
        for (int p = 0; p < IN; p++) x[(size_t)b * IN + p] = src[p] / 255.0f - 0.286f;
    }
}

/* --- model ----------------------------------------------------------------------------------- */

static uint64_t rng_state = 42;
static float uniform(void) { /* xorshift64*, Vigna 2016; uniform in [0, 1) */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (float)((rng_state * 2685821657736338717ull) >> 40) / 16777216.0f;
}

typedef struct {
    float *w, *b, *dw, *db, *vw, *vb; /* weights (out, in), bias (out), gradients, momenta */
    int in, out;
} layer;

static void layer_init(layer *l, int in, int out) {
    l->in = in;
    l->out = out;
    l->w = malloc(sizeof(float) * in * out);
    l->dw = calloc((size_t)in * out, sizeof(float));
    l->vw = calloc((size_t)in * out, sizeof(float));
    l->b = calloc(out, sizeof(float));
    l->db = calloc(out, sizeof(float));
    l->vb = calloc(out, sizeof(float));
    float limit = sqrtf(6.0f / in); /* He-uniform for ReLU */
    for (int i = 0; i < in * out; i++) l->w[i] = (2 * uniform() - 1) * limit;
}

/* y (batch, out) = x (batch, in) W^T + b */
static void layer_forward(const layer *l, const float *x, float *y, int batch) {
    #pragma omp parallel for
    for (int r = 0; r < batch; r++) memcpy(y + (size_t)r * l->out, l->b, sizeof(float) * l->out);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, l->out, l->in, 1.0f, x, l->in, l->w, l->in,
                1.0f, y, l->out);
}

/* dW = dy^T x, db = column sums of dy, and dx = dy W when dx is not NULL */
static void layer_backward(layer *l, const float *x, const float *dy, float *dx, int batch) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l->out, l->in, batch, 1.0f, dy, l->out, x, l->in,
                0.0f, l->dw, l->in);
    #pragma omp parallel for
    for (int o = 0; o < l->out; o++) {
        float sum = 0;
        for (int r = 0; r < batch; r++) sum += dy[(size_t)r * l->out + o];
        l->db[o] = sum;
    }
    if (dx != NULL)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, l->in, l->out, 1.0f, dy, l->out, l->w, l->in,
                    0.0f, dx, l->in);
}

static void layer_update(layer *l, float lr) {
    #pragma omp parallel for
    for (int i = 0; i < l->in * l->out; i++) {
        l->vw[i] = 0.9f * l->vw[i] + l->dw[i];
        l->w[i] -= lr * l->vw[i];
    }
    for (int o = 0; o < l->out; o++) {
        l->vb[o] = 0.9f * l->vb[o] + l->db[o];
        l->b[o] -= lr * l->vb[o];
    }
}

/* Softmax cross-entropy over logits (batch, CLASSES): returns the mean loss, writes dlogits and
 * adds the number of correct predictions to *correct. */
static float softmax_xent(const float *logits, const unsigned char *labels, const int *order, int first, int batch,
                          float *dlogits, int *correct) {
    double loss = 0;
    int right = 0;
    #pragma omp parallel for reduction(+ : loss, right)
    for (int r = 0; r < batch; r++) {
        const float *z = logits + r * CLASSES;
        float *d = dlogits + r * CLASSES;
        int label = labels[order[first + r]], top = 0;
        for (int c = 1; c < CLASSES; c++) if (z[c] > z[top]) top = c;
        float sum = 0;
        for (int c = 0; c < CLASSES; c++) sum += d[c] = expf(z[c] - z[top]);
        loss += logf(sum) - (z[label] - z[top]);
        for (int c = 0; c < CLASSES; c++) d[c] = (d[c] / sum - (c == label)) / batch;
        right += top == label;
    }
    *correct += right;
    return (float)(loss / batch);
}

static float sum_squares(const float *v, int n) {
    double sum = 0;
    for (int i = 0; i < n; i++) sum += (double)v[i] * v[i];
    return (float)sum;
}

/* libdaf: stop on a failed call, with libdaf's own explanation */
#define DAF(call) do { int s_ = (call); if (s_ != DAF_OK) { \
    fprintf(stderr, "%s: %s: %s\n", #call, daf_status_name(s_), daf_last_error(ctx)); exit(1); } } while (0)

int main(int argc, char **argv) {
    const char *dir = "/usr/share/datasets/fashion-mnist";
    int use_daf = 0, use_auto = 0, bits = 2, steps = 900, batch = 64, threads = 2;
    float avg_bits = 2.0f; /* libdaf: --auto's target */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--daf")) use_daf = 1;
        else if (!strcmp(argv[i], "--auto")) use_daf = use_auto = 1;
        else if (!strcmp(argv[i], "--avg-bits") && i + 1 < argc) avg_bits = (float)atof(argv[++i]);
        else if (!strcmp(argv[i], "--bits") && i + 1 < argc) bits = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc) steps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) dir = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--daf] [--bits B] [--auto] [--avg-bits A] [--steps N] [--batch B] [--threads T] [--data DIR]\n", argv[0]);
            return 2;
        }
    }
    if (steps < 1 || batch < 1 || batch > 60000 || threads < 1) {
        fprintf(stderr, "steps, batch and threads must be positive (batch at most 60000)\n");
        return 2;
    }
    /* One thread count for both: OpenBLAS and OpenMP never run at the same time here. */
    openblas_set_num_threads(threads);
    omp_set_num_threads(threads);

    size_t n_train, n_labels, n_test, n_test_labels;
    unsigned char *train_x = read_idx(dir, "train-images-idx3-ubyte.gz", 3, IN, &n_train);
    unsigned char *train_y = read_idx(dir, "train-labels-idx1-ubyte.gz", 1, 1, &n_labels);
    unsigned char *test_x = read_idx(dir, "t10k-images-idx3-ubyte.gz", 3, IN, &n_test);
    unsigned char *test_y = read_idx(dir, "t10k-labels-idx1-ubyte.gz", 1, 1, &n_test_labels);
    if (!train_x || !train_y || !test_x || !test_y || n_train != n_labels || n_test != n_test_labels) return 1;

    layer l1, l2;
    layer_init(&l1, IN, HIDDEN);
    layer_init(&l2, HIDDEN, CLASSES);
    int *order = malloc(sizeof(int) * n_train), *test_order = malloc(sizeof(int) * n_test);
    for (size_t i = 0; i < n_train; i++) order[i] = (int)i;
    for (size_t i = 0; i < n_test; i++) test_order[i] = (int)i;
    float *x = malloc(sizeof(float) * batch * IN);         /* (batch, IN)      input */
    float *h = malloc(sizeof(float) * batch * HIDDEN);     /* (batch, HIDDEN)  ReLU output */
    float *logits = malloc(sizeof(float) * batch * CLASSES);
    float *dlogits = malloc(sizeof(float) * batch * CLASSES);
    float *dh = malloc(sizeof(float) * batch * HIDDEN);
    float lr = 0.05f, recent_loss = 0;
    int recent = 0, correct = 0, first = (int)n_train; /* first > n_train - batch: shuffle first */

    daf_context *ctx = NULL; /* libdaf: one context for the run (NULL: plain fp32) */
    if (use_daf) { daf_options o; daf_options_init(&o); o.bits = (uint32_t)bits; /* libdaf */
                   if (use_auto) { o.bits = DAF_BITS_AUTO; o.avg_bits = avg_bits; /* libdaf: the planner's target */
                                   o.rounding = DAF_ROUND_NEAREST; } /* libdaf: least error, kinds on (daf.h) */
                   DAF(daf_create(&o, &ctx)); } /* libdaf */
    daf_handle saved_x = 0, saved_h = 0; /* libdaf */
    daf_save_params px, ph; daf_save_params_init(&px); daf_save_params_init(&ph); /* libdaf: slots and kinds */
    if (use_auto) { px.slot = 1; ph.slot = 2; ph.kind = DAF_KIND_NONNEGATIVE; } /* libdaf */

    printf("train_mlp: %s, %d-%d-%d MLP, batch %d, %d steps, %d threads\n",
           use_daf ? "libdaf" : "fp32", IN, HIDDEN, CLASSES, batch, steps, threads);
    for (int step = 1; step <= steps; step++) {
        if (first + batch > (int)n_train) { /* new epoch: Fisher-Yates shuffle */
            for (int i = (int)n_train - 1; i > 0; i--) {
                int j = (int)(uniform() * (i + 1)), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            first = 0;
        }
        fill_batch(train_x, order, first, batch, x);

        /* forward */
        layer_forward(&l1, x, h, batch);
        #pragma omp parallel for
        for (int i = 0; i < batch * HIDDEN; i++) h[i] = h[i] > 0 ? h[i] : 0;
        layer_forward(&l2, h, logits, batch);
        /* libdaf: keep x and h packed; from here on their buffers could hold anything */
        if (ctx) { DAF(daf_save(ctx, x, (size_t)batch * IN, &px, &saved_x));
                   DAF(daf_save(ctx, h, (size_t)batch * HIDDEN, &ph, &saved_h)); }
        float loss = softmax_xent(logits, train_y, order, first, batch, dlogits, &correct);

        /* backward */
        /* libdaf: bring x and h back (dequantized) for the backward pass, then free them */
        if (ctx) { DAF(daf_restore(ctx, saved_h, h, (size_t)batch * HIDDEN)); DAF(daf_release(ctx, saved_h));
                   DAF(daf_restore(ctx, saved_x, x, (size_t)batch * IN)); DAF(daf_release(ctx, saved_x)); }
        layer_backward(&l2, h, dlogits, dh, batch);
        #pragma omp parallel for
        for (int i = 0; i < batch * HIDDEN; i++) if (!(h[i] > 0)) dh[i] = 0;
        if (use_auto) { /* libdaf: each slot's sensitivity, |gradient it multiplies|^2 per example */
            DAF(daf_slot_set_sensitivity(ctx, 2, sum_squares(dlogits, batch * CLASSES) / batch));
            DAF(daf_slot_set_sensitivity(ctx, 1, sum_squares(dh, batch * HIDDEN) / batch)); }
        layer_backward(&l1, x, dh, NULL, batch);
        float rate = lr * 0.5f * (1.0f + cosf(3.14159265f * (step - 1) / steps)); /* cosine decay */
        layer_update(&l1, rate);
        layer_update(&l2, rate);

        first += batch;
        recent_loss += loss;
        recent++;
        if (step % 100 == 0 || step == steps) {
            printf("step %5d  loss %.4f\n", step, recent_loss / recent);
            if (step < steps) recent_loss = 0, recent = 0;
        }
    }
    float final_loss = recent_loss / recent;

    /* test accuracy, forward only */
    correct = 0;
    for (int t = 0; t + batch <= (int)n_test; t += batch) {
        fill_batch(test_x, test_order, t, batch, x);
        layer_forward(&l1, x, h, batch);
        for (int i = 0; i < batch * HIDDEN; i++) h[i] = h[i] > 0 ? h[i] : 0;
        layer_forward(&l2, h, logits, batch);
        softmax_xent(logits, test_y, test_order, t, batch, dlogits, &correct);
    }
    printf("final: loss %.4f (mean of the last %d steps), test accuracy %.2f %%\n", final_loss, recent,
           100.0 * correct / (n_test / batch * batch));

    if (ctx) { /* libdaf: what the saved activations took, then the context goes */
        daf_context_statistics s;
        memset(&s, 0, sizeof s);
        s.struct_size = sizeof s;
        DAF(daf_stats(ctx, &s));
        printf("saved activations: peak %llu bytes in libdaf (%s) vs %llu as fp32 (%.1fx smaller)\n",
               (unsigned long long)s.peak_packed_bytes, use_auto ? "automatic bits" : "fixed bits",
               (unsigned long long)s.peak_fp32_bytes, (double)s.peak_fp32_bytes / (double)s.peak_packed_bytes);
        for (uint32_t slot = 1; use_auto && slot <= 2; slot++) { /* libdaf: the plan */
            daf_slot_plan_information p; memset(&p, 0, sizeof p); p.struct_size = sizeof p;
            DAF(daf_slot_plan(ctx, slot, &p));
            printf("slot %u (%s): %u bits, groups of %u, %llu bytes\n", slot, slot == 1 ? "x" : "h", p.bits,
                   p.group_size, (unsigned long long)p.bytes);
        }
    }
    daf_destroy(ctx); /* libdaf */
    layer *layers[] = {&l1, &l2};
    for (int i = 0; i < 2; i++) {
        free(layers[i]->w); free(layers[i]->b); free(layers[i]->dw);
        free(layers[i]->db); free(layers[i]->vw); free(layers[i]->vb);
    }
    free(x); free(h); free(logits); free(dlogits); free(dh); free(order); free(test_order);
    free(train_x); free(train_y); free(test_x); free(test_y);
    return 0;
}
