// SPDX-License-Identifier: MIT
// The GPT's layers against finite differences: for each layer, a scalar loss (the output's dot
// product with a fixed random tensor, or the cross-entropy itself), and at the coordinates with
// the largest analytic gradients plus a few random ones, (L(w + e) - L(w - e)) / 2e must equal
// what backward computed. Then the whole small GPT, every parameter tensor, the same way.
@testable import DAFTrainerCore
import Testing

/// N(0, std²) values from `seed`, plus `offset`.
func randomBuffer(_ count: Int, seed: UInt64, std: Float = 1, offset: Float = 0) -> FloatBuffer {
    var random = SeededRandom(seed: seed)
    let b = FloatBuffer(count: count)
    for i in 0..<count { b[i] = random.normal() * std + offset }
    return b
}

/// <a, b> in double precision.
func dot(_ a: FloatBuffer, _ b: FloatBuffer) -> Double {
    precondition(a.count == b.count)
    var s = 0.0
    for i in 0..<a.count { s += Double(a[i]) * Double(b[i]) }
    return s
}

/// Checks `analytic` (the gradient of loss() with respect to `values`) at its 3 largest and 3
/// seeded random coordinates by central differences.
func expectFiniteDifferences(_ name: String, _ values: FloatBuffer, analytic: [Float], seed: UInt64 = 1, step e: Float = 1e-3,
                             loss: () throws -> Double) rethrows {
    precondition(values.count == analytic.count)
    var random = SeededRandom(seed: seed)
    let largest = analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(3)
    let picked = Array(largest) + (0..<3).map { _ in Int(random.next() % UInt64(values.count)) }
    for i in picked {
        let saved = values[i]
        values[i] = saved + e
        let up = try loss()
        values[i] = saved - e
        let down = try loss()
        values[i] = saved
        let numeric = (up - down) / Double(2 * e), a = Double(analytic[i])
        #expect(abs(numeric - a) <= 2e-3 + 0.02 * abs(a), "\(name)[\(i)] of \(values.count): analytic \(a), numeric \(numeric)")
    }
}

@Suite("GPT gradients")
struct GPTGradientTests {
    let parallel = Parallel(threads: 1)

    @Test("layer norm: input, gain and shift (rows with a large mean)")
    func layerNorm() {
        let rows = 5, c = 12
        var random = SeededRandom(seed: 3)
        let ln = LayerNorm(width: c, random: &random)
        for i in 0..<c { ln.gain.value[i] = 1 + 0.3 * random.normal(); ln.shift.value[i] = 0.2 * random.normal() }
        let x = randomBuffer(rows * c, seed: 4, std: 2, offset: 30), r = randomBuffer(rows * c, seed: 5)
        func loss() -> Double { dot(ln.forward(x, rows: rows, parallel: parallel), r) }
        let dx = ln.backward(input: x, dOutput: r, rows: rows)
        expectFiniteDifferences("ln dx", x, analytic: dx.array, step: 1e-2, loss: loss)
        expectFiniteDifferences("ln gain", ln.gain.value, analytic: ln.gain.gradient.array, loss: loss)
        expectFiniteDifferences("ln shift", ln.shift.value, analytic: ln.shift.gradient.array, loss: loss)
    }

    @Test("GELU (tanh approximation)")
    func gelu() {
        let x = randomBuffer(37, seed: 6, std: 2), r = randomBuffer(37, seed: 7)
        let dx = GELU.backward(input: x, dOutput: r, parallel: parallel)
        expectFiniteDifferences("gelu dx", x, analytic: dx.array) { dot(GELU.forward(x, parallel: parallel), r) }
        // GELU(0) = 0, GELU(x) -> x for large x, -> 0 for very negative x.
        let probe = FloatBuffer(count: 3)
        (probe[0], probe[1], probe[2]) = (0, 10, -10)
        let y = GELU.forward(probe, parallel: parallel)
        #expect(y[0] == 0 && abs(y[1] - 10) < 1e-4 && abs(y[2]) < 1e-4, "\(y.array)")
    }

