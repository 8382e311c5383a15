// SPDX-License-Identifier: MIT
// One pre-layer-norm transformer block (as GPT-2): x + attention(LN1(x)), then + MLP(LN2(·)),
// the MLP being C -> 4C, GELU, 4C -> C. Activations are (B, T, C) rows, N = B * T of them.
// What it saves for backward, in forward order (slot = block * 16 + index):
//   0 ln1 input   (B, T, C)     LN1's backward; LN1's output (QKV's input) is recomputed from it
//   1 qkv         (B, T, 3C)    attention backward (Q, K and V)
//   2 att probs   (B, H, T(T+1)/2)  attention backward: the softmax rows without the masked
//                               future (lower triangles only, half of (B, H, T, T))
//   3 att output  (B, T, C)     the output projection's weight gradient
//   4 ln2 input   (B, T, C)     LN2's backward; LN2's output (the MLP's input) is recomputed
//   5 gelu input  (B, T, 4C)    GELU's backward; its output (fc2's input) is recomputed
// Residual additions need nothing; layer-norm means and 1/std are recomputed from the inputs.
// Backward reports each restored tensor's sensitivity (automatic bits): the squared norm of the
// gradient it meets in a product, per position (ActivationStore.reportGradient): the GELU
// input fc2's dy, the LN inputs the gradient at fc1's and QKV's outputs (scaled by 1/variance,
// reportLayerNormInput), the attention output the projection's dy, and the probabilities and
// QKV the attention output's gradient, over T positions (each value of P and of V meets T rows
// of it in dV = Pᵀ dO and dP = dO Vᵀ).

final class GPTBlock {
    static let rolesPerBlock = 6
    let index: Int, width: Int
    let ln1: LayerNorm, qkv: Dense, attention: CausalSelfAttention, projection: Dense
    let ln2: LayerNorm, fc1: Dense, fc2: Dense
    let roles: [SaveRole]
    let parallel: Parallel

    /// Weights N(0, 0.02²), the residual projections' scaled by 1/sqrt(2 * layers) (GPT-2:
    /// each block adds two terms to the residual stream, whose variance would otherwise grow).
    init(index: Int, layers: Int, width c: Int, heads: Int, parallel: Parallel, random: inout SeededRandom) {
        (self.index, self.width, self.parallel) = (index, c, parallel)
        let residualStd = 0.02 / Float(2 * layers).squareRoot()
        ln1 = LayerNorm(width: c, random: &random)
        qkv = Dense(inputs: c, outputs: 3 * c, std: 0.02, random: &random)
        attention = CausalSelfAttention(heads: heads, width: c)
        projection = Dense(inputs: c, outputs: c, std: residualStd, random: &random)
        ln2 = LayerNorm(width: c, random: &random)
        fc1 = Dense(inputs: c, outputs: 4 * c, std: 0.02, random: &random)
        fc2 = Dense(inputs: 4 * c, outputs: c, std: residualStd, random: &random)
        let names: [(String, SaveKind)] = [("ln1 input", .float), ("qkv", .float), ("att probs", .probabilities),
                                           ("att output", .float), ("ln2 input", .float), ("gelu input", .float)]
        roles = names.enumerated().map { k, role in
            SaveRole(name: "block\(index) \(role.0)", slot: index * 16 + k, depth: index * Self.rolesPerBlock + k + 1, kind: role.1)
        }
    }

    /// (parameter, takes weight decay) in a fixed order.
    var parameters: [(Parameter, Bool)] {
        [(ln1.gain, false), (ln1.shift, false), (qkv.weight, true), (qkv.bias, false), (projection.weight, true),
         (projection.bias, false), (ln2.gain, false), (ln2.shift, false), (fc1.weight, true), (fc1.bias, false),
         (fc2.weight, true), (fc2.bias, false)]
    }

