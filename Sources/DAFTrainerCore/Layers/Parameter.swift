// SPDX-License-Identifier: MIT
// A trainable tensor with its gradient and its optimizer state (the momentum of SGD).

final class Parameter {
    let value: FloatBuffer
    let gradient: FloatBuffer
    let velocity: FloatBuffer

    /// Weights drawn from N(0, 2 / fanIn) (He, Zhang, Ren, Sun, "Delving deep into rectifiers",
    /// 2015: keeps the variance of ReLU activations constant through the layers); fanIn 0
    /// gives zeros (biases).
    init(count: Int, fanIn: Int, random: inout SeededRandom) {
        value = FloatBuffer(count: count)
        gradient = FloatBuffer(count: count)
        velocity = FloatBuffer(count: count)
        if fanIn > 0 {
            let std = (2 / Float(fanIn)).squareRoot()
            for i in 0..<count { value[i] = random.normal() * std }
        }
    }
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
