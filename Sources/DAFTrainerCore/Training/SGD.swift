// SPDX-License-Identifier: MIT
// SGD with momentum (v = momentum * v + g; w -= lr * v, the form PyTorch uses), on the
// warm-up + cosine learning rate of WarmupCosine.

struct SGD {
    let learningRate: Float
    let momentum: Float
    let totalSteps: Int
    /// When positive, gradients whose global L2 norm exceeds it are scaled down to it first
    /// (Pascanu, Mikolov, Bengio, "On the difficulty of training recurrent neural networks",
    /// 2013): a bound on every update, for runs whose saved tensors are degraded hard.
    var clipNorm: Float = 0

    func update(_ parameters: [Parameter], step: Int) {
        let lr = WarmupCosine(peak: learningRate, totalSteps: totalSteps).rate(atStep: step)
        let scale = gradientScale(parameters, clipNorm: clipNorm)
        for p in parameters {
            let w = p.value.pointer, g = p.gradient.pointer, v = p.velocity.pointer
            for i in 0..<p.value.count {
                v[i] = momentum * v[i] + scale * g[i]
                w[i] -= lr * v[i]
            }
        }
    }
}
