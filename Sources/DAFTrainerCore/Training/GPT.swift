// SPDX-License-Identifier: MIT
// The reference byte-level GPT: token + position embeddings, N pre-LN blocks (GPTBlock.swift),
// a final layer norm and an untied LM head (its own (256, C) matrix, not the token table),
// softmax cross-entropy on the next byte. Activations are (B, T, C) rows.
// Besides the blocks' tensors it saves (slot = layers * 16 + index):
//   0 final LN input  (B, T, C)    the final LN's backward; its output (the head's input) is recomputed.
//                                  A bottleneck: every gradient of the network goes through this
//                                  LN's backward, with no residual path around it
//   1 LM probs        (B, T, 256)  the loss gradient (probs - onehot) / N
// Token ids and targets are the batch itself, held by the trainer like the CNN's labels.
// Sensitivities (automatic bits; GPTBlock.swift): the final LN input meets the loss gradient in
// the head's weight gradient (scaled by 1/variance); an error e in the probabilities is an
// error e / N in that loss gradient, which meets the head's input (N rows): |input|² / N³.

/// The GPT's size.
public struct GPTShape: Sendable, Equatable {
    public var layers = 4
    public var width = 128
    public var heads = 4
    public var context = 64
    public var vocabulary = FortuneText.vocabulary

    public init() {}

    /// Trainable values: embeddings, 12 C² + 13 C per block, final LN, head.
    public var parameterCount: Int {
        let c = width
        return vocabulary * c + context * c + layers * (12 * c * c + 13 * c) + 2 * c + vocabulary * c + vocabulary
    }
}

final class GPT {
    let shape: GPTShape
    let embedding: Embedding
    let blocks: [GPTBlock]
    let lnFinal: LayerNorm
    let head: Dense // (V, C) weight
    let roles: [SaveRole]
    let parallel: Parallel

    init(shape: GPTShape, seed: UInt64, parallel: Parallel) {
        self.shape = shape
        self.parallel = parallel
        var random = SeededRandom(seed: seed)
        embedding = Embedding(vocabulary: shape.vocabulary, context: shape.context, width: shape.width, random: &random)
        blocks = (0..<shape.layers).map {
            GPTBlock(index: $0, layers: shape.layers, width: shape.width, heads: shape.heads, parallel: parallel, random: &random)
        }
        lnFinal = LayerNorm(width: shape.width, random: &random)
        head = Dense(inputs: shape.width, outputs: shape.vocabulary, std: 0.02, random: &random)
        let base = shape.layers * GPTBlock.rolesPerBlock, slot = shape.layers * 16
        roles = [SaveRole(name: "final ln input", slot: slot, depth: base + 1, isBottleneck: true),
                 SaveRole(name: "lm probs", slot: slot + 1, depth: base + 2, kind: .probabilities)]
    }

    /// (parameter, takes weight decay) in a fixed order.
    var parameters: [(Parameter, Bool)] {
        [(embedding.token, true), (embedding.position, true)] + blocks.flatMap(\.parameters)
            + [(lnFinal.gain, false), (lnFinal.shift, false), (head.weight, true), (head.bias, false)]
    }

    /// Every role saved in one step, in forward order.
    var allRoles: [SaveRole] { blocks.flatMap(\.roles) + roles }

    /// ids and targets (B, T) -> mean loss in nats. With a store, saves what backward needs and
    /// returns the tape; without one (evaluation) saves nothing.
    func forward(ids: [Int], targets: [Int], batch: Int, steps: Int, store: ActivationStore?) throws -> (loss: Double, tape: [SavedTensor]) {
        var tape: [SavedTensor] = []
        var x = embedding.forward(ids, batch: batch, steps: steps) // (B, T, C)
        for block in blocks { x = try block.forward(x, batch: batch, steps: steps, store: store, tape: &tape) }
        if let store { tape.append(try store.save(x, roles[0])) }
        let n = batch * steps
        let logits = head.forward(lnFinal.forward(x, rows: n, parallel: parallel), batch: n) // (B, T, V)
        let (probs, loss) = LanguageModelLoss.forward(logits, targets: targets, vocabulary: shape.vocabulary)
        if let store { tape.append(try store.save(probs, roles[1])) }
        return (loss, tape)
    }

    /// Sets every parameter's gradient, restoring and releasing the tape from the deepest back.
    func backward(_ tape: [SavedTensor], ids: [Int], targets: [Int], batch: Int, steps: Int, store: ActivationStore) throws {
        let blockTensors = shape.layers * GPTBlock.rolesPerBlock, n = batch * steps
        precondition(tape.count == blockTensors + 2)
        let probs = try store.restore(tape[blockTensors + 1]) // (B, T, V)
        let dLogits = LanguageModelLoss.backward(probabilities: probs, targets: targets, vocabulary: shape.vocabulary)
        try store.release(tape[blockTensors + 1])

        let xf = try store.restore(tape[blockTensors]) // (B, T, C)
        let headInput = lnFinal.forward(xf, rows: n, parallel: parallel) // (B, T, C)
        try store.reportGradient(tape[blockTensors + 1], dOutput: headInput, positions: n, taps: 1, scale: 1 / Double(n * n))
        try store.reportLayerNormInput(tape[blockTensors], input: xf, width: shape.width, dOutput: dLogits, positions: n)
        let dy = head.backward(input: headInput, dOutput: dLogits, batch: n)
        var dx = lnFinal.backward(input: xf, dOutput: dy, rows: n)
        try store.release(tape[blockTensors])

        for block in blocks.reversed() {
            let first = block.index * GPTBlock.rolesPerBlock
            dx = try block.backward(tape[first..<first + GPTBlock.rolesPerBlock], dOutput: dx, batch: batch, steps: steps, store: store)
        }
        embedding.backward(ids, dOutput: dx, batch: batch, steps: steps)
    }
}
