// SPDX-License-Identifier: MIT
// The reference CNN: conv3x3·32 → max-pool → ReLU → conv3x3·64 → max-pool → ReLU → fc128 →
// ReLU → fc10, softmax cross-entropy. (Pooling before ReLU gives the same output as after,
// since max commutes with a monotone function, and costs a quarter of the ReLU work.)
// Activations are (C, B, H, W) in the convolutions, (B, features) after them.
//
// What the backward pass needs, saved in forward order (importance = depth):
//   1 conv1 input     (1, B, 28, 28)   conv1's weight gradient
//   2 pool1 argmax    (32, B, 14, 14)  routing pool1's gradient (values 0...3)
//   3 conv2 input     (32, B, 14, 14)  conv2's weight gradient and ReLU1's mask (> 0)
//   4 pool2 argmax    (64, B, 7, 7)    routing pool2's gradient
//   5 fc1 input       (B, 3136)        fc1's weight gradient and ReLU2's mask
//   6 fc2 input       (B, 128)         fc2's weight gradient and ReLU3's mask
// Nothing else is kept: im2col matrices are rebuilt in backward, and the loss gradient is
// computed in forward.
//
// In libdaf mode each tensor is saved by kind, in its own slot (its depth). Measured as the
// cosine between each weight gradient with libdaf 2-bit and with fp32 saves, mean over 4
// batches of a network trained 300 steps in fp32 (conv1.w, conv2.w, fc1.w, fc2.w):
//   every tensor at 2 bits, linear codes              0.602  0.732  0.719  0.955
//   + classifier input at 4 bits                      0.658  0.798  0.904  0.998
//   + ReLU outputs saved as square roots (default)    0.911  0.940  0.963  0.998
// - ReLU outputs (conv2, fc1 and fc2 inputs) are DAF_KIND_NONNEGATIVE: libdaf stores their
//   square roots and squares them back, so 2-bit codes stand for {0, 1/9, 4/9, 1} x the
//   group's maximum instead of {0, 1/3, 2/3, 1}, denser where ReLU outputs crowd, and only
//   values below 1/36 of the maximum (not 1/6) come back as 0, which would also switch off
//   their ReLU mask in backward (a companding quantizer, as in G.711's mu-law).
// - The argmaxes are DAF_KIND_INTEGER in 0...3: exact in 2 bits whatever the run's width.
// - Fixed-width runs give the classifier's input at least 4 bits: it is 1.6 % of the saved
//   bytes, and at 2 bits it alone cost a point of test accuracy (85.9 % against 87.1 % with it
//   kept exact, everything else at 2 bits, in a 20000 x 2 run of an earlier version), much as
//   ActNN (Chen et al., ICML 2021, §4) gives sensitive layers more bits. With automatic bits
//   there is no floor: libdaf's planner chooses every float tensor's width from its measured
//   ranges and the sensitivity the backward pass reports (reportGradient: the error it adds to
//   the layer's weight gradient relative to that gradient's own size).

final class Network {
    static let roles = [
        SaveRole(name: "conv1 input", slot: 0, depth: 1, kind: .float),
        SaveRole(name: "pool1 argmax", slot: 1, depth: 2, kind: .integer(maximum: 3)),
        SaveRole(name: "conv2 input", slot: 2, depth: 3, kind: .reluOutput),
        SaveRole(name: "pool2 argmax", slot: 3, depth: 4, kind: .integer(maximum: 3)),
        SaveRole(name: "fc1 input", slot: 4, depth: 5, kind: .reluOutput),
        SaveRole(name: "fc2 input", slot: 5, depth: 6, kind: .reluOutput, minimumBits: 4),
    ]
    static let side = 28, pooledSide = 7, features = 64 * 7 * 7, classes = 10

    let conv1: Conv3x3, conv2: Conv3x3, fc1: Dense, fc2: Dense
    let parallel: Parallel

    init(seed: UInt64, parallel: Parallel) {
        self.parallel = parallel
        var random = SeededRandom(seed: seed)
        conv1 = Conv3x3(inChannels: 1, outChannels: 32, parallel: parallel, random: &random)
        conv2 = Conv3x3(inChannels: 32, outChannels: 64, parallel: parallel, random: &random)
        fc1 = Dense(inputs: Self.features, outputs: 128, random: &random)
        fc2 = Dense(inputs: 128, outputs: Self.classes, random: &random)
    }

    var parameters: [Parameter] {
        [conv1.weight, conv1.bias, conv2.weight, conv2.bias, fc1.weight, fc1.bias, fc2.weight, fc2.bias]
    }

    /// The six saved tensors of one forward pass, in `roles` order.
    typealias Tape = [SavedTensor]

