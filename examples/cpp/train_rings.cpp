// SPDX-License-Identifier: MIT
// train_rings.cpp — daf.hpp in a small C++11 training loop. A 2-64-64-3 MLP learns which of
// three noisy rings a point lies on, twice from the same start: once keeping its saved
// activations in std::vectors, once in libdaf (2 bits) through daf::saved guards, which
// release them when the step's scope ends. The two losses are printed side by side.
// Plain loops, no BLAS; seconds to run. Exit status 0 when both runs learned.
//
// Build: c++ -std=c++11 -O2 train_rings.cpp -o train_rings $(pkg-config --cflags --libs daf)
#include <daf.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

const int kInputs = 2, kHidden = 64, kClasses = 3, kBatch = 128;

// A seeded generator (xorshift32, Marsaglia 2003): both runs see the same numbers.
struct Random {
    uint32_t state;
    explicit Random(uint32_t seed) : state(seed) {}
    float uniform() { // [0, 1)
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return static_cast<float>(state >> 8) / 16777216.0f;
    }
};

// A batch of points: class k lies on a ring of radius k + 1, with noise. x is (kBatch, 2).
struct Batch {
    std::vector<float> x;
    std::vector<int> label;
    explicit Batch(Random &random) : x(kBatch * kInputs), label(kBatch) {
        for (int b = 0; b < kBatch; ++b) {
            int k = static_cast<int>(random.uniform() * kClasses);
            float angle = 6.2831853f * random.uniform(), radius = k + 1 + 0.5f * (random.uniform() - 0.5f);
            x[b * 2] = radius * std::cos(angle);
            x[b * 2 + 1] = radius * std::sin(angle);
            label[b] = k;
        }
    }
};

// y (kBatch, out) = x (kBatch, in) W^T + b, and its backward pass; SGD with momentum.
struct Dense {
    int in, out;
    std::vector<float> w, b, dw, db, vw, vb;
    Dense(int in_, int out_, Random &random)
        : in(in_), out(out_), w(in_ * out_), b(out_), dw(in_ * out_), db(out_), vw(in_ * out_), vb(out_) {
        float limit = std::sqrt(6.0f / in);
        for (size_t i = 0; i < w.size(); ++i) w[i] = (2 * random.uniform() - 1) * limit;
    }
    void forward(const float *x, float *y) const {
        for (int r = 0; r < kBatch; ++r)
            for (int o = 0; o < out; ++o) {
                float sum = b[o];
                for (int i = 0; i < in; ++i) sum += x[r * in + i] * w[o * in + i];
                y[r * out + o] = sum;
            }
    }
    // x is the saved input; dx may be null (first layer).
    void backward(const float *x, const float *dy, float *dx) {
        for (int o = 0; o < out; ++o) {
            db[o] = 0;
            for (int i = 0; i < in; ++i) dw[o * in + i] = 0;
        }
        for (int r = 0; r < kBatch; ++r)
            for (int o = 0; o < out; ++o) {
                float g = dy[r * out + o];
                db[o] += g;
                for (int i = 0; i < in; ++i) dw[o * in + i] += g * x[r * in + i];
            }
        if (dx == nullptr) return;
        for (int r = 0; r < kBatch; ++r)
            for (int i = 0; i < in; ++i) {
                float sum = 0;
                for (int o = 0; o < out; ++o) sum += dy[r * out + o] * w[o * in + i];
                dx[r * in + i] = sum;
            }
    }
    void update(float rate) {
        for (size_t i = 0; i < w.size(); ++i) w[i] -= rate * (vw[i] = 0.9f * vw[i] + dw[i]);
        for (size_t i = 0; i < b.size(); ++i) b[i] -= rate * (vb[i] = 0.9f * vb[i] + db[i]);
    }
};

void relu(std::vector<float> &v) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = v[i] > 0 ? v[i] : 0;
}
void relu_backward(std::vector<float> &dy, const std::vector<float> &y) {
    for (size_t i = 0; i < dy.size(); ++i) if (!(y[i] > 0)) dy[i] = 0;
}

struct Model {
    Dense l1, l2, l3;
    explicit Model(Random &random) : l1(kInputs, kHidden, random), l2(kHidden, kHidden, random), l3(kHidden, kClasses, random) {}

