// SPDX-License-Identifier: MIT
// quickstart.cpp — the same round trip as examples/c/quickstart.c, written as C++11 would: the
// context lives in a small RAII owner and a failed status becomes an exception. It uses the C
// API of daf.h directly; it is not a C++ binding.
//
// Build: c++ -std=c++11 $(pkg-config --cflags daf) quickstart.cpp -o quickstart $(pkg-config --libs daf)
//
// Why exceptions: in a C++ training loop a libdaf failure (bad argument, no memory) is not an
// expected outcome to branch on, and throwing lets the RAII owner below release the context on
// every path. No exception ever crosses into libdaf: 0.1 calls back into no user code.
#include <daf.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// A failed libdaf call: its status name plus the library's detail message.
struct DafError : std::runtime_error {
    DafError(const char *call, int status, const daf_context *ctx)
        : std::runtime_error(std::string(call) + " failed: " + daf_status_name(status) + ": " +
                             daf_last_error(ctx)) {}
};

// Throws DafError unless status is DAF_OK; ctx is the context the call was made on, or nullptr.
void check(int status, const char *call, const daf_context *ctx = nullptr) {
    if (status != DAF_OK) throw DafError(call, status, ctx);
}

// Owns one daf_context: created in the constructor, destroyed (with every entry) in the
// destructor. Not copyable: two owners would destroy it twice.
struct Context {
    daf_context *ctx = nullptr;

    explicit Context(const daf_options &options) { check(daf_create(&options, &ctx), "daf_create"); }
    ~Context() { daf_destroy(ctx); }
    Context(const Context &) = delete;
    Context &operator=(const Context &) = delete;
};

// A fake post-ReLU activation: max(0, x), x roughly normal (sum of four LCG uniforms).
std::vector<float> fake_activation(std::size_t count, std::uint32_t seed) {
    std::vector<float> x(count);
    std::uint32_t state = seed;
    for (float &value : x) {
        float sum = 0.0f;
        for (int k = 0; k < 4; ++k) {
            state = state * 1664525u + 1013904223u;
            sum += static_cast<float>(state >> 8) * (1.0f / 16777216.0f);
        }
        value = std::max(0.0f, (sum - 2.0f) * 1.7f);
    }
    return x;
}

int run() {
    const std::size_t count = 1024 * 1024; // 1,048,576 floats, 4 MiB as fp32
    const std::uint32_t bits = 2, group = 256;
    const std::vector<float> activation = fake_activation(count, 2025u);

    daf_options options;
    check(daf_options_init(&options), "daf_options_init");
    options.bits = bits;
    options.group_size = group;
    Context context(options);

    // Forward: save. Backward: restore, then release.
    daf_save_params params;
    check(daf_save_params_init(&params), "daf_save_params_init");
    params.importance = 1.0f;
    daf_handle handle = 0;
    check(daf_save(context.ctx, activation.data(), count, &params, &handle), "daf_save", context.ctx);

    daf_context_statistics stats;
    stats.struct_size = sizeof stats;
    check(daf_stats(context.ctx, &stats), "daf_stats", context.ctx);
    const double ratio = double(stats.live_fp32_bytes) / double(stats.live_packed_bytes);

    std::vector<float> restored(count);
    check(daf_restore(context.ctx, handle, restored.data(), count), "daf_restore", context.ctx);
    check(daf_release(context.ctx, handle), "daf_release", context.ctx);

    // Per group: |error| <= (max - min) / (2^bits - 1), plus a little float rounding (one step:
    // the default rounding is stochastic, unbiased; DAF_ROUND_NEAREST would halve it).
    const float levels = float((1u << bits) - 1u);
    float max_error = 0.0f, max_bound = 0.0f;
    std::size_t over_bound = 0;
    for (std::size_t first = 0; first < count; first += group) {
        const std::size_t n = std::min<std::size_t>(group, count - first);
        float lo = 0.0f, hi = 0.0f;
        check(daf_minmax(&activation[first], n, &lo, &hi), "daf_minmax");
        const float bound = (hi - lo) / levels + 1e-6f * (std::fabs(lo) + std::fabs(hi)) + 1e-30f;
        max_bound = std::max(max_bound, bound);
        for (std::size_t i = first; i < first + n; ++i) {
            const float error = std::fabs(restored[i] - activation[i]);
            max_error = std::max(max_error, error);
            if (!(error <= bound)) ++over_bound;
        }
    }

    std::printf("libdaf %s (C++): %zu floats, %u bits, groups of %u\n", daf_version_string(), count,
                bits, group);
    std::printf("max abs error     %.6f (largest group bound %.6f)\n", max_error, max_bound);
    std::printf("values over bound %zu\n", over_bound);
    std::printf("compression       %.2fx (%llu fp32 bytes -> %llu packed bytes)\n", ratio,
                static_cast<unsigned long long>(stats.live_fp32_bytes),
                static_cast<unsigned long long>(stats.live_packed_bytes));
    if (over_bound > 0) {
        std::fprintf(stderr, "FAIL: %zu values exceed their group's error bound\n", over_bound);
        return 1;
    }
    if (!(ratio >= 14.0)) {
        std::fprintf(stderr, "FAIL: compression %.2fx is below the expected 14x\n", ratio);
        return 1;
    }
    std::printf("OK\n");
    return 0;
}

} // namespace

int main() {
    try {
        return run();
    } catch (const std::exception &error) {
        std::fprintf(stderr, "%s\n", error.what());
        return 1;
    }
}
