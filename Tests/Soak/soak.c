/* SPDX-License-Identifier: MIT */
/*
 * soak.c — concurrency soak: N threads for S seconds on ONE context (every eviction policy, a
 * small budget), each doing random saves (sync and async), waits, restores of all or a range,
 * releases, importance changes, budget changes and stats, with its own entries. Every
 * restored tensor is checked against its source (Tests/Fuzz/context_model.h); problems are
 * counted, not fatal: mismatches (values outside the documented bound), lost entries (a live
 * handle unknown, or a restore that returned neither data nor a documented status) and other
 * statuses daf.h does not allow. Exit status 0 only if all three are 0.
 * Usage: soak <seconds> <threads> [seed]
 */
#include "../Fuzz/context_model.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define ENTRIES 8

static atomic_ullong ops, checked, problems[3];
static double deadline;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void report(model_context *m, enum model_problem problem, const char *what) {
    (void)m;
    static const char *kinds[] = {"MISMATCH", "LOST", "STATUS"};
    /* The first few in full; the rest only counted. */
    if (atomic_fetch_add(&problems[problem], 1) < 5) fprintf(stderr, "soak: %s: %s\n", kinds[problem], what);
}

static unsigned rng_next(void *state) { return (unsigned)model_next(state); }

typedef struct worker {
    pthread_t thread;
    model_context *m;
    uint64_t seed;
} worker;

static void *run(void *arg) {
    worker *w = arg;
    model_context *m = w->m;
    uint64_t state = w->seed;
    model_source src = {rng_next, &state};
    model_entry entries[ENTRIES];
    memset(entries, 0, sizeof entries);
    unsigned long long done = 0, restored = 0;
    while (now() < deadline) {
        model_entry *e = &entries[model_take(&src) % ENTRIES];
        switch (model_take(&src) % 16) {
        case 0: case 1: case 2: model_save(m, e, &src, 0); break;
        case 3: case 4: model_save(m, e, &src, 1); break;
        case 5: model_wait(m, e); break;
        case 6: case 7: case 8: restored += model_restore(m, e, &src, 0); break;
        case 9: case 10: restored += model_restore(m, e, &src, 1); break;
        case 11: case 12: model_release(m, e); break;
        case 13: model_set_importance(m, e, &src); break;
        case 14: if (model_take(&src) % 8 == 0) model_set_budget(m, &src); break;
        default: model_stats(m, entries, ENTRIES); break;
        }
        done++;
    }
    /* Whatever is still saved must come back, then go. */
    for (int i = 0; i < ENTRIES; i++) {
        restored += model_restore(m, &entries[i], &src, 0);
        model_release(m, &entries[i]);
    }
    atomic_fetch_add(&ops, done);
    atomic_fetch_add(&checked, restored);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: soak <seconds> <threads> [seed]\n");
        return 2;
    }
    double seconds = atof(argv[1]);
    int threads = atoi(argv[2]);
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : (uint64_t)time(NULL);
    if (seconds <= 0 || threads < 1 || threads > 256) {
        fprintf(stderr, "soak: seconds must be > 0 and threads 1..256\n");
        return 2;
    }

    model_context m;
    memset(&m, 0, sizeof m);
    m.report = report;
    daf_options_init(&m.options);
    m.options.policy = DAF_POLICY_DEGRADE | DAF_POLICY_RECOMPUTE | DAF_POLICY_SPILL;
    m.options.group_size = 64;
    m.options.threads = 2;
    m.options.page_size = model_page_size();
    m.options.chunk_bytes = (uint64_t)m.options.page_size * 4;
    m.options.budget_bytes = (uint64_t)m.options.page_size * 16;
    m.budget = m.options.budget_bytes;
    m.budget_seen = 1;
    int s = daf_create(&m.options, &m.ctx);
    if (s != DAF_OK) {
        fprintf(stderr, "soak: daf_create: %s: %s\n", daf_status_name(s), daf_last_error(NULL));
        return 1;
    }

    printf("soak: %d threads x %g s on one context (policy degrade|recompute|spill, budget "
           "changing), seed %llu\n", threads, seconds, (unsigned long long)seed);
    fflush(stdout);
    double start = now();
    deadline = start + seconds;
    worker *workers = calloc((size_t)threads, sizeof *workers);
    if (!workers) return 1;
    for (int i = 0; i < threads; i++) {
        workers[i].m = &m;
        workers[i].seed = seed * 1000003u + (uint64_t)i;
        if (pthread_create(&workers[i].thread, NULL, run, &workers[i]) != 0) {
            fprintf(stderr, "soak: pthread_create failed\n");
            return 1;
        }
    }
    for (int i = 0; i < threads; i++) pthread_join(workers[i].thread, NULL);
    double elapsed = now() - start;

    daf_context_statistics st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    daf_stats(m.ctx, &st);
    if (st.live_entries != 0) {
        fprintf(stderr, "soak: STATUS: %llu entries still live after every thread released all\n",
                (unsigned long long)st.live_entries);
        atomic_fetch_add(&problems[MODEL_STATUS], 1);
    }
    daf_destroy(m.ctx);
    free(workers);

    unsigned long long mismatches = problems[MODEL_MISMATCH], lost = problems[MODEL_LOST],
                       other = problems[MODEL_STATUS];
    printf("soak: %llu operations in %.1f s (%llu restores checked; %llu saves, %llu restores, "
           "%llu releases; evictions: %llu degrade, %llu spill, %llu recompute; %llu refusals)\n",
           (unsigned long long)ops, elapsed, (unsigned long long)checked,
           (unsigned long long)st.saves, (unsigned long long)st.restores,
           (unsigned long long)st.releases, (unsigned long long)st.evictions_degrade,
           (unsigned long long)st.evictions_spill, (unsigned long long)st.evictions_recompute,
           (unsigned long long)st.budget_refusals);
    printf("soak: mismatches %llu, lost %llu, other problems %llu\n", mismatches, lost, other);
    return mismatches || lost || other ? 1 : 0;
}