    @Test("causal attention: dQKV, and no output depends on a later token")
    func attention() {
        let batch = 2, t = 5, c = 8
        let attention = CausalSelfAttention(heads: 2, width: c)
        let qkv = randomBuffer(batch * t * 3 * c, seed: 8), r = randomBuffer(batch * t * c, seed: 9)
        func loss() -> Double { dot(attention.forward(qkv, batch: batch, steps: t).output, r) }
        let (_, p) = attention.forward(qkv, batch: batch, steps: t)
        for row in 0..<(batch * 2 * t) {
            let sum = (0..<t).reduce(Float(0)) { $0 + p[row * t + $1] }
            #expect(abs(sum - 1) < 1e-5 && (row % t + 1..<t).allSatisfy { p[row * t + $0] == 0 }, "row \(row) of P")
        }
        let triangles = CausalSelfAttention.lowerTriangles(p, matrices: batch * 2, steps: t)
        #expect(triangles.count == batch * 2 * t * (t + 1) / 2)
        #expect(CausalSelfAttention.fullMatrices(triangles, matrices: batch * 2, steps: t).array == p.array, "triangles round-trip")
        let dqkv = attention.backward(qkv: qkv, probabilities: p, dOutput: r, batch: batch, steps: t)
        expectFiniteDifferences("attention dqkv", qkv, analytic: dqkv.array, loss: loss)
        // Causality: the last token's q, k, v reach only the last output row.
        let before = attention.forward(qkv, batch: batch, steps: t).output
        qkv[(t - 1) * 3 * c] += 1; qkv[(t - 1) * 3 * c + c] += 1; qkv[(t - 1) * 3 * c + 2 * c] += 1
        let after = attention.forward(qkv, batch: batch, steps: t).output
        #expect((0..<(t - 1) * c).allSatisfy { before[$0] == after[$0] })
    }

    @Test("embedding: token and position tables")
    func embedding() {
        var random = SeededRandom(seed: 10)
        let e = Embedding(vocabulary: 7, context: 6, width: 3, random: &random)
        let ids = [1, 4, 4, 0, 6, 1, 2, 2], r = randomBuffer(8 * 3, seed: 11)
        func loss() -> Double { dot(e.forward(ids, batch: 2, steps: 4), r) }
        e.backward(ids, dOutput: r, batch: 2, steps: 4)
        expectFiniteDifferences("token table", e.token.value, analytic: e.token.gradient.array, loss: loss)
        expectFiniteDifferences("position table", e.position.value, analytic: e.position.gradient.array, loss: loss)
        #expect((0..<3).allSatisfy { e.token.gradient[3 * 3 + $0] == 0 } && (12..<18).allSatisfy { e.position.gradient[$0] == 0 },
                "unused rows get no gradient")
    }

    @Test("LM head with softmax cross-entropy: input, weight and bias")
    func lmHead() {
        let n = 6, c = 5, v = 11, targets = [3, 0, 10, 3, 7, 1]
        var random = SeededRandom(seed: 12)
        let head = Dense(inputs: c, outputs: v, std: 0.5, random: &random)
        let x = randomBuffer(n * c, seed: 13)
        func loss() -> Double { LanguageModelLoss.forward(head.forward(x, batch: n), targets: targets, vocabulary: v).loss }
        let (probs, _) = LanguageModelLoss.forward(head.forward(x, batch: n), targets: targets, vocabulary: v)
        let dx = head.backward(input: x, dOutput: LanguageModelLoss.backward(probabilities: probs, targets: targets, vocabulary: v), batch: n)
        expectFiniteDifferences("head dx", x, analytic: dx.array, loss: loss)
        expectFiniteDifferences("head weight", head.weight.value, analytic: head.weight.gradient.array, loss: loss)
        expectFiniteDifferences("head bias", head.bias.value, analytic: head.bias.gradient.array, loss: loss)
        // Huge logits stay finite (the softmax subtracts the row maximum).
        let big = FloatBuffer(count: v)
        for i in 0..<v { big[i] = Float(i) * 1000 }
        #expect(LanguageModelLoss.forward(big, targets: [v - 1], vocabulary: v).loss.isFinite)
    }

    @Test("the whole small GPT: every parameter tensor, through the store and its recomputations")
    func wholeModel() throws {
        var shape = GPTShape()
        (shape.layers, shape.width, shape.heads, shape.context) = (2, 8, 2, 6)
        let gpt = GPT(shape: shape, seed: 14, parallel: parallel)
        // Larger weights than the 0.02 start, so that every path carries a visible gradient.
        for (p, _) in gpt.parameters where p.value.count > 8 {
            for i in 0..<p.value.count { p.value[i] *= 10 }
        }
        var random = SeededRandom(seed: 15)
        let ids = (0..<12).map { _ in Int(random.next() % 256) }, targets = (0..<12).map { _ in Int(random.next() % 256) }
        func loss() throws -> Double { try gpt.forward(ids: ids, targets: targets, batch: 2, steps: 6, store: nil).loss }
        let store = PlainStore()
        let (_, tape) = try gpt.forward(ids: ids, targets: targets, batch: 2, steps: 6, store: store)
        #expect(tape.count == 2 * 6 + 2 && Set(tape.map(\.role.slot)).count == tape.count, "one distinct slot per saved tensor")
        try gpt.backward(tape, ids: ids, targets: targets, batch: 2, steps: 6, store: store)
        #expect(try store.usage().liveBytes == 0, "backward released everything")
        for (k, (p, _)) in gpt.parameters.enumerated() {
            try expectFiniteDifferences("parameter \(k)", p.value, analytic: p.gradient.array, seed: UInt64(k), loss: loss)
        }
    }
}
