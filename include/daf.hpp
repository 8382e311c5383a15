// SPDX-License-Identifier: MIT
/*
 * daf.hpp — a header-only C++11 wrapper over daf.h: a context that owns its daf_context, and
 * a saved activation that releases itself when it goes out of scope. It adds no behaviour and
 * no ABI of its own: every call is the C call of daf.h, whose documentation applies.
 *
 * Errors are exceptions: every failed libdaf call throws daf::error, which carries the status
 * (daf::error::status()) and a message with the call, the status name and daf_last_error's
 * detail. Destructors never throw: a release that fails in a destructor is ignored (it can only
 * fail for a context already destroyed, and then the entry is gone anyway). A build with
 * -fno-exceptions cannot use this header; use daf.h directly.
 *
 * Lifetimes: a daf::saved keeps the C context (daf_context*), not the daf::context object, so
 * moving a daf::context (e.g. a std::vector of them growing) leaves its saved activations
 * working. A daf::saved should not outlive its context; if it does, its release is refused by
 * the C layer (DAF_E_INVALID_CONTEXT) and ignored by the destructor, never a crash. Both are
 * movable, not copyable. Thread safety is the C API's: one context may be used from several
 * threads; one daf::saved object is not meant to be restored and released from two threads
 * at once.
 *
 *   daf::context ctx;                                  // default options: 2 bits, groups of 256
 *   daf::saved kept(ctx, x.data(), x.size());          // forward: x packed, x's buffer free
 *   kept.restore(tmp.data());                          // backward: dequantized values
 *   ...                                                // kept is released at the end of scope
 *
 *   daf::context budgeted(daf::options().budget_bytes(64 << 20).policy(DAF_POLICY_DEGRADE));
 *   daf::saved pending = daf::saved::async(budgeted, x.data(), x.size()); // packed by a worker
 *
 * Since 0.1.0; daf::options, the async saves, range restores, entry info and budgets since 0.2.0. Included from C (e.g. by a module map that takes every header in this
 * directory), it declares nothing.
 */
#ifndef DAF_HPP
#define DAF_HPP

#include <daf.h>

