// SPDX-License-Identifier: MIT
// ReLU, forward and backward side by side. The backward pass needs only where the output was
// positive; it reads that from the output itself, which the caller has saved anyway as the next
// layer's input, so ReLU saves nothing of its own.

enum ReLU {
    /// x = max(x, 0), in place.
    static func forward(_ x: FloatBuffer, parallel: Parallel) {
        let p = x.pointer
        parallel.forEachChunk(x.count) { range in
            for i in range where p[i] < 0 { p[i] = 0 }
        }
    }

    /// dy = output > 0 ? dy : 0, in place; output is the (saved) forward result.
    static func backward(_ dy: FloatBuffer, output: FloatBuffer, parallel: Parallel) {
        precondition(dy.count == output.count)
        let d = dy.pointer, y = output.pointer
        parallel.forEachChunk(dy.count) { range in
            for i in range where !(y[i] > 0) { d[i] = 0 }
        }
    }
}
