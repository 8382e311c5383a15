// SPDX-License-Identifier: MIT
// GELU in its tanh approximation (Hendrycks, Gimpel, "Gaussian error linear units", 2016, as
// GPT-2 uses it), forward and backward side by side. The backward pass reads the input; the
// output is recomputed from it where needed rather than saved.
import Glibc

enum GELU {
    static let a: Float = 0.7978845608 // sqrt(2 / pi)
    static let b: Float = 0.044715

    /// x (any shape) -> y = 0.5 x (1 + tanh(a (x + b x³))).
    static func forward(_ x: FloatBuffer, parallel: Parallel) -> FloatBuffer {
        let y = FloatBuffer(count: x.count, zeroed: false)
        let xp = x.pointer, yp = y.pointer
        parallel.forEachChunk(x.count) { range in
            for i in range {
                let v = xp[i]
                yp[i] = 0.5 * v * (1 + tanh(a * (v + b * v * v * v)))
            }
        }
        return y
    }

    /// tanh(u) = 1 - 2 / (exp(2u) + 1): one expf, about three times faster than tanhf here
    /// (which goes through expm1f), within 1e-7 of it; exp's overflow to inf gives exactly 1.
    @inline(__always) static func tanh(_ u: Float) -> Float { 1 - 2 / (expf(2 * u) + 1) }

    /// dy and the saved input x (same shape) -> dx = dy * gelu'(x).
    static func backward(input x: FloatBuffer, dOutput dy: FloatBuffer, parallel: Parallel) -> FloatBuffer {
        precondition(x.count == dy.count)
        let dx = FloatBuffer(count: x.count, zeroed: false)
        let xp = x.pointer, dp = dy.pointer, op = dx.pointer
        parallel.forEachChunk(x.count) { range in
            for i in range {
                let v = xp[i], t = tanh(a * (v + b * v * v * v))
                let slope = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * a * (1 + 3 * b * v * v)
                op[i] = dp[i] * slope
            }
        }
        return dx
    }
}