#ifdef __cplusplus

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace daf {

/** A failed libdaf call. */
class error : public std::runtime_error {
public:
    error(int status, const char *call, const daf_context *ctx)
        : std::runtime_error(std::string(call) + ": " + daf_status_name(status) + ": " + daf_last_error(ctx)),
          status_(status) {}

    /** A misuse of the wrapper itself (e.g. restoring an empty daf::saved). */
    error(int status, const std::string &message) : std::runtime_error(message), status_(status) {}

    /** The DAF_E_* code the call returned. */
    int status() const noexcept { return status_; }

private:
    int status_;
};

/** Throws daf::error unless status is DAF_OK; ctx is the call's context, or nullptr. */
inline void check(int status, const char *call, const daf_context *ctx = nullptr) {
    if (status != DAF_OK) throw error(status, call, ctx);
}

/** daf_options filled with the defaults, then bits, group size and rounding as given. */
inline daf_options make_options(unsigned bits = DAF_DEFAULT_BITS, unsigned group_size = DAF_DEFAULT_GROUP_SIZE,
                                daf_rounding rounding = static_cast<daf_rounding>(DAF_DEFAULT_ROUNDING)) {
    daf_options options;
    check(daf_options_init(&options), "daf_options_init");
    options.bits = bits;
    options.group_size = group_size;
    options.rounding = static_cast<uint32_t>(rounding);
    return options;
}

/** daf_options with chainable setters over the defaults of daf_options_init. The fields are
 *  daf_options's (see daf.h); daf_create checks them. */
class options {
public:
    options() { check(daf_options_init(&options_), "daf_options_init"); }

    options &bits(unsigned value) { options_.bits = value; return *this; }
    options &group_size(unsigned value) { options_.group_size = value; return *this; }
    options &rounding(daf_rounding value) { options_.rounding = static_cast<uint32_t>(value); return *this; }
    options &seed(uint64_t value) { options_.seed = value; return *this; }
    options &threads(unsigned value) { options_.threads = value; return *this; }
    /** Most bytes the context's pool may map; 0 = no limit. */
    options &budget_bytes(uint64_t value) { options_.budget_bytes = value; return *this; }
    /** DAF_POLICY_FAIL, or an OR of DAF_POLICY_DEGRADE, DAF_POLICY_SPILL, DAF_POLICY_RECOMPUTE. */
    options &policy(unsigned flags) { options_.policy = flags; return *this; }
    options &degrade_floor_bits(unsigned value) { options_.degrade_floor_bits = value; return *this; }
    /** The spill file's directory; the string must live until the context is created. */
    options &spill_dir(const char *directory) { options_.spill_dir = directory; return *this; }
    options &chunk_bytes(uint64_t value) { options_.chunk_bytes = value; return *this; }
    options &page_size(unsigned value) { options_.page_size = value; return *this; }
    options &pool_flags(unsigned flags) { options_.pool_flags = flags; return *this; }

    const daf_options &get() const noexcept { return options_; }

private:
    daf_options options_;
};

/** daf_save_params with bits and importance (0: the context's bits, importance 0). */
inline daf_save_params make_save_params(unsigned bits = 0, float importance = 0) {
    daf_save_params params;
    check(daf_save_params_init(&params), "daf_save_params_init");
    params.bits = bits;
    params.importance = importance;
    return params;
}

/** Owns one daf_context: daf_create in the constructor, daf_destroy in the destructor. */
class context {
public:
    /** A context with the default options (2 bits, groups of 256, stochastic rounding). */
    context() : context(make_options()) {}

    explicit context(const daf_options &options) { check(daf_create(&options, &ctx_), "daf_create"); }

    explicit context(const daf::options &options) : context(options.get()) {}

    ~context() { daf_destroy(ctx_); }

    context(context &&other) noexcept : ctx_(other.ctx_) { other.ctx_ = nullptr; }
    context &operator=(context &&other) noexcept {
        if (this != &other) {
            daf_destroy(ctx_);
            ctx_ = other.ctx_;
            other.ctx_ = nullptr;
        }
        return *this;
    }
    context(const context &) = delete;
    context &operator=(const context &) = delete;

    /** The C context, for calls this wrapper does not cover; nullptr after a move. */
    daf_context *get() const noexcept { return ctx_; }

    /** daf_save with per-save bits (0: the context's) and importance; returns the handle. */
    daf_handle save(const float *src, std::size_t count, unsigned bits = 0, float importance = 0) {
        return save(src, count, make_save_params(bits, importance));
    }

    /** daf_save with full parameters (e.g. a recompute callback for DAF_POLICY_RECOMPUTE). */
    daf_handle save(const float *src, std::size_t count, const daf_save_params &params) {
        return save_with(daf_save, "daf_save", src, count, params);
    }

    /** daf_save_async: returns at once; src must stay valid and unchanged until wait(handle),
     *  a restore or a release of the handle returns. */
    daf_handle save_async(const float *src, std::size_t count, unsigned bits = 0, float importance = 0) {
        return save_async(src, count, make_save_params(bits, importance));
    }

    daf_handle save_async(const float *src, std::size_t count, const daf_save_params &params) {
        return save_with(daf_save_async, "daf_save_async", src, count, params);
    }

    /** daf_wait: throws the failed async save's status. */
    void wait(daf_handle handle) { check(daf_wait(ctx_, handle), "daf_wait", ctx_); }

    void restore(daf_handle handle, float *dst, std::size_t count) {
        check(daf_restore(ctx_, handle, dst, count), "daf_restore", ctx_);
    }

    void restore_range(daf_handle handle, std::size_t first, std::size_t count, float *dst) {
        check(daf_restore_range(ctx_, handle, first, count, dst), "daf_restore_range", ctx_);
    }

    void release(daf_handle handle) { check(daf_release(ctx_, handle), "daf_release", ctx_); }

    void set_importance(daf_handle handle, float importance) {
        check(daf_set_importance(ctx_, handle, importance), "daf_set_importance", ctx_);
    }

    /** daf_handle_info: where the entry is, its bits now and at save time, its size. */
    daf_handle_information info(daf_handle handle) const {
        daf_handle_information info = daf_handle_information();
        info.struct_size = sizeof info;
        check(daf_handle_info(ctx_, handle, &info), "daf_handle_info", ctx_);
        return info;
    }

    /** daf_set_budget (0 = no limit); a lower budget evicts under the context's policy. */
    void set_budget(uint64_t budget_bytes) { check(daf_set_budget(ctx_, budget_bytes), "daf_set_budget", ctx_); }

    daf_context_statistics stats() const {
        daf_context_statistics stats = daf_context_statistics();
        stats.struct_size = sizeof stats;
        check(daf_stats(ctx_, &stats), "daf_stats", ctx_);
        return stats;
    }

private:
    typedef int (*save_call)(daf_context *, const float *, std::size_t, const daf_save_params *, daf_handle *);

    daf_handle save_with(save_call call, const char *name, const float *src, std::size_t count,
                         const daf_save_params &params) {
        daf_handle handle = 0;
        check(call(ctx_, src, count, &params, &handle), name, ctx_);
        return handle;
    }

    daf_context *ctx_ = nullptr;
};

/** One saved activation: daf_save in the constructor, daf_release when it goes out of scope
 *  (or at release()). Empty when default-constructed or moved from. */
class saved {
public:
    saved() noexcept {}

    /** Saves src[0..count) in ctx; src may be reused as soon as this returns. */
    saved(context &ctx, const float *src, std::size_t count, unsigned bits = 0, float importance = 0)
        : ctx_(ctx.get()), handle_(ctx.save(src, count, bits, importance)), count_(count) {}

    /** Saves src[0..count) in ctx on a worker thread (daf_save_async): src must stay valid and
     *  unchanged until wait(), a restore or the release returns. */
    static saved async(context &ctx, const float *src, std::size_t count, unsigned bits = 0, float importance = 0) {
        return saved(ctx.get(), ctx.save_async(src, count, bits, importance), count);
    }

    ~saved() {
        if (handle_ != 0) daf_release(ctx_, handle_);
    }

    saved(saved &&other) noexcept : ctx_(other.ctx_), handle_(other.handle_), count_(other.count_) {
        other.handle_ = 0;
    }
    saved &operator=(saved &&other) noexcept {
        if (this != &other) {
            if (handle_ != 0) daf_release(ctx_, handle_);
            ctx_ = other.ctx_;
            handle_ = other.handle_;
            count_ = other.count_;
            other.handle_ = 0;
        }
        return *this;
    }
    saved(const saved &) = delete;
    saved &operator=(const saved &) = delete;

    /** Writes the values to dst[0..count()). The activation stays saved. */
    void restore(float *dst) const {
        require("restore");
        check(daf_restore(ctx_, handle_, dst, count_), "daf_restore", ctx_);
    }

    /** Writes elements [first, first + count) to dst[0..count) (daf_restore_range). */
    void restore_range(std::size_t first, std::size_t count, float *dst) const {
        require("restore_range");
        check(daf_restore_range(ctx_, handle_, first, count, dst), "daf_restore_range", ctx_);
    }

    /** The values as a new vector. */
    std::vector<float> restore() const {
        std::vector<float> values(count_);
        restore(values.data());
        return values;
    }

    /** Waits for an async save (daf_wait); at once for a completed one. */
    void wait() const {
        require("wait");
        check(daf_wait(ctx_, handle_), "daf_wait", ctx_);
    }

    /** daf_handle_info of this activation. */
    daf_handle_information info() const {
        require("info");
        daf_handle_information info = daf_handle_information();
        info.struct_size = sizeof info;
        check(daf_handle_info(ctx_, handle_, &info), "daf_handle_info", ctx_);
        return info;
    }

    void set_importance(float importance) {
        require("set_importance");
        check(daf_set_importance(ctx_, handle_, importance), "daf_set_importance", ctx_);
    }

    /** Releases now (throws on failure); the object becomes empty. */
    void release() {
        if (handle_ == 0) return;
        daf_handle handle = handle_;
        handle_ = 0;
        check(daf_release(ctx_, handle), "daf_release", ctx_);
    }

    daf_handle handle() const noexcept { return handle_; }
    std::size_t count() const noexcept { return count_; }
    explicit operator bool() const noexcept { return handle_ != 0; }

    /** The C context it was saved in (stays valid when its daf::context is moved). */
    daf_context *context_handle() const noexcept { return ctx_; }

private:
    saved(daf_context *ctx, daf_handle handle, std::size_t count) noexcept : ctx_(ctx), handle_(handle), count_(count) {}

    void require(const char *call) const {
        if (handle_ == 0) throw error(DAF_E_UNKNOWN_HANDLE, std::string("daf::saved::") + call + ": this daf::saved is empty");
    }

    daf_context *ctx_ = nullptr;
    daf_handle handle_ = 0;
    std::size_t count_ = 0;
};

} // namespace daf

#endif /* __cplusplus */
#endif /* DAF_HPP */
