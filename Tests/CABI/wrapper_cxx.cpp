// SPDX-License-Identifier: MIT
// wrapper_cxx.cpp — daf.hpp's behaviour against the installed library: saved activations that
// survive their daf::context being moved (a std::vector of contexts reallocating), async saves,
// range restores, entry info, and budget/policy options. Not the C ABI itself (abi_test.c).
#include <daf.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

namespace {

int failures = 0;

// Counts and reports a failed check with its line, so a failure names the check to look at.
void check_line(bool condition, const char *what, int line) {
    if (condition) return;
    std::printf("wrapper_cxx.cpp:%d: FAILED: %s\n", line, what);
    ++failures;
}
#define expect(condition, what) check_line((condition), (what), __LINE__)

// Values in [-1, 1) from a seeded xorshift, so a failure can be rerun exactly.
std::vector<float> random_values(std::size_t count, uint32_t seed) {
    std::vector<float> values(count);
    uint32_t state = seed ? seed : 1;
    for (std::size_t i = 0; i < count; ++i) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        values[i] = static_cast<float>(state >> 8) / 8388608.0f - 1.0f;
    }
    return values;
}

// Nearest rounding keeps every value within half a step of its group's range; the range of
// these values is at most 2, so half a step at `bits` is at most 1 / (2^bits - 1).
double half_step(unsigned bits) { return 1.0 / ((1u << bits) - 1) + 1e-6; }

bool within_bound(const std::vector<float> &x, const std::vector<float> &r, double bound) {
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (!(std::fabs(static_cast<double>(x[i]) - r[i]) <= bound)) {
            std::printf("wrapper_cxx: value %zu: %g came back as %g (bound %g)\n", i, x[i], r[i], bound);
            return false;
        }
    }
    return true;
}

int status_of(void (*call)(void *), void *arg) {
    try {
        call(arg);
    } catch (const daf::error &e) {
        return e.status();
    }
    return DAF_OK;
}

// Saved activations keep working while the daf::context objects holding their contexts move:
// a vector of contexts grows (reallocating, so every context is moved) and is then moved from.
void test_moved_contexts() {
    const std::size_t n = 1000;
    std::vector<float> x = random_values(n, 7);
    std::vector<daf::context> contexts;
    contexts.emplace_back();
    std::vector<daf::saved> kept;
    kept.emplace_back(contexts[0], x.data(), n);
    const daf::context *before = &contexts[0];
    for (int i = 0; i < 40; ++i) contexts.emplace_back();
    expect(&contexts[0] != before, "the vector of contexts reallocated (the test moves contexts)");
    std::vector<float> back(n);
    try {
        kept[0].restore(back.data());
        // The default rounding is stochastic: within one step (two half steps).
        expect(within_bound(x, back, 2 * half_step(DAF_DEFAULT_BITS)), "restore after the context moved: values within the bound");
        daf::context moved = std::move(contexts[0]);
        std::vector<float> again = kept[0].restore();
        expect(again == back, "restore after a second move: the same values");
        expect(kept[0].info().count == n, "info after the moves: the saved count");
        kept[0].release();
        expect(!kept[0], "release after the moves empties the daf::saved");
        expect(moved.stats().releases == 1, "the release reached the moved context");
    } catch (const daf::error &e) {
        std::printf("wrapper_cxx: %s\n", e.what());
        expect(false, "saved activations work after their context moved");
    }
}

