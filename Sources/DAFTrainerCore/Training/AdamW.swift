// SPDX-License-Identifier: MIT
// AdamW (Loshchilov, Hutter, "Decoupled weight decay regularization", ICLR 2019): Adam's update
// with bias-corrected moments, plus weight decay applied to the weights directly, not through
// the gradient. Only matrices decay (the GPT-2 / nanoGPT convention): gains and biases do not.
// The rate follows WarmupCosine; gradients are clipped by global norm first.
import Glibc

final class AdamW {
    let schedule: WarmupCosine
    let beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8
    let weightDecay: Float
    let clipNorm: Float
    private let parameters: [Parameter]
    private let decays: [Bool]
    private let secondMoments: [FloatBuffer]

    /// `decayed[i]`: whether parameters[i] takes weight decay.
    init(_ parameters: [Parameter], decayed: [Bool], learningRate: Float, totalSteps: Int, weightDecay: Float = 0.1,
         clipNorm: Float = 1) {
        precondition(parameters.count == decayed.count)
        self.parameters = parameters
        self.decays = decayed
        secondMoments = parameters.map { FloatBuffer(count: $0.value.count) }
        schedule = WarmupCosine(peak: learningRate, totalSteps: totalSteps)
        self.weightDecay = weightDecay
        self.clipNorm = clipNorm
    }

    /// One update from the parameters' gradients; `step` counts from 0.
    func update(step: Int) {
        let lr = schedule.rate(atStep: step)
        let scale = gradientScale(parameters, clipNorm: clipNorm)
        let correction1 = 1 - powf(beta1, Float(step + 1)), correction2 = 1 - powf(beta2, Float(step + 1))
        for (p, (decay, second)) in zip(parameters, zip(decays, secondMoments)) {
            let w = p.value.pointer, g = p.gradient.pointer, m = p.velocity.pointer, v = second.pointer
            let shrink = decay ? 1 - lr * weightDecay : 1
            for i in 0..<p.value.count {
                let gi = g[i] * scale
                m[i] = beta1 * m[i] + (1 - beta1) * gi
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                let mHat = m[i] / correction1, vHat = v[i] / correction2
                w[i] = w[i] * shrink - lr * mHat / (vHat.squareRoot() + epsilon)
            }
        }
    }
}
