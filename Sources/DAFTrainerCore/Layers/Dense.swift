// SPDX-License-Identifier: MIT
// A fully connected layer, forward and backward side by side. Inputs are (B, in), outputs
// (B, out); the backward pass needs the input, which the caller saves and hands back.

final class Dense {
    let inputs: Int, outputs: Int
    let weight: Parameter // (outputs, inputs)
    let bias: Parameter   // (outputs)

    /// He-initialized weights (the CNN's ReLU layers); with `std`, N(0, std²) instead.
    init(inputs: Int, outputs: Int, std: Float? = nil, random: inout SeededRandom) {
        self.inputs = inputs
        self.outputs = outputs
        weight = Parameter(count: outputs * inputs, std: std ?? (2 / Float(inputs)).squareRoot(), random: &random)
        bias = Parameter(count: outputs, std: 0, random: &random)
    }

    /// input (B, in) -> output (B, out) = input * W^T + bias.
    func forward(_ input: FloatBuffer, batch: Int) -> FloatBuffer {
        let output = FloatBuffer(count: batch * outputs, zeroed: false)
        for b in 0..<batch { (output.pointer + b * outputs).update(from: bias.value.pointer, count: outputs) }
        Matmul.gemm(input.pointer, weight.value.pointer, transposeB: true, into: output.pointer,
                    m: batch, n: outputs, k: inputs, beta: 1)
        return output
    }

    /// Sets the gradients from the saved input (B, in) and dOutput (B, out); returns dInput (B, in).
    func backward(input: FloatBuffer, dOutput: FloatBuffer, batch: Int) -> FloatBuffer {
        // dW (out, in) = dOutput^T (out, B) * input (B, in)
        Matmul.gemm(dOutput.pointer, transposeA: true, input.pointer, into: weight.gradient.pointer,
                    m: outputs, n: inputs, k: batch)
        sumMatrix(dOutput.pointer, rows: batch, columns: outputs, alongRows: false, into: bias.gradient.pointer)
        // dInput (B, in) = dOutput (B, out) * W (out, in)
        let dInput = FloatBuffer(count: batch * inputs, zeroed: false)
        Matmul.gemm(dOutput.pointer, weight.value.pointer, into: dInput.pointer, m: batch, n: inputs, k: outputs)
        return dInput
    }
}