// An async save gives the same values as a plain one, and a range restore the same range.
void test_async_and_ranges() {
    const std::size_t n = 4099; // not a multiple of the group size
    std::vector<float> x = random_values(n, 11);
    daf::context ctx(daf::options().bits(4).group_size(128).rounding(DAF_ROUND_NEAREST));
    daf::saved plain(ctx, x.data(), n);
    daf::saved pending = daf::saved::async(ctx, x.data(), n);
    pending.wait();
    std::vector<float> a = plain.restore(), b = pending.restore();
    expect(a == b, "async and plain saves restore identical values");
    expect(within_bound(x, a, half_step(4)), "4-bit values within the bound");
    std::vector<float> part(300);
    pending.restore_range(3790, part.size(), part.data());
    expect(std::equal(part.begin(), part.end(), a.begin() + 3790), "restore_range equals the same range of restore");
    std::vector<float> tail(1);
    int status = DAF_OK;
    try {
        pending.restore_range(n, 1, tail.data());
    } catch (const daf::error &e) {
        status = e.status();
    }
    expect(status == DAF_E_OUT_OF_RANGE, "restore_range past the end throws DAF_E_OUT_OF_RANGE");
    daf_handle_information info = pending.info();
    expect(info.count == n && info.bits == 4 && info.saved_bits == 4, "info: count and bits");
    expect(info.state == DAF_ENTRY_IN_POOL && info.packed_bytes > 0, "info: in the pool, with its packed size");
    daf_handle handle = ctx.save_async(x.data(), n, 8, 2.0f);
    ctx.wait(handle);
    expect(ctx.info(handle).bits == 8 && ctx.info(handle).importance == 2.0f, "context::save_async with bits and importance");
    ctx.release(handle);
    daf::saved empty;
    expect(status_of([](void *s) { static_cast<daf::saved *>(s)->wait(); }, &empty) == DAF_E_UNKNOWN_HANDLE,
           "wait on an empty daf::saved throws DAF_E_UNKNOWN_HANDLE");
}

// Options with a budget and a policy: saves past the budget degrade older entries, which still
// restore; set_budget lifts the limit; invalid options are refused by daf_create. With the
// default 64 KiB pages an 8-bit entry of 64 Ki values takes 2 pages and a 4-bit one 1: twenty
// entries (40 pages at 8 bits) fit the 32 pages of 2 MiB only with some degraded.
void test_budget_options() {
    const std::size_t n = 65536;
    const uint64_t budget = 2u << 20;
    daf::context ctx(daf::options().bits(8).rounding(DAF_ROUND_NEAREST).budget_bytes(budget).policy(DAF_POLICY_DEGRADE).degrade_floor_bits(1));
    std::vector<daf::saved> kept;
    std::vector<std::vector<float> > values;
    for (uint32_t i = 0; i < 20; ++i) {
        values.push_back(random_values(n, 100 + i));
        kept.emplace_back(ctx, values.back().data(), n, 0, static_cast<float>(i));
    }
    daf_context_statistics stats = ctx.stats();
    expect(stats.budget_bytes == budget, "the budget of the options reached the context");
    expect(stats.pool_capacity_bytes <= budget, "the pool stays within the budget");
    expect(stats.evictions_degrade > 0, "saves past the budget degraded entries");
    expect(kept[0].info().bits < kept[0].info().saved_bits, "the least important entry has fewer bits now");
    // Re-quantized from its 8-bit codes: within a half step at its new width plus one at 8 bits.
    std::vector<float> back = kept[0].restore();
    expect(within_bound(values[0], back, half_step(kept[0].info().bits) + half_step(8)),
           "a degraded entry restores within its new bound");
    ctx.set_budget(0);
    expect(ctx.stats().budget_bytes == 0, "set_budget(0) lifts the limit");
    int status = DAF_OK;
    try {
        daf::context bad(daf::options().bits(9));
    } catch (const daf::error &e) {
        status = e.status();
    }
    expect(status == DAF_E_INVALID_ARGUMENT, "daf::options with 9 bits: daf_create throws DAF_E_INVALID_ARGUMENT");
}

// A daf::saved that outlives its context: its release is refused by the C layer, not a crash.
void test_outlived_context() {
    std::vector<float> x = random_values(256, 3);
    daf::saved orphan;
    {
        daf::context ctx;
        orphan = daf::saved(ctx, x.data(), x.size());
    }
    int status = DAF_OK;
    try {
        orphan.release();
    } catch (const daf::error &e) {
        status = e.status();
    }
    expect(status == DAF_E_INVALID_CONTEXT, "release after the context was destroyed throws DAF_E_INVALID_CONTEXT");
}

} // namespace

int main() {
    test_moved_contexts();
    test_async_and_ranges();
    test_budget_options();
    test_outlived_context();
    if (failures != 0) {
        std::printf("wrapper_cxx: %d check(s) failed\n", failures);
        return EXIT_FAILURE;
    }
    std::printf("wrapper_cxx: daf.hpp: moved contexts, async saves, ranges, info and budgets all pass\n");
    return EXIT_SUCCESS;
}
