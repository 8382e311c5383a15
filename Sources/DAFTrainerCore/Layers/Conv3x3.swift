// SPDX-License-Identifier: MIT
// A 3x3 convolution, padding 1, stride 1, by im2col + sgemm: forward and backward side by side.
// Activations are (C, B, H, W). The backward pass needs the layer's input, which the caller
// saves (fp32 or libdaf) and hands back; the im2col matrix is rebuilt from it, never kept.

final class Conv3x3 {
    let inChannels: Int, outChannels: Int
    let weight: Parameter // (outChannels, inChannels * 9)
    let bias: Parameter   // (outChannels)
    let parallel: Parallel
    private var cols = FloatBuffer(count: 0) // im2col workspace, grown on demand

    init(inChannels: Int, outChannels: Int, parallel: Parallel, random: inout SeededRandom) {
        self.parallel = parallel
        self.inChannels = inChannels
        self.outChannels = outChannels
        weight = Parameter(count: outChannels * inChannels * 9, fanIn: inChannels * 9, random: &random)
        bias = Parameter(count: outChannels, fanIn: 0, random: &random)
    }

    private func workspace(_ s: ConvShape) -> FloatBuffer {
        if cols.count < s.patchRows * s.positions { cols = FloatBuffer(count: s.patchRows * s.positions, zeroed: false) }
        return cols
    }

    /// input (Cin, B, H, W) -> output (Cout, B, H, W) = W * im2col(input) + bias.
    func forward(_ input: FloatBuffer, batch: Int, height: Int, width: Int) -> FloatBuffer {
        let s = ConvShape(channels: inChannels, batch: batch, height: height, width: width)
        let cols = workspace(s)
        Im2Col.forward(input.pointer, s, cols: cols.pointer, parallel: parallel)
        let output = FloatBuffer(count: outChannels * s.positions, zeroed: false)
        for o in 0..<outChannels {
            (output.pointer + o * s.positions).update(repeating: bias.value[o], count: s.positions)
        }
        Matmul.gemm(weight.value.pointer, cols.pointer, into: output.pointer,
                    m: outChannels, n: s.positions, k: s.patchRows, beta: 1)
        return output
    }

    /// Sets the weight and bias gradients from the saved input (Cin, B, H, W) and dOutput
    /// (Cout, B, H, W); returns dInput (Cin, B, H, W) when `inputGradient` (the first layer
    /// needs none).
    func backward(input: FloatBuffer, dOutput: FloatBuffer, batch: Int, height: Int, width: Int,
                  inputGradient: Bool) -> FloatBuffer? {
        let s = ConvShape(channels: inChannels, batch: batch, height: height, width: width)
        let cols = workspace(s)
        Im2Col.forward(input.pointer, s, cols: cols.pointer, parallel: parallel)
        // dW (Cout, Cin*9) = dOutput (Cout, B*H*W) * cols^T
        Matmul.gemm(dOutput.pointer, cols.pointer, transposeB: true, into: weight.gradient.pointer,
                    m: outChannels, n: s.patchRows, k: s.positions)
        sumMatrix(dOutput.pointer, rows: outChannels, columns: s.positions, alongRows: true, into: bias.gradient.pointer)
        guard inputGradient else { return nil }
        // dCols (Cin*9, B*H*W) = W^T * dOutput, reusing the workspace; then col2im.
        Matmul.gemm(weight.value.pointer, transposeA: true, dOutput.pointer, into: cols.pointer,
                    m: s.patchRows, n: s.positions, k: outChannels)
        let dInput = FloatBuffer(count: inChannels * s.positions, zeroed: false)
        Im2Col.backward(cols.pointer, s, dInput: dInput.pointer, parallel: parallel)
        return dInput
    }
}
