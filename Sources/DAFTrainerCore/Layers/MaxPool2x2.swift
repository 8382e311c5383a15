// SPDX-License-Identifier: MIT
// 2x2 max pooling with stride 2, forward and backward side by side. The backward pass needs
// only which of the four inputs won each window: forward returns that argmax as a float
// tensor of 0...3 (dy * 2 + dx), which libdaf mode saves as exact integers (DAF_KIND_INTEGER,
// 2 bits); the rounding below keeps the routing right for any tensor that comes back within
// half a unit of those integers.

enum MaxPool2x2 {
    /// input (planes, H, W) with H and W even -> (output, argmax), both (planes, H/2, W/2).
    static func forward(_ input: FloatBuffer, planes: Int, height: Int, width: Int,
                        parallel: Parallel) -> (output: FloatBuffer, argmax: FloatBuffer) {
        let oh = height / 2, ow = width / 2
        let output = FloatBuffer(count: planes * oh * ow, zeroed: false)
        let argmax = FloatBuffer(count: planes * oh * ow, zeroed: false)
        parallel.forEachChunk(planes) { range in
            for p in range {
                let src = input.pointer + p * height * width
                let out = output.pointer + p * oh * ow, arg = argmax.pointer + p * oh * ow
                for oy in 0..<oh {
                    let top = src + 2 * oy * width, bottom = top + width
                    for ox in 0..<ow {
                        var best = top[2 * ox], which: Float = 0
                        if top[2 * ox + 1] > best { best = top[2 * ox + 1]; which = 1 }
                        if bottom[2 * ox] > best { best = bottom[2 * ox]; which = 2 }
                        if bottom[2 * ox + 1] > best { best = bottom[2 * ox + 1]; which = 3 }
                        out[oy * ow + ox] = best
                        arg[oy * ow + ox] = which
                    }
                }
            }
        }
        return (output, argmax)
    }

    /// dOutput and argmax (planes, H/2, W/2) -> dInput (planes, H, W): each window's gradient
    /// goes to the input that won it, the other three get 0.
    static func backward(_ dOutput: FloatBuffer, argmax: FloatBuffer, planes: Int, height: Int, width: Int,
                         parallel: Parallel) -> FloatBuffer {
        let oh = height / 2, ow = width / 2
        let dInput = FloatBuffer(count: planes * height * width)
        parallel.forEachChunk(planes) { range in
            for p in range {
                let dOut = dOutput.pointer + p * oh * ow, arg = argmax.pointer + p * oh * ow
                let dIn = dInput.pointer + p * height * width
                for i in 0..<(oh * ow) {
                    let which = min(3, max(0, Int(arg[i].rounded())))
                    let y = 2 * (i / ow) + which / 2, x = 2 * (i % ow) + which % 2
                    dIn[y * width + x] = dOut[i]
                }
            }
        }
        return dInput
    }
}