    /// images (1, B, 28, 28) -> logits (B, 10). With a store, saves what backward needs and
    /// returns the tape; without one (evaluation) saves nothing.
    func forward(_ images: FloatBuffer, batch: Int, store: ActivationStore?) throws -> (logits: FloatBuffer, tape: Tape) {
        var tape: Tape = []
        func keep(_ x: FloatBuffer) throws {
            if let store { tape.append(try store.save(x, Self.roles[tape.count])) }
        }
        let a1 = conv1.forward(images, batch: batch, height: 28, width: 28) // (32, B, 28, 28)
        try keep(images)
        let (r1, argmax1) = MaxPool2x2.forward(a1, planes: 32 * batch, height: 28, width: 28, parallel: parallel) // (32, B, 14, 14)
        try keep(argmax1)
        ReLU.forward(r1, parallel: parallel)
        let a2 = conv2.forward(r1, batch: batch, height: 14, width: 14) // (64, B, 14, 14)
        try keep(r1)
        let (p2, argmax2) = MaxPool2x2.forward(a2, planes: 64 * batch, height: 14, width: 14, parallel: parallel) // (64, B, 7, 7)
        try keep(argmax2)
        ReLU.forward(p2, parallel: parallel)
        let f = Self.flatten(p2, batch: batch) // (B, 3136)
        try keep(f)
        let h = fc1.forward(f, batch: batch) // (B, 128)
        ReLU.forward(h, parallel: parallel)
        try keep(h)
        return (fc2.forward(h, batch: batch), tape)
    }

    /// Sets every parameter's gradient from dLogits (B, 10), restoring and releasing the tape
    /// from the deepest tensor back.
    func backward(_ tape: Tape, dLogits: FloatBuffer, batch: Int, store: ActivationStore) throws {
        precondition(tape.count == Self.roles.count)
        let h = try store.restore(tape[5])
        let dh = fc2.backward(input: h, dOutput: dLogits, batch: batch) // (B, 128)
        try store.reportGradient(tape[5], dOutput: dLogits, positions: batch, taps: 1, weightGradient: fc2.weight.gradient)
        ReLU.backward(dh, output: h, parallel: parallel)
        try store.release(tape[5])

        let f = try store.restore(tape[4])
        let df = fc1.backward(input: f, dOutput: dh, batch: batch) // (B, 3136)
        try store.reportGradient(tape[4], dOutput: dh, positions: batch, taps: 1, weightGradient: fc1.weight.gradient)
        ReLU.backward(df, output: f, parallel: parallel)
        try store.release(tape[4])

        let dp2 = Self.unflatten(df, batch: batch) // (64, B, 7, 7)
        let argmax2 = try store.restore(tape[3])
        let da2 = MaxPool2x2.backward(dp2, argmax: argmax2, planes: 64 * batch, height: 14, width: 14, parallel: parallel)
        try store.release(tape[3])

        let r1 = try store.restore(tape[2])
        let dr1 = conv2.backward(input: r1, dOutput: da2, batch: batch, height: 14, width: 14, inputGradient: true)!
        try store.reportGradient(tape[2], dOutput: da2, positions: batch * 14 * 14, taps: 9, weightGradient: conv2.weight.gradient)
        ReLU.backward(dr1, output: r1, parallel: parallel)
        try store.release(tape[2])

        let argmax1 = try store.restore(tape[1])
        let da1 = MaxPool2x2.backward(dr1, argmax: argmax1, planes: 32 * batch, height: 28, width: 28, parallel: parallel)
        try store.release(tape[1])

        let images = try store.restore(tape[0])
        _ = conv1.backward(input: images, dOutput: da1, batch: batch, height: 28, width: 28, inputGradient: false)
        try store.reportGradient(tape[0], dOutput: da1, positions: batch * 28 * 28, taps: 9, weightGradient: conv1.weight.gradient)
        try store.release(tape[0])
    }

    /// (64, B, 7, 7) -> (B, 64 * 49): each example's features in one row.
    static func flatten(_ x: FloatBuffer, batch: Int) -> FloatBuffer {
        let plane = pooledSide * pooledSide, channels = features / plane
        let out = FloatBuffer(count: x.count, zeroed: false)
        for c in 0..<channels {
            for b in 0..<batch {
                (out.pointer + b * features + c * plane).update(from: x.pointer + (c * batch + b) * plane, count: plane)
            }
        }
        return out
    }

    /// The inverse of flatten: (B, 64 * 49) -> (64, B, 7, 7).
    static func unflatten(_ x: FloatBuffer, batch: Int) -> FloatBuffer {
        let plane = pooledSide * pooledSide, channels = features / plane
        let out = FloatBuffer(count: x.count, zeroed: false)
        for c in 0..<channels {
            for b in 0..<batch {
                (out.pointer + (c * batch + b) * plane).update(from: x.pointer + b * features + c * plane, count: plane)
            }
        }
        return out
    }
}
