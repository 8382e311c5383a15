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
 * Lifetimes: a daf::saved refers to its daf::context and must not outlive it (destroy or
 * release saved activations first). Both are movable, not copyable. Thread safety is the C
 * API's: one context may be used from several threads; one daf::saved object is not meant to
 * be restored and released from two threads at once.
 *
 *   daf::context ctx;                                  // default options: 2 bits, groups of 256
 *   daf::saved kept(ctx, x.data(), x.size());          // forward: x packed, x's buffer free
 *   kept.restore(tmp.data());                          // backward: dequantized values
 *   ...                                                // kept is released at the end of scope
 *
 * Since 0.1.0. Included from C (e.g. by a module map that takes every header in this
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
                                daf_rounding rounding = DAF_ROUND_NEAREST) {
    daf_options options;
    check(daf_options_init(&options), "daf_options_init");
    options.bits = bits;
    options.group_size = group_size;
    options.rounding = static_cast<uint32_t>(rounding);
    return options;
}

/** Owns one daf_context: daf_create in the constructor, daf_destroy in the destructor. */
class context {
public:
    /** A context with the default options (2 bits, groups of 256, nearest rounding). */
    context() : context(make_options()) {}

    explicit context(const daf_options &options) { check(daf_create(&options, &ctx_), "daf_create"); }

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
        daf_save_params params;
        check(daf_save_params_init(&params), "daf_save_params_init");
        params.bits = bits;
        params.importance = importance;
        daf_handle handle = 0;
        check(daf_save(ctx_, src, count, &params, &handle), "daf_save", ctx_);
        return handle;
    }

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

    daf_context_stats stats() const {
        daf_context_stats stats = daf_context_stats();
        stats.struct_size = sizeof stats;
        check(daf_stats(ctx_, &stats), "daf_stats", ctx_);
        return stats;
    }

private:
    daf_context *ctx_ = nullptr;
};

/** One saved activation: daf_save in the constructor, daf_release when it goes out of scope
 *  (or at release()). Empty when default-constructed or moved from. */
class saved {
public:
    saved() noexcept {}

    /** Saves src[0..count) in ctx; src may be reused as soon as this returns. */
    saved(context &ctx, const float *src, std::size_t count, unsigned bits = 0, float importance = 0)
        : ctx_(&ctx), handle_(ctx.save(src, count, bits, importance)), count_(count) {}

    ~saved() {
        if (handle_ != 0 && ctx_->get() != nullptr) daf_release(ctx_->get(), handle_);
    }

    saved(saved &&other) noexcept : ctx_(other.ctx_), handle_(other.handle_), count_(other.count_) {
        other.handle_ = 0;
    }
    saved &operator=(saved &&other) noexcept {
        if (this != &other) {
            if (handle_ != 0 && ctx_->get() != nullptr) daf_release(ctx_->get(), handle_);
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
        if (handle_ == 0) throw error(DAF_E_UNKNOWN_HANDLE, "daf::saved::restore: this daf::saved is empty");
        ctx_->restore(handle_, dst, count_);
    }

    /** The values as a new vector. */
    std::vector<float> restore() const {
        std::vector<float> values(count_);
        restore(values.data());
        return values;
    }

    /** Releases now (throws on failure); the object becomes empty. */
    void release() {
        if (handle_ == 0) return;
        daf_handle handle = handle_;
        handle_ = 0;
        ctx_->release(handle);
    }

    daf_handle handle() const noexcept { return handle_; }
    std::size_t count() const noexcept { return count_; }
    explicit operator bool() const noexcept { return handle_ != 0; }

private:
    context *ctx_ = nullptr;
    daf_handle handle_ = 0;
    std::size_t count_ = 0;
};

} // namespace daf

#endif /* __cplusplus */
#endif /* DAF_HPP */
