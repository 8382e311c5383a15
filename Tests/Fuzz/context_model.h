/* SPDX-License-Identifier: MIT */
/*
 * context_model.h — a caller's model of one libdaf context, shared by the call-sequence fuzzer
 * (fuzz_calls.c, choices from the fuzzer's bytes) and the soak (Tests/Soak/soak.c, choices
 * from a seeded generator, one entry table per thread on one shared context). Every call's
 * status is checked against the statuses daf.h lists for the situation, every restore
 * against its source (tensor_model.h). It does not predict which entries the library evicts:
 * it asks daf_handle_info, and checks that what it says is possible under the policy.
 */
#ifndef DAF_CONTEXT_MODEL_H
#define DAF_CONTEXT_MODEL_H

#include "tensor_model.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

/* The OS page size (sysconf: 4, 16 or 64 KiB), the pool page of the fuzz and soak budgets: the
 * smallest page the library accepts on this kernel. */
static inline uint32_t model_page_size(void) { return (uint32_t)sysconf(_SC_PAGESIZE); }

/* What went wrong, for the report hook. */
enum model_problem {
    MODEL_MISMATCH, /* a restore returned values outside the bound */
    MODEL_LOST,     /* a live entry's handle was unknown, or a restore neither returned data
                       nor a documented status */
    MODEL_STATUS    /* any other status or figure daf.h does not allow */
};

/* Where the choices come from: the next byte (0 once a fuzz input is used up). */
typedef struct model_source {
    unsigned (*next)(void *state);
    void *state;
} model_source;

static inline unsigned model_take(const model_source *src) { return src->next(src->state) & 0xFF; }
static inline unsigned model_take16(const model_source *src) {
    unsigned lo = model_take(src);
    return lo | model_take(src) << 8;
}

typedef struct model_context {
    daf_context *ctx;
    daf_options options;
    uint64_t budget;    /* as last set successfully (checked only when single_threaded) */
    int budget_seen;    /* a nonzero budget was set at some time: refusals are possible */
    int single_threaded;
    void (*report)(struct model_context *m, enum model_problem problem, const char *what);
    void *report_state;
} model_context;

/* One saved tensor as its caller knows it. */
typedef struct model_entry {
    daf_handle handle;  /* 0: the slot is free */
    daf_handle stale;   /* the slot's last released handle: must stay unknown */
    float *values;      /* the source, kept until release (async saves read it) */
    size_t count;
    uint64_t seed;
    uint32_t bits;      /* bits it was saved with */
    int pending;        /* saved by daf_save_async; completion not yet seen */
    int has_recompute;
    int fail_recompute; /* the callback reports failure while this is set */
} model_entry;

#define MODEL_MAX_COUNT 16000

