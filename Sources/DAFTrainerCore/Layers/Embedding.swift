// SPDX-License-Identifier: MIT
// Token and position embeddings of a byte-level language model, forward and backward side by
// side: x[b, t] = token[ids[b, t]] + position[t]. The backward pass reads only the token ids,
// which are the batch itself (the trainer holds them), so nothing is saved here.

final class Embedding {
    let vocabulary: Int, context: Int, width: Int
    let token: Parameter    // (V, C)
    let position: Parameter // (Tmax, C)

    init(vocabulary: Int, context: Int, width: Int, random: inout SeededRandom) {
        (self.vocabulary, self.context, self.width) = (vocabulary, context, width)
        token = Parameter(count: vocabulary * width, std: 0.02, random: &random)
        position = Parameter(count: context * width, std: 0.02, random: &random)
    }

    /// ids (B, T) -> x (B, T, C).
    func forward(_ ids: [Int], batch: Int, steps: Int) -> FloatBuffer {
        precondition(ids.count == batch * steps && steps <= context)
        let c = width, x = FloatBuffer(count: batch * steps * c, zeroed: false)
        for (n, id) in ids.enumerated() {
            let out = x.pointer + n * c, tok = token.value.pointer + id * c, pos = position.value.pointer + (n % steps) * c
            for i in 0..<c { out[i] = tok[i] + pos[i] }
        }
        return x
    }

    /// ids (B, T) and dx (B, T, C): sets both tables' gradients (rows of bytes that did not
    /// occur stay 0).
    func backward(_ ids: [Int], dOutput dx: FloatBuffer, batch: Int, steps: Int) {
        let c = width
        token.gradient.zero()
        position.gradient.zero()
        for (n, id) in ids.enumerated() {
            let d = dx.pointer + n * c, tok = token.gradient.pointer + id * c, pos = position.gradient.pointer + (n % steps) * c
            for i in 0..<c {
                tok[i] += d[i]
                pos[i] += d[i]
            }
        }
    }
}
