// SPDX-License-Identifier: MIT
// The async-save case: a step of N layer-like computes (y = relu(x w)) whose outputs the
// backward pass needs, then that "backward" reading them back once. Three ways to keep them:
// fp32 (each output in its own buffer, nothing else to do), sync daf_save after each layer,
// and daf_save_async, which packs on the context's worker while the next layer computes.
// Step time medians and their ratio to fp32 in the same run.
import BenchBaselines
import CDAF
import Glibc

struct LayerCase {
    let layers = 8
    let m = 4096, k = 256, n = 256
    let reps: Int
    let threads: Int

    func run() -> [BenchResult] {
        let input = FloatBuffer(count: m * k, seed: 3)
        let weights = FloatBuffer(count: k * n, seed: 4)
        for i in 0..<(k * n) { weights.pointer[i] = (weights.pointer[i] - 0.5) * 0.1 }
        let outputs = (0..<layers).map { _ in FloatBuffer(count: m * n, seed: 5) } // fp32 keeps all
        let scratch = (0..<2).map { _ in FloatBuffer(count: m * n, seed: 6) } // daf modes reuse two
        let restored = FloatBuffer(count: m * n, seed: 7)
        var options = daf_options()
        check(daf_options_init_sized(&options, MemoryLayout<daf_options>.size))
        options.threads = UInt32(threads)
        options.rounding = UInt32(DAF_ROUND_NEAREST.rawValue) // as measured in the README (the default is stochastic)
        var ctx: OpaquePointer?
        check(daf_create(&options, &ctx))
        defer { check(daf_destroy(ctx)) }

        func forward(_ layer: Int, into y: UnsafeMutablePointer<Float>) {
            // Each layer reads the first m x k block of the previous output (or the input).
            let x = layer == 0 ? input.pointer : (layer - 1 < outputs.count ? outputs[layer - 1].pointer : input.pointer)
            bench_layer_forward(x, weights.pointer, y, Int32(m), Int32(k), Int32(n))
        }

        // The backward pass: each saved output restored once, deepest first, then released.
        func backward(_ handles: [daf_handle]) {
            for h in handles.reversed() {
                check(daf_restore(ctx, h, restored.pointer, m * n))
                check(daf_release(ctx, h))
            }
        }

        let keep = {
            for layer in 0..<layers { forward(layer, into: outputs[layer].pointer) }
            // backward: the kept outputs are read where they are.
        }
        let sync = {
            var handles: [daf_handle] = []
            for layer in 0..<layers {
                let y = scratch[layer % 2].pointer
                forward(layer, into: y)
                var h: daf_handle = 0
                check(daf_save(ctx, y, m * n, nil, &h))
                handles.append(h)
            }
            backward(handles)
        }
        let async = {
            var handles: [daf_handle] = []
            for layer in 0..<layers {
                // Double buffering: the save from two layers ago must be done with this buffer.
                if layer >= 2 { check(daf_wait(ctx, handles[layer - 2])) }
                let y = scratch[layer % 2].pointer
                forward(layer, into: y)
                var h: daf_handle = 0
                check(daf_save_async(ctx, y, m * n, nil, &h))
                handles.append(h)
            }
            backward(handles)
        }
        var times: [[Double]] = [[], [], []]
        let modes = [keep, sync, async]
        for mode in modes { mode() } // warm-up
        for _ in 0..<reps {
            for (i, mode) in modes.enumerated() { times[i].append(Clock.time(mode)) }
        }
        let medians = times.map(median)
        return zip(["fp32_keep", "sync_save", "async_save"], medians).map { name, seconds in
            BenchResult(fields: [
                ("kernel", .string("layer_step")), ("mode", .string(name)), ("threads", .integer(threads)),
                ("layers", .integer(layers)), ("layer_mnk", .string("\(m)x\(n)x\(k)")),
                ("step_ms", .number(seconds * 1000)), ("baseline", .string("fp32_keep")),
                ("ratio", .number(seconds / medians[0])),
            ])
        }
    }
}