    /// x (B, T, C) -> (B, T, C); with a store, appends this block's six saved tensors to `tape`.
    func forward(_ x: FloatBuffer, batch: Int, steps: Int, store: ActivationStore?, tape: inout [SavedTensor]) throws -> FloatBuffer {
        let n = batch * steps
        func keep(_ t: FloatBuffer, _ k: Int) throws {
            if let store { tape.append(try store.save(t, roles[k])) }
        }
        try keep(x, 0)
        let q = qkv.forward(ln1.forward(x, rows: n, parallel: parallel), batch: n) // (B, T, 3C)
        try keep(q, 1)
        let (o, p) = attention.forward(q, batch: batch, steps: steps) // (B, T, C), (B, H, T, T)
        try keep(CausalSelfAttention.lowerTriangles(p, matrices: batch * attention.heads, steps: steps), 2)
        try keep(o, 3)
        let x2 = projection.forward(o, batch: n) // (B, T, C)
        add(x, into: x2)
        try keep(x2, 4)
        let h = fc1.forward(ln2.forward(x2, rows: n, parallel: parallel), batch: n) // (B, T, 4C)
        try keep(h, 5)
        let y = fc2.forward(GELU.forward(h, parallel: parallel), batch: n) // (B, T, C)
        add(x2, into: y)
        return y
    }

    /// The block's six saved tensors (forward order) and dy (B, T, C) -> dx (B, T, C); sets every
    /// parameter's gradient, releasing each tensor once read.
    func backward(_ tape: ArraySlice<SavedTensor>, dOutput dy: FloatBuffer, batch: Int, steps: Int,
                  store: ActivationStore) throws -> FloatBuffer {
        precondition(tape.count == Self.rolesPerBlock)
        let saved = Array(tape), n = batch * steps
        let h = try store.restore(saved[5]) // (B, T, 4C)
        try store.reportGradient(saved[5], dOutput: dy, positions: n, taps: 1)
        let dg = fc2.backward(input: GELU.forward(h, parallel: parallel), dOutput: dy, batch: n)
        let dh = GELU.backward(input: h, dOutput: dg, parallel: parallel)
        try store.release(saved[5])

        let x2 = try store.restore(saved[4]) // (B, T, C)
        let db = fc1.backward(input: ln2.forward(x2, rows: n, parallel: parallel), dOutput: dh, batch: n)
        try store.reportLayerNormInput(saved[4], input: x2, width: width, dOutput: dh, positions: n)
        let dx2 = ln2.backward(input: x2, dOutput: db, rows: n)
        add(dy, into: dx2) // the residual path
        try store.release(saved[4])

        let o = try store.restore(saved[3]) // (B, T, C)
        let dO = projection.backward(input: o, dOutput: dx2, batch: n)
        try store.reportGradient(saved[3], dOutput: dx2, positions: n, taps: 1)
        try store.release(saved[3])

        let p = CausalSelfAttention.fullMatrices(try store.restore(saved[2]), matrices: batch * attention.heads, steps: steps)
        let q = try store.restore(saved[1])
        try store.reportGradient(saved[2], dOutput: dO, positions: steps, taps: 1)
        try store.reportGradient(saved[1], dOutput: dO, positions: steps, taps: 1)
        let dq = attention.backward(qkv: q, probabilities: p, dOutput: dO, batch: batch, steps: steps) // (B, T, 3C)
        try store.release(saved[2])
        try store.release(saved[1])

        let x = try store.restore(saved[0]) // (B, T, C)
        let da = qkv.backward(input: ln1.forward(x, rows: n, parallel: parallel), dOutput: dq, batch: n)
        try store.reportLayerNormInput(saved[0], input: x, width: width, dOutput: dq, positions: n)
        let dx = ln1.backward(input: x, dOutput: da, rows: n)
        add(dx2, into: dx)
        try store.release(saved[0])
        return dx
    }
}

/// y += x, element-wise (residual connections and their gradients).
func add(_ x: FloatBuffer, into y: FloatBuffer) {
    precondition(x.count == y.count)
    let a = x.pointer, b = y.pointer
    for i in 0..<x.count { b[i] += a[i] }
}
