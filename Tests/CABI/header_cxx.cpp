// SPDX-License-Identifier: MIT
// header_cxx.cpp — daf.h compiled as C++11 with -pedantic -Wall -Wextra -Werror, and linked
// against the installed library: the header must be usable from C++ as it is (extern "C",
// no C-only constructs). It checks only that C++ sees the same ABI, not the library's behaviour.
#include <daf.h>

#include <cstdio>
#include <cstring>

static_assert(sizeof(daf_quantize_params) == 24, "daf_quantize_params size as in C");
static_assert(sizeof(daf_options) == 88, "daf_options size as in C");
static_assert(sizeof(daf_save_params) == 48, "daf_save_params size as in C");
static_assert(sizeof(daf_packed_information) == 56, "daf_packed_information size as in C");
static_assert(sizeof(daf_context_statistics) == 288, "daf_context_statistics size as in C");
static_assert(sizeof(daf_slot_plan_information) == 64, "daf_slot_plan_information size as in C");
static_assert(sizeof(daf_pool_options) == 32, "daf_pool_options size as in C");
static_assert(sizeof(daf_pool_statistics) == 144, "daf_pool_statistics size as in C");
static_assert(sizeof(daf_handle_information) == 40, "daf_handle_information size as in C");
static_assert(sizeof(daf_handle) == 8, "daf_handle is 64 bits");
static_assert(DAF_E_CORRUPT == -7, "status values are frozen");

namespace {

int failures = 0;

void expect(bool condition, const char *what) {
    if (!condition) {
        std::printf("header_cxx: FAILED: %s\n", what);
        ++failures;
    }
}

// The status X-macro works in C++ too: a table of every code.
struct status_entry {
    int value;
    const char *name;
};
#define HEADER_CXX_ENTRY_(name, value, message) {value, #name},
const status_entry statuses[] = {DAF_STATUS_LIST(HEADER_CXX_ENTRY_)};
#undef HEADER_CXX_ENTRY_

} // namespace

int main() {
    expect(daf_version_number() == DAF_VERSION_NUMBER, "daf_version_number() == DAF_VERSION_NUMBER");
    expect(std::strcmp(daf_version_string(), DAF_VERSION_STRING) == 0, "version strings match");
    for (const status_entry &entry : statuses) {
        expect(std::strcmp(daf_status_name(entry.value), entry.name) == 0, entry.name);
    }

    daf_quantize_params params;
    expect(daf_quantize_params_init(&params) == DAF_OK, "daf_quantize_params_init");
    const float values[32] = {1.0f, 2.0f, 3.0f, -4.0f};
    unsigned char blob[512];
    std::size_t size = 0;
    expect(daf_quantize_pack(values, 32, &params, blob, sizeof blob, &size) == DAF_OK, "daf_quantize_pack");
    expect(size == daf_packed_bound_finite(32, params.bits, params.group_size), "packed size == bound");

    daf_context *ctx = nullptr;
    expect(daf_create(nullptr, &ctx) == DAF_OK && ctx != nullptr, "daf_create(nullptr, &ctx)");
    daf_handle handle = 0;
    expect(daf_save(ctx, values, 32, nullptr, &handle) == DAF_OK && handle != 0, "daf_save");
    float restored[32];
    expect(daf_restore(ctx, handle, restored, 32) == DAF_OK, "daf_restore");
    expect(daf_release(ctx, handle) == DAF_OK, "daf_release");
    expect(daf_destroy(ctx) == DAF_OK, "daf_destroy");
    expect(daf_destroy(nullptr) == DAF_OK, "daf_destroy(nullptr)");

    daf_pool *pool = nullptr;
    expect(daf_pool_create(nullptr, &pool) == DAF_OK && pool != nullptr, "daf_pool_create(nullptr, &pool)");
    daf_pool_block block = 0;
    expect(daf_pool_alloc(pool, sizeof values, 1.0f, &block) == DAF_OK && block != 0, "daf_pool_alloc");
    expect(daf_pool_write(pool, block, 0, values, sizeof values) == DAF_OK, "daf_pool_write");
    expect(daf_pool_read(pool, block, 0, restored, sizeof restored) == DAF_OK, "daf_pool_read");
    expect(std::memcmp(values, restored, sizeof values) == 0, "pool block keeps its bytes");
    expect(daf_pool_destroy(pool) == DAF_OK, "daf_pool_destroy");

    std::printf("header_cxx: %s (%d failures)\n", failures == 0 ? "ok" : "FAILED", failures);
    return failures == 0 ? 0 : 1;
}
