// SPDX-License-Identifier: MIT
// The core of causal multi-head self-attention (Vaswani et al., "Attention is all you need",
// 2017), forward and backward side by side: per batch row and head, P = softmax(Q K^T / sqrt(d))
// with the future masked out, and O = P V. The projections around it are Dense layers. Each
// (batch, head) pair is three sgemm calls on strided views of the QKV block, no copies.
// The backward pass reads QKV and the probabilities P, both saved by the caller (P as its lower
// triangles: the rest is the mask).

struct CausalSelfAttention {
    let heads: Int, width: Int
    var headSize: Int { width / heads }

    init(heads: Int, width: Int) {
        precondition(width % heads == 0)
        (self.heads, self.width) = (heads, width)
    }

    /// qkv (B, T, 3C), each token's row [q | k | v] with head h in columns h*hs..<(h+1)*hs of
    /// each third -> (output (B, T, C), probabilities (B, H, T, T), 0 above the diagonal).
    func forward(_ qkv: FloatBuffer, batch: Int, steps t: Int) -> (output: FloatBuffer, probabilities: FloatBuffer) {
        let c = width, hs = headSize, scale = 1 / Float(hs).squareRoot()
        let output = FloatBuffer(count: batch * t * c, zeroed: false)
        let probs = FloatBuffer(count: batch * heads * t * t, zeroed: false)
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkv.pointer + b * t * 3 * c + h * hs, k = q + c, v = q + 2 * c
                let p = probs.pointer + (b * heads + h) * t * t
                // Scores (T, T) = scale * Q K^T
                Matmul.gemm(q, rowLength: 3 * c, k, transposeB: true, rowLength: 3 * c, into: p, rowLength: t,
                            m: t, n: t, k: hs, alpha: scale)
                for row in 0..<t {
                    let r = p + row * t
                    Softmax.row(r, into: r, count: row + 1) // only positions 0...row are visible
                    (r + row + 1).update(repeating: 0, count: t - row - 1)
                }
                // O (T, hs) = P V, into this head's columns of output (B, T, C)
                Matmul.gemm(p, rowLength: t, v, rowLength: 3 * c, into: output.pointer + b * t * c + h * hs, rowLength: c,
                            m: t, n: hs, k: t)
            }
        }
        return (output, probs)
    }

    /// The saved qkv (B, T, 3C) and probabilities (B, H, T, T) with dOutput (B, T, C) -> dQKV
    /// (B, T, 3C). Entries of P above the diagonal are taken as 0 whatever the store returned:
    /// the mask is structure, not data. Softmax backward: dS = P ∘ (dP - rowsum(dP ∘ P)).
    func backward(qkv: FloatBuffer, probabilities: FloatBuffer, dOutput: FloatBuffer, batch: Int, steps t: Int) -> FloatBuffer {
        let c = width, hs = headSize, scale = 1 / Float(hs).squareRoot()
        let dqkv = FloatBuffer(count: batch * t * 3 * c, zeroed: false)
        let dp = FloatBuffer(count: t * t, zeroed: false) // (T, T), becomes dS in place
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkv.pointer + b * t * 3 * c + h * hs, k = q + c, v = q + 2 * c
                let dq = dqkv.pointer + b * t * 3 * c + h * hs, dk = dq + c, dv = dq + 2 * c
                let p = probabilities.pointer + (b * heads + h) * t * t
                let dO = dOutput.pointer + b * t * c + h * hs
                for row in 0..<t - 1 { (p + row * t + row + 1).update(repeating: 0, count: t - row - 1) }
                // dP (T, T) = dO V^T;  dV (T, hs) = P^T dO
                Matmul.gemm(dO, rowLength: c, v, transposeB: true, rowLength: 3 * c, into: dp.pointer, rowLength: t, m: t, n: t, k: hs)
                Matmul.gemm(p, transposeA: true, rowLength: t, dO, rowLength: c, into: dv, rowLength: 3 * c, m: t, n: hs, k: t)
                for row in 0..<t {
                    let pr = p + row * t, dr = dp.pointer + row * t
                    var dot: Float = 0
                    for j in 0...row { dot += pr[j] * dr[j] }
                    for j in 0...row { dr[j] = pr[j] * (dr[j] - dot) }
                    (dr + row + 1).update(repeating: 0, count: t - row - 1)
                }
                // dQ (T, hs) = scale * dS K;  dK (T, hs) = scale * dS^T Q
                Matmul.gemm(dp.pointer, rowLength: t, k, rowLength: 3 * c, into: dq, rowLength: 3 * c, m: t, n: hs, k: t, alpha: scale)
                Matmul.gemm(dp.pointer, transposeA: true, rowLength: t, q, rowLength: 3 * c, into: dk, rowLength: 3 * c,
                            m: t, n: hs, k: t, alpha: scale)
            }
        }
        return dqkv
    }

    /// The probabilities (B, H, T, T) without their masked upper triangles: (B, H, T(T+1)/2),
    /// row t holding its t + 1 visible entries. What the caller saves: half the bytes, and no
    /// structural zeros in the quantizer's groups.
    static func lowerTriangles(_ p: FloatBuffer, matrices: Int, steps t: Int) -> FloatBuffer {
        let packed = FloatBuffer(count: matrices * t * (t + 1) / 2, zeroed: false)
        var to = packed.pointer
        for m in 0..<matrices {
            for row in 0..<t {
                to.update(from: p.pointer + (m * t + row) * t, count: row + 1)
                to += row + 1
            }
        }
        return packed
    }

    /// The inverse of lowerTriangles: (B, H, T(T+1)/2) -> (B, H, T, T), 0 above the diagonal.
    static func fullMatrices(_ packed: FloatBuffer, matrices: Int, steps t: Int) -> FloatBuffer {
        precondition(packed.count == matrices * t * (t + 1) / 2)
        let p = FloatBuffer(count: matrices * t * t)
        var from = UnsafePointer(packed.pointer)
        for m in 0..<matrices {
            for row in 0..<t {
                (p.pointer + (m * t + row) * t).update(from: from, count: row + 1)
                from += row + 1
            }
        }
        return p
    }
}
