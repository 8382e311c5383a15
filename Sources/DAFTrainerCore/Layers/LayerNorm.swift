// SPDX-License-Identifier: MIT
// Layer normalization over the last axis (Ba, Kiros, Hinton, "Layer normalization", 2016),
// forward and backward side by side. The backward pass reads only the layer's input: it
// recomputes each row's mean and 1/std from it instead of keeping them (a pass over C values).

final class LayerNorm {
    let width: Int
    let gain: Parameter // (C), starts at 1
    let shift: Parameter // (C), starts at 0
    static let epsilon: Float = 1e-5

    init(width: Int, random: inout SeededRandom) {
        self.width = width
        gain = Parameter(count: width, std: 0, random: &random)
        gain.fill(1)
        shift = Parameter(count: width, std: 0, random: &random)
    }

    /// One row's mean and 1/sqrt(variance + eps), two passes (the mean first, then the squared
    /// deviations from it: no cancellation of a large mean, unlike E[x²] - E[x]²).
    static func statistics(_ row: UnsafePointer<Float>, _ c: Int) -> (mean: Float, rstd: Float) {
        var sum: Float = 0
        for i in 0..<c { sum += row[i] }
        let mean = sum / Float(c)
        var squares: Float = 0
        for i in 0..<c { let d = row[i] - mean; squares += d * d }
        return (mean, 1 / (squares / Float(c) + epsilon).squareRoot())
    }

    /// x (N, C) -> y (N, C) = (x - mean) * rstd * gain + shift, per row.
    func forward(_ x: FloatBuffer, rows: Int, parallel: Parallel) -> FloatBuffer {
        let c = width, y = FloatBuffer(count: rows * c, zeroed: false)
        let g = gain.value.pointer, s = shift.value.pointer, xp = x.pointer, yp = y.pointer
        parallel.forEachChunk(rows) { range in
            for r in range {
                let row = xp + r * c, out = yp + r * c
                let (mean, rstd) = Self.statistics(row, c)
                for i in 0..<c { out[i] = (row[i] - mean) * rstd * g[i] + s[i] }
            }
        }
        return y
    }

    /// From the saved input x (N, C) and dy (N, C): sets the gain and shift gradients and
    /// returns dx (N, C) = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), where
    /// dxhat = dy * gain.
    func backward(input x: FloatBuffer, dOutput dy: FloatBuffer, rows: Int) -> FloatBuffer {
        let c = width, dx = FloatBuffer(count: rows * c, zeroed: false)
        let g = gain.value.pointer, dg = gain.gradient.pointer, ds = shift.gradient.pointer
        dg.update(repeating: 0, count: c)
        ds.update(repeating: 0, count: c)
        for r in 0..<rows {
            let row = x.pointer + r * c, d = dy.pointer + r * c, out = dx.pointer + r * c
            let (mean, rstd) = Self.statistics(row, c)
            var meanD: Float = 0, meanDX: Float = 0
            for i in 0..<c {
                let xhat = (row[i] - mean) * rstd, dxhat = d[i] * g[i]
                meanD += dxhat
                meanDX += dxhat * xhat
                dg[i] += d[i] * xhat
                ds[i] += d[i]
            }
            meanD /= Float(c)
            meanDX /= Float(c)
            for i in 0..<c {
                let xhat = (row[i] - mean) * rstd
                out[i] = rstd * (d[i] * g[i] - meanD - xhat * meanDX)
            }
        }
        return dx
    }
}
