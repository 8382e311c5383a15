// SPDX-License-Identifier: MIT
// Softmax with cross-entropy over 10 classes, the loss and its gradient together: the
// gradient of the mean loss with respect to the logits is (softmax - onehot) / B, computed in
// the forward pass, so nothing is saved for it.
import Glibc

enum SoftmaxCrossEntropy {
    /// logits (B, classes) -> mean loss, dLogits (B, classes) and the number of rows whose
    /// largest logit is the label.
    static func lossAndGradient(_ logits: FloatBuffer, labels: [Int], classes: Int) -> (loss: Double, dLogits: FloatBuffer, correct: Int) {
        let batch = labels.count
        let dLogits = FloatBuffer(count: batch * classes, zeroed: false)
        var loss = 0.0, correct = 0
        for b in 0..<batch {
            let row = logits.pointer + b * classes, grad = dLogits.pointer + b * classes
            var top = 0
            for c in 1..<classes where row[c] > row[top] { top = c }
            if top == labels[b] { correct += 1 }
            // Subtracting the largest logit keeps exp() finite.
            var sum: Float = 0
            for c in 0..<classes { grad[c] = expf(row[c] - row[top]); sum += grad[c] }
            loss += Double(logf(sum) - (row[labels[b]] - row[top]))
            for c in 0..<classes { grad[c] = (grad[c] / sum - (c == labels[b] ? 1 : 0)) / Float(batch) }
        }
        return (loss / Double(batch), dLogits, correct)
    }
}