static void model_problem(model_context *m, enum model_problem problem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void model_problem(model_context *m, enum model_problem problem, const char *fmt, ...) {
    char what[768];
    va_list args;
    va_start(args, fmt);
    vsnprintf(what, sizeof what, fmt, args);
    va_end(args);
    m->report(m, problem, what);
}

/* The recompute callback: rebuilds the tensor from the entry's source. */
static int model_recompute(void *user, daf_handle handle, float *dst, size_t count) {
    model_entry *e = user;
    if (e->handle != handle || e->count != count) {
        fprintf(stderr, "recompute callback: handle %llu count %zu, the entry's %llu and %zu\n",
                (unsigned long long)handle, count, (unsigned long long)e->handle, e->count);
        abort();
    }
    if (e->fail_recompute) return 1;
    memcpy(dst, e->values, count * sizeof(float));
    return 0;
}

/* Statuses the work of a save may end with, under this context's settings. */
static inline int model_save_refusal(const model_context *m, int s) {
    return (s == DAF_E_BUDGET_EXCEEDED && m->budget_seen) ||
           (s == DAF_E_IO && (m->options.policy & DAF_POLICY_SPILL));
}

static inline void model_forget(model_entry *e) {
    e->stale = e->handle;
    e->handle = 0;
    e->pending = 0;
    free(e->values);
    e->values = NULL;
}

/* A call on a pending async save may return the failed save's status; then the handle is
 * unknown from now on. Returns 1 when the entry was forgotten that way. */
static int model_settle(model_context *m, model_entry *e, int s, const char *call) {
    if (!e->pending) return 0;
    e->pending = 0;
    if (s == DAF_OK || !model_save_refusal(m, s)) return 0;
    daf_handle handle = e->handle;
    model_forget(e);
    int again = daf_wait(m->ctx, handle);
    if (again != DAF_E_UNKNOWN_HANDLE)
        model_problem(m, MODEL_STATUS, "%s reported the failed async save (%s), then daf_wait "
                      "returned %s instead of DAF_E_UNKNOWN_HANDLE", call, daf_status_name(s),
                      daf_status_name(again));
    return 1;
}

/* daf_release of the slot's entry (or of its stale handle, which must be unknown). */
static void model_release(model_context *m, model_entry *e) {
    if (!e->handle) {
        if (e->stale && daf_release(m->ctx, e->stale) != DAF_E_UNKNOWN_HANDLE)
            model_problem(m, MODEL_STATUS, "a second daf_release of handle %llu did not say "
                          "DAF_E_UNKNOWN_HANDLE", (unsigned long long)e->stale);
        return;
    }
    int s = daf_release(m->ctx, e->handle);
    int was_pending = e->pending;
    if (s != DAF_OK && !(was_pending && model_save_refusal(m, s)))
        model_problem(m, s == DAF_E_UNKNOWN_HANDLE ? MODEL_LOST : MODEL_STATUS,
                      "daf_release of live handle %llu returned %s",
                      (unsigned long long)e->handle, daf_status_name(s));
    model_forget(e);
}

/* daf_save or daf_save_async into the slot (released first if it holds an entry). */
static void model_save(model_context *m, model_entry *e, const model_source *src, int async) {
    if (e->handle) model_release(m, e);
    /* Half small, half up to several pages at 8 bits (only those can be degraded: a degrade
     * step must free a page). */
    size_t count = 1 + model_take16(src) % (model_take(src) % 2 ? MODEL_MAX_COUNT : 2500);
    uint32_t bits = model_take(src) % 9;
    float importance = (float)((int)model_take(src) - 128) / 8;
    int has_recompute = (m->options.policy & DAF_POLICY_RECOMPUTE) && model_take(src) % 2;
    uint64_t seed = model_take16(src) | (uint64_t)model_take16(src) << 16;
    float *values = malloc(count * sizeof(float));
    if (!values) abort();
    model_fill(values, count, seed);

    daf_save_params params;
    daf_save_params_init(&params);
    params.bits = bits;
    params.importance = importance;
    if (has_recompute) {
        params.recompute = model_recompute;
        params.recompute_user = e;
    }
    e->values = values; /* before the call: the callback may not run yet, but it reads e */
    e->count = count;
    e->seed = seed;
    e->bits = bits ? bits : m->options.bits;
    e->has_recompute = has_recompute;
    e->fail_recompute = 0;
    e->pending = async;
    daf_handle handle = 0;
    int s = async ? daf_save_async(m->ctx, values, count, &params, &handle)
                  : daf_save(m->ctx, values, count, &params, &handle);
    if (s == DAF_OK && handle != 0) {
        e->handle = handle;
        return;
    }
    if (async || !model_save_refusal(m, s) || handle != 0)
        model_problem(m, MODEL_STATUS, "%s of %zu values returned %s, handle %llu",
                      async ? "daf_save_async" : "daf_save", count, daf_status_name(s),
                      (unsigned long long)handle);
    free(values);
    e->values = NULL;
    e->pending = 0;
}

static int model_info(model_context *m, model_entry *e, daf_handle_information *info) {
    memset(info, 0, sizeof *info);
    info->struct_size = sizeof *info;
    int s = daf_handle_info(m->ctx, e->handle, info);
    if (s != DAF_OK) {
        model_problem(m, s == DAF_E_UNKNOWN_HANDLE ? MODEL_LOST : MODEL_STATUS,
                      "daf_handle_info of live handle %llu returned %s",
                      (unsigned long long)e->handle, daf_status_name(s));
        return 0;
    }
    uint32_t policy = m->options.policy;
    int possible = info->count == e->count && info->saved_bits == e->bits &&
                   info->bits <= info->saved_bits &&
                   (info->bits == info->saved_bits ||
                    ((policy & DAF_POLICY_DEGRADE) && info->bits >= m->options.degrade_floor_bits)) &&
                   (info->state == DAF_ENTRY_IN_POOL ||
                    (info->state == DAF_ENTRY_SPILLED && (policy & DAF_POLICY_SPILL)) ||
                    (info->state == DAF_ENTRY_DROPPED && e->has_recompute));
    if (!possible)
        model_problem(m, MODEL_STATUS, "daf_handle_info: state %u, bits %u of %u, count %llu for "
                      "an entry of %zu values saved with %u bits under policy %u",
                      info->state, info->bits, info->saved_bits, (unsigned long long)info->count,
                      e->count, e->bits, policy);
    return possible;
}

/* Restores the whole entry or a range and checks every value. Returns 1 if values were
 * checked (for the soak's figures). */
static int model_restore(model_context *m, model_entry *e, const model_source *src, int range) {
    if (!e->handle) {
        float one;
        if (e->stale && daf_restore(m->ctx, e->stale, &one, 1) != DAF_E_UNKNOWN_HANDLE)
            model_problem(m, MODEL_STATUS, "daf_restore of released handle %llu did not say "
                          "DAF_E_UNKNOWN_HANDLE", (unsigned long long)e->stale);
        return 0;
    }
    size_t first = 0, count = e->count;
    if (range) {
        first = model_take16(src) % e->count;
        count = model_take16(src) % (e->count - first + 1);
    }
    e->fail_recompute = e->has_recompute && model_take(src) % 4 == 0;
    daf_handle_information before;
    int have_before = !e->pending && model_info(m, e, &before);
    float *dst = malloc(count ? count * sizeof(float) : 1);
    if (!dst) abort();
    int s = range ? daf_restore_range(m->ctx, e->handle, first, count, dst)
                  : daf_restore(m->ctx, e->handle, dst, count);
    int checked = 0;
    if (model_settle(m, e, s, range ? "daf_restore_range" : "daf_restore")) goto done;
    daf_handle_information after;
    if (!model_info(m, e, &after)) goto done;
    if (s == DAF_E_RECOMPUTE_FAILED) {
        if (!e->fail_recompute || after.state != DAF_ENTRY_DROPPED)
            model_problem(m, MODEL_STATUS, "restore said DAF_E_RECOMPUTE_FAILED for an entry in "
                          "state %u whose callback %s", after.state,
                          e->fail_recompute ? "fails" : "succeeds");
        goto done;
    }
    if (s == DAF_OK && have_before && before.state == DAF_ENTRY_DROPPED && e->fail_recompute) {
        model_problem(m, MODEL_STATUS, "restore of a dropped entry succeeded although its callback fails");
        goto done;
    }
    if (s != DAF_OK) {
        model_problem(m, MODEL_LOST, "restore of live handle %llu (%zu values, state %u) returned %s",
                      (unsigned long long)e->handle, e->count, after.state, daf_status_name(s));
        goto done;
    }
    if (have_before && (after.bits > before.bits ||
                        (before.state == DAF_ENTRY_DROPPED && after.state != DAF_ENTRY_DROPPED)))
        model_problem(m, MODEL_STATUS, "entry went from state %u bits %u back to state %u bits %u",
                      before.state, before.bits, after.state, after.bits);
    /* Bits only fall and a dropped entry stays dropped: after's bits bound what the restore
     * read, and before's state says whether the callback surely served it. */
    model_expectation expect = {
        .group_size = m->options.group_size,
        .saved_bits = e->bits,
        .bits = after.bits,
        .stochastic = m->options.rounding == DAF_ROUND_STOCHASTIC,
        .exact = have_before && before.state == DAF_ENTRY_DROPPED,
    };
    char why[512];
    size_t bad = model_check(e->values, e->count, first, dst, count, &expect, why, sizeof why);
    if (bad)
        model_problem(m, MODEL_MISMATCH, "%s [%zu, +%zu) of handle %llu (state %u): %zu values wrong; "
                      "first: %s", range ? "daf_restore_range" : "daf_restore", first, count,
                      (unsigned long long)e->handle, after.state, bad, why);
    checked = 1;
done:
    free(dst);
    return checked;
}

/* daf_wait (a pending save completes; a finished one says DAF_OK). */
static void model_wait(model_context *m, model_entry *e) {
    daf_handle handle = e->handle ? e->handle : e->stale;
    if (!handle) return;
    int s = daf_wait(m->ctx, handle);
    if (!e->handle) {
        if (s != DAF_E_UNKNOWN_HANDLE)
            model_problem(m, MODEL_STATUS, "daf_wait of released handle %llu returned %s",
                          (unsigned long long)handle, daf_status_name(s));
        return;
    }
    if (model_settle(m, e, s, "daf_wait")) return;
    if (s != DAF_OK)
        model_problem(m, s == DAF_E_UNKNOWN_HANDLE ? MODEL_LOST : MODEL_STATUS,
                      "daf_wait of live handle %llu returned %s", (unsigned long long)handle,
                      daf_status_name(s));
}

static void model_set_importance(model_context *m, model_entry *e, const model_source *src) {
    if (!e->handle) return;
    float importance = (float)((int)model_take(src) - 128) / 8;
    int s = daf_set_importance(m->ctx, e->handle, importance);
    if (model_settle(m, e, s, "daf_set_importance")) return;
    if (s != DAF_OK)
        model_problem(m, s == DAF_E_UNKNOWN_HANDLE ? MODEL_LOST : MODEL_STATUS,
                      "daf_set_importance of live handle %llu returned %s",
                      (unsigned long long)e->handle, daf_status_name(s));
}

/* A budget of 0 (no limit) or 2..17 pages of the context's page size. */
static void model_set_budget(model_context *m, const model_source *src) {
    unsigned pick = model_take(src);
    uint64_t budget = pick % 4 == 0 ? 0 : (uint64_t)m->options.page_size * (2 + pick / 4 % 16);
    if (budget && !m->budget_seen) m->budget_seen = 1; /* the soak sets it before starting */
    int s = daf_set_budget(m->ctx, budget);
    if (s == DAF_OK) {
        if (m->single_threaded) m->budget = budget;
    } else if (!(s == DAF_E_BUDGET_EXCEEDED && budget != 0) &&
               !(s == DAF_E_IO && (m->options.policy & DAF_POLICY_SPILL))) {
        model_problem(m, MODEL_STATUS, "daf_set_budget(%llu) returned %s",
                      (unsigned long long)budget, daf_status_name(s));
    }
}

/* daf_stats against what the caller knows: live entries between the settled ones and all,
 * the budget respected, evictions only of the kinds the policy allows. */
static void model_stats(model_context *m, const model_entry *entries, size_t n) {
    daf_context_statistics st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    int s = daf_stats(m->ctx, &st);
    if (s != DAF_OK) {
        model_problem(m, MODEL_STATUS, "daf_stats returned %s", daf_status_name(s));
        return;
    }
    uint64_t settled = 0, all = 0;
    for (size_t i = 0; i < n; i++) {
        if (entries[i].handle) {
            all++;
            settled += !entries[i].pending;
        }
    }
    uint32_t policy = m->options.policy;
    int ok = (!m->single_threaded || (st.live_entries >= settled && st.live_entries <= all)) &&
             (!m->single_threaded || st.budget_bytes == m->budget) &&
             (st.budget_bytes == 0 || st.pool_capacity_bytes <= st.budget_bytes) &&
             (st.evictions_degrade == 0 || (policy & DAF_POLICY_DEGRADE)) &&
             (st.evictions_spill == 0 || (policy & DAF_POLICY_SPILL)) &&
             (st.evictions_recompute == 0 || (policy & DAF_POLICY_RECOMPUTE)) &&
             st.spilled_entries + st.dropped_entries <= st.live_entries &&
             st.degraded_entries <= st.live_entries &&
             st.live_packed_bytes <= st.pool_pages_total * st.pool_page_size;
    if (!ok)
        model_problem(m, MODEL_STATUS,
                      "daf_stats: live %llu (caller: %llu settled of %llu), budget %llu (set %llu), "
                      "capacity %llu, evictions %llu/%llu/%llu under policy %u, spilled %llu, "
                      "dropped %llu, degraded %llu, packed %llu in %llu pages",
                      (unsigned long long)st.live_entries, (unsigned long long)settled,
                      (unsigned long long)all, (unsigned long long)st.budget_bytes,
                      (unsigned long long)m->budget, (unsigned long long)st.pool_capacity_bytes,
                      (unsigned long long)st.evictions_degrade, (unsigned long long)st.evictions_spill,
                      (unsigned long long)st.evictions_recompute, policy,
                      (unsigned long long)st.spilled_entries, (unsigned long long)st.dropped_entries,
                      (unsigned long long)st.degraded_entries, (unsigned long long)st.live_packed_bytes,
                      (unsigned long long)st.pool_pages_total);
}

#endif /* DAF_CONTEXT_MODEL_H */
