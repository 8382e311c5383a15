// SPDX-License-Identifier: MIT
// im2col and its adjoint col2im for 3x3 convolutions with padding 1 and stride 1 (Chellapilla,
// Puri, Simard, "High performance convolutional neural networks for document processing", 2006):
// a convolution becomes one matrix product. Activations use the layout (C, B, H, W), so the
// product's output rows are channels and need no transpose.

struct ConvShape {
    let channels: Int, batch: Int, height: Int, width: Int

    var plane: Int { height * width }
    /// Columns of the im2col matrix: one per output position of the whole batch.
    var positions: Int { batch * plane }
    /// Rows of the im2col matrix: one per (channel, ky, kx).
    var patchRows: Int { channels * 9 }
}

enum Im2Col {
    /// cols (C*9, B*H*W): row c*9 + ky*3 + kx, column b*H*W + y*W + x holds
    /// input[c, b, y + ky - 1, x + kx - 1], or 0 outside the image. input is (C, B, H, W).
    static func forward(_ input: UnsafePointer<Float>, _ s: ConvShape, cols: UnsafeMutablePointer<Float>, parallel: Parallel) {
        parallel.forEachChunk(s.patchRows) { rows in
            for r in rows {
                let c = r / 9, ky = r % 9 / 3, kx = r % 3
                let dx = kx - 1, x0 = max(0, -dx), x1 = min(s.width, s.width - dx)
                for b in 0..<s.batch {
                    let image = input + (c * s.batch + b) * s.plane
                    for y in 0..<s.height {
                        let out = cols + r * s.positions + b * s.plane + y * s.width
                        let sy = y + ky - 1
                        guard sy >= 0, sy < s.height else {
                            out.update(repeating: 0, count: s.width)
                            continue
                        }
                        // Shifted copy of one image row; the column that falls off is 0.
                        if x0 > 0 { out[0] = 0 }
                        if x1 < s.width { out[s.width - 1] = 0 }
                        (out + x0).update(from: image + sy * s.width + dx + x0, count: x1 - x0)
                    }
                }
            }
        }
    }

    /// The adjoint of forward: dInput (C, B, H, W) = at each position, the sum of every column
    /// entry that forward copied from it. Overwrites dInput.
    static func backward(_ dCols: UnsafePointer<Float>, _ s: ConvShape, dInput: UnsafeMutablePointer<Float>, parallel: Parallel) {
        // A channel's nine rows all land in that channel's planes, so channels run in parallel.
        parallel.forEachChunk(s.channels) { channels in
            for c in channels {
                (dInput + c * s.positions).update(repeating: 0, count: s.positions)
                for r in (c * 9)..<(c * 9 + 9) {
                    let ky = r % 9 / 3, kx = r % 3
                    let dx = kx - 1, x0 = max(0, -dx), x1 = min(s.width, s.width - dx)
                    for b in 0..<s.batch {
                        let image = dInput + (c * s.batch + b) * s.plane
                        for y in 0..<s.height {
                            let sy = y + ky - 1
                            guard sy >= 0, sy < s.height else { continue }
                            let from = dCols + r * s.positions + b * s.plane + y * s.width
                            let to = image + sy * s.width + dx
                            for x in x0..<x1 { to[x] += from[x] }
                        }
                    }
                }
            }
        }
    }
}