    // One training step; with ctx the two hidden activations wait in libdaf between forward and
    // backward. Returns the mean loss. (The input points stay fp32: they are data, not activations.)
    float step(const Batch &batch, daf::context *ctx, float rate) {
        std::vector<float> h1(kBatch * kHidden), h2(kBatch * kHidden), logits(kBatch * kClasses);
        l1.forward(batch.x.data(), h1.data());
        relu(h1);
        l2.forward(h1.data(), h2.data());
        relu(h2);
        l3.forward(h2.data(), logits.data());

        daf::saved saved_h1, saved_h2; // empty unless ctx; released when this function returns
        if (ctx != nullptr) {
            saved_h1 = daf::saved(*ctx, h1.data(), h1.size());
            saved_h2 = daf::saved(*ctx, h2.data(), h2.size());
            std::vector<float>().swap(h1); // the fp32 copies are not needed any more
            std::vector<float>().swap(h2);
        }

        std::vector<float> dlogits(kBatch * kClasses);
        float loss = 0;
        for (int r = 0; r < kBatch; ++r) { // softmax cross-entropy
            const float *z = &logits[r * kClasses];
            float top = std::fmax(z[0], std::fmax(z[1], z[2])), sum = 0;
            for (int c = 0; c < kClasses; ++c) sum += dlogits[r * kClasses + c] = std::exp(z[c] - top);
            loss += std::log(sum) - (z[batch.label[r]] - top);
            for (int c = 0; c < kClasses; ++c)
                dlogits[r * kClasses + c] = (dlogits[r * kClasses + c] / sum - (c == batch.label[r])) / kBatch;
        }

        if (ctx != nullptr) {
            h1 = saved_h1.restore();
            h2 = saved_h2.restore();
        }
        std::vector<float> dh2(kBatch * kHidden), dh1(kBatch * kHidden);
        l3.backward(h2.data(), dlogits.data(), dh2.data());
        relu_backward(dh2, h2);
        l2.backward(h1.data(), dh2.data(), dh1.data());
        relu_backward(dh1, h1);
        l1.backward(batch.x.data(), dh1.data(), nullptr);
        l1.update(rate);
        l2.update(rate);
        l3.update(rate);
        return loss / kBatch;
    }
};

} // namespace

int main() {
    const int steps = 1000;
    try {
        daf::context ctx(daf::make_options(2));
        Random init_fp32(7), init_daf(7), data_fp32(11), data_daf(11);
        Model fp32(init_fp32), with_daf(init_daf);
        float loss_fp32 = 0, loss_daf = 0;
        std::printf("train_rings: 2-%d-%d-3 MLP, batch %d; saved activations in fp32 vs libdaf 2-bit\n", kHidden,
                    kHidden, kBatch);
        std::printf("%6s %12s %12s\n", "step", "fp32 loss", "libdaf loss");
        for (int step = 1; step <= steps; ++step) {
            float rate = 0.05f * 0.5f * (1 + std::cos(3.14159265f * (step - 1) / steps));
            loss_fp32 += fp32.step(Batch(data_fp32), nullptr, rate);
            loss_daf += with_daf.step(Batch(data_daf), &ctx, rate);
            if (ctx.stats().live_entries != 0) throw daf::error(DAF_E_INTERNAL, "a daf::saved outlived its step");
            if (step % 250 == 0) {
                std::printf("%6d %12.4f %12.4f\n", step, loss_fp32 / 250, loss_daf / 250);
                if (step < steps) loss_fp32 = loss_daf = 0;
            }
        }
        daf_context_statistics s = ctx.stats();
        std::printf("saved activations: peak %llu bytes in libdaf vs %llu as fp32 (%.1fx smaller)\n",
                    static_cast<unsigned long long>(s.peak_packed_bytes),
                    static_cast<unsigned long long>(s.peak_fp32_bytes),
                    static_cast<double>(s.peak_fp32_bytes) / static_cast<double>(s.peak_packed_bytes));
        // Chance is ln 3 = 1.10: both runs must end far below it.
        bool learned = loss_fp32 / 250 < 0.3f && loss_daf / 250 < 0.3f;
        std::printf("%s\n", learned ? "OK: both learned (chance is ln 3 = 1.10)" : "FAILED: a run did not learn");
        return learned ? 0 : 1;
    } catch (const daf::error &e) {
        std::fprintf(stderr, "train_rings: %s (status %d)\n", e.what(), e.status());
        return 1;
    }
}
