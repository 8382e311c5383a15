// SPDX-License-Identifier: MIT
// SGD with momentum (v = momentum * v + g; w -= lr * v, the form PyTorch uses). The learning
// rate warms up linearly over the first steps (Goyal et al., "Accurate, large minibatch SGD",
// 2017: a full rate on random weights blows the loss up at once) and then decays to 0 along a
// cosine (Loshchilov, Hutter, "SGDR", ICLR 2017, without restarts).
import Glibc

struct SGD {
    let learningRate: Float
    let momentum: Float
    let totalSteps: Int
    /// When positive, gradients whose global L2 norm exceeds it are scaled down to it first
    /// (Pascanu, Mikolov, Bengio, "On the difficulty of training recurrent neural networks",
    /// 2013): a bound on every update, for runs whose saved tensors are degraded hard.
    var clipNorm: Float = 0

    var warmupSteps: Int { min(100, totalSteps / 2) }

    func rate(atStep step: Int) -> Float {
        if step < warmupSteps { return learningRate * Float(step + 1) / Float(warmupSteps) }
        let progress = Double(step - warmupSteps) / Double(max(totalSteps - warmupSteps, 1))
        return learningRate * Float(0.5 * (1 + cos(Double.pi * min(progress, 1))))
    }

    func update(_ parameters: [Parameter], step: Int) {
        let lr = rate(atStep: step)
        let scale = gradientScale(parameters)
        for p in parameters {
            let w = p.value.pointer, g = p.gradient.pointer, v = p.velocity.pointer
            for i in 0..<p.value.count {
                v[i] = momentum * v[i] + scale * g[i]
                w[i] -= lr * v[i]
            }
        }
    }

    /// 1, or clipNorm / (the gradients' global norm) when that norm is above clipNorm.
    func gradientScale(_ parameters: [Parameter]) -> Float {
        guard clipNorm > 0 else { return 1 }
        var squares: Double = 0
        for p in parameters {
            let g = p.gradient.pointer
            for i in 0..<p.gradient.count { squares += Double(g[i]) * Double(g[i]) }
        }
        let norm = Float(squares.squareRoot())
        return norm > clipNorm ? clipNorm / norm : 1
    }
}
