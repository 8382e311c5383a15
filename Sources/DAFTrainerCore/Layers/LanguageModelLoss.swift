// SPDX-License-Identifier: MIT
// The language model's loss: softmax over the byte vocabulary and cross-entropy against the
// next byte, forward and backward side by side. Forward returns the probabilities, which the
// caller saves; backward turns them into dLogits = (probs - onehot(target)) / N. (The CNN's
// SoftmaxCrossEntropy computes its gradient in forward instead; here the probabilities are a
// saved tensor on purpose, the largest one after attention's, as in llm.c.)
import Glibc

enum LanguageModelLoss {
    /// logits (N, V) and targets (N) -> probabilities (N, V) and the mean loss in nats.
    static func forward(_ logits: FloatBuffer, targets: [Int], vocabulary v: Int) -> (probabilities: FloatBuffer, loss: Double) {
        let n = targets.count
        precondition(logits.count == n * v)
        let probs = FloatBuffer(count: n * v, zeroed: false)
        var loss = 0.0
        for r in 0..<n {
            let row = logits.pointer + r * v, p = probs.pointer + r * v
            Softmax.row(row, into: p, count: v)
            loss -= Double(logf(max(p[targets[r]], Float.leastNormalMagnitude)))
        }
        return (probs, loss / Double(n))
    }

    /// Saved probabilities (N, V) and targets (N) -> dLogits (N, V) of the mean loss.
    static func backward(probabilities: FloatBuffer, targets: [Int], vocabulary v: Int) -> FloatBuffer {
        let n = targets.count, scale = 1 / Float(n)
        let d = FloatBuffer(count: n * v, zeroed: false)
        for r in 0..<n {
            let p = probabilities.pointer + r * v, out = d.pointer + r * v
            for i in 0..<v { out[i] = p[i] * scale }
            out[targets[r]] -= scale
        }
        return d
    }
}

enum Softmax {
    /// out[i] = exp(x[i] - max) / sum: subtracting the row's largest value keeps exp() finite.
    static func row(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        var top = x[0]
        for i in 1..<count where x[i] > top { top = x[i] }
        var sum: Float = 0
        for i in 0..<count {
            out[i] = expf(x[i] - top)
            sum += out[i]
        }
        let inverse = 1 / sum
        for i in 0..<count { out[i] *= inverse }
    }
}
