// SPDX-License-Identifier: MIT
// A trainable tensor with its gradient and its optimizer state (SGD's momentum, or AdamW's
// first moment; AdamW keeps the second moment itself).

final class Parameter {
    let value: FloatBuffer
    let gradient: FloatBuffer
    let velocity: FloatBuffer

    /// Weights drawn from N(0, 2 / fanIn) (He, Zhang, Ren, Sun, "Delving deep into rectifiers",
    /// 2015: keeps the variance of ReLU activations constant through the layers); fanIn 0
    /// gives zeros (biases).
    convenience init(count: Int, fanIn: Int, random: inout SeededRandom) {
        self.init(count: count, std: fanIn > 0 ? (2 / Float(fanIn)).squareRoot() : 0, random: &random)
    }

    /// Weights drawn from N(0, std²); std 0 gives zeros.
    init(count: Int, std: Float, random: inout SeededRandom) {
        value = FloatBuffer(count: count)
        gradient = FloatBuffer(count: count)
        velocity = FloatBuffer(count: count)
        if std > 0 {
            for i in 0..<count { value[i] = random.normal() * std }
        }
    }

    /// Every value set to `x` (layer-norm gains start at 1).
    func fill(_ x: Float) { value.pointer.update(repeating: x, count: value.count) }
}

/// Sums the rows of a (rows x columns) matrix into out[columns] (bias gradients of dense
/// layers), or the columns into out[rows] when `alongRows` (bias gradients of convolutions).
func sumMatrix(_ m: UnsafePointer<Float>, rows: Int, columns: Int, alongRows: Bool, into out: UnsafeMutablePointer<Float>) {
    if alongRows {
        for r in 0..<rows {
            var sum: Float = 0
            let row = m + r * columns
            for c in 0..<columns { sum += row[c] }
            out[r] = sum
        }
    } else {
        out.update(repeating: 0, count: columns)
        for r in 0..<rows {
            let row = m + r * columns
            for c in 0..<columns { out[c] += row[c] }
        }
    }
}
