// SPDX-License-Identifier: MIT
// The learning-rate schedule both optimizers use, and gradient clipping by global norm. The
// rate warms up linearly over the first steps (Goyal et al., "Accurate, large minibatch SGD",
// 2017: a full rate on random weights blows the loss up at once) and then decays to 0 along a
// cosine (Loshchilov, Hutter, "SGDR", ICLR 2017, without restarts).
import Glibc

struct WarmupCosine {
    let peak: Float
    let totalSteps: Int
    var warmupSteps: Int { min(100, totalSteps / 2) }

    func rate(atStep step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let progress = Double(step - warmupSteps) / Double(max(totalSteps - warmupSteps, 1))
        return peak * Float(0.5 * (1 + cos(Double.pi * min(progress, 1))))
    }
}

/// 1, or clipNorm / (the gradients' global L2 norm) when that norm is above clipNorm (Pascanu,
/// Mikolov, Bengio, "On the difficulty of training recurrent neural networks", 2013); clipNorm
/// 0 is off.
func gradientScale(_ parameters: [Parameter], clipNorm: Float) -> Float {
    guard clipNorm > 0 else { return 1 }
    var squares: Double = 0
    for p in parameters {
        let g = p.gradient.pointer
        for i in 0..<p.gradient.count { squares += Double(g[i]) * Double(g[i]) }
    }
    let norm = Float(squares.squareRoot())
    return norm > clipNorm ? clipNorm / norm : 1
}
