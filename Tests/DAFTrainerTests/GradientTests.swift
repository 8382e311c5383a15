// SPDX-License-Identifier: MIT
// The backward pass against finite differences (the llm.c / cs231n gradient check): for each
// parameter tensor of the CNN, the coordinates with the largest analytic gradients must match
// (L(w + e) - L(w - e)) / 2e. im2col's backward is its adjoint: <im2col(x), c> = <x, col2im(c)>.
// And with libdaf 2-bit saves the gradients still point where fp32's do (Network.swift).
@testable import DAFTrainerCore
import Testing

@Suite("Gradients")
struct GradientTests {
    static func randomImages(batch: Int, seed: UInt64) -> FloatBuffer {
        var random = SeededRandom(seed: seed)
        let images = FloatBuffer(count: batch * 784)
        for i in 0..<images.count { images[i] = random.normal() }
        return images
    }

    @Test("analytic gradients equal finite differences, every parameter tensor")
    func finiteDifferences() throws {
        let batch = 2, labels = [3, 7]
        let network = Network(seed: 5, parallel: Parallel(threads: 1))
        let images = Self.randomImages(batch: batch, seed: 9)
        func loss() throws -> Double {
            let (logits, _) = try network.forward(images, batch: batch, store: nil)
            return SoftmaxCrossEntropy.lossAndGradient(logits, labels: labels, classes: 10).loss
        }
        let store = PlainStore()
        let (logits, tape) = try network.forward(images, batch: batch, store: store)
        let dLogits = SoftmaxCrossEntropy.lossAndGradient(logits, labels: labels, classes: 10).dLogits
        try network.backward(tape, dLogits: dLogits, batch: batch, store: store)
        #expect(try store.usage().liveBytes == 0, "backward released everything")

        let names = ["conv1.w", "conv1.b", "conv2.w", "conv2.b", "fc1.w", "fc1.b", "fc2.w", "fc2.b"]
        for (name, p) in zip(names, network.parameters) {
            let analytic = p.gradient.array
            let largest = analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(3)
            for i in largest {
                let saved = p.value[i], e: Float = 1e-3
                p.value[i] = saved + e
                let up = try loss()
                p.value[i] = saved - e
                let down = try loss()
                p.value[i] = saved
                let numeric = (up - down) / Double(2 * e)
                let a = Double(analytic[i])
                #expect(abs(numeric - a) <= 2e-3 + 0.02 * abs(a), "\(name)[\(i)]: analytic \(a), numeric \(numeric)")
            }
        }
    }

    @Test("libdaf 2-bit gradients point where fp32's do: mean cosine >= 0.85 for every weight tensor")
    func libdafGradients() throws {
        let train = try fashionMNIST.get().train
        let batch = 64, network = Network(seed: 1, parallel: Parallel(threads: 2))
        let images = FloatBuffer(count: batch * 784)
        var labels: [Int] = []
        func gradients(_ store: ActivationStore, batchNumber: Int) throws -> [[Float]] {
            train.fillBatch(Array(batchNumber * batch..<(batchNumber + 1) * batch)[...], images: images, labels: &labels)
            let (logits, tape) = try network.forward(images, batch: batch, store: store)
            let dLogits = SoftmaxCrossEntropy.lossAndGradient(logits, labels: labels, classes: 10).dLogits
            try network.backward(tape, dLogits: dLogits, batch: batch, store: store)
            return network.parameters.map(\.gradient.array)
        }
        // Gradients of a fresh network are atypical: train it a little in fp32 first.
        let plain = PlainStore(), sgd = SGD(learningRate: 0.05, momentum: 0.9, totalSteps: 600)
        for step in 0..<300 {
            _ = try gradients(plain, batchNumber: step)
            sgd.update(network.parameters, step: step)
        }
        // The mean cosine over four batches, per weight tensor (one batch alone can dip).
        let daf = try LibdafStore(bits: 2, group: 256, rounding: .nearest, seed: 1, companding: true)
        let weights = [(0, "conv1.w"), (2, "conv2.w"), (4, "fc1.w"), (6, "fc2.w")]
        var cosines = [Double](repeating: 0, count: weights.count)
        for batchNumber in 300..<304 {
            let reference = try gradients(plain, batchNumber: batchNumber)
            let quantized = try gradients(daf, batchNumber: batchNumber)
            for (w, (k, _)) in weights.enumerated() {
                var dot = 0.0, a2 = 0.0, b2 = 0.0
                for (a, b) in zip(reference[k], quantized[k]) { (dot, a2, b2) = (dot + Double(a * b), a2 + Double(a * a), b2 + Double(b * b)) }
                cosines[w] += dot / (a2 * b2).squareRoot() / 4
            }
        }
        for (w, (_, name)) in weights.enumerated() {
            // Measured 0.911, 0.940, 0.963, 0.998; linear codes give 0.60 to 0.80 in the convolutions.
            #expect(cosines[w] >= 0.85, "\(name): mean cosine \(cosines[w]) between libdaf 2-bit and fp32 gradients")
        }
    }

    @Test("col2im is the adjoint of im2col")
    func im2colAdjoint() {
        let s = ConvShape(channels: 3, batch: 2, height: 5, width: 6)
        var random = SeededRandom(seed: 11)
        let x = FloatBuffer(count: s.channels * s.positions), c = FloatBuffer(count: s.patchRows * s.positions)
        for i in 0..<x.count { x[i] = random.normal() }
        for i in 0..<c.count { c[i] = random.normal() }
        let cols = FloatBuffer(count: c.count), back = FloatBuffer(count: x.count)
        Im2Col.forward(x.pointer, s, cols: cols.pointer, parallel: Parallel(threads: 2))
        Im2Col.backward(c.pointer, s, dInput: back.pointer, parallel: Parallel(threads: 2))
        var left = 0.0, right = 0.0
        for i in 0..<c.count { left += Double(cols[i]) * Double(c[i]) }
        for i in 0..<x.count { right += Double(x[i]) * Double(back[i]) }
        #expect(abs(left - right) <= 1e-4 * max(1, abs(left)), "<im2col(x), c> = \(left), <x, col2im(c)> = \(right)")
    }

    @Test("max-pool routes each window's gradient to its winner")
    func maxPool() {
        let input = FloatBuffer(count: 16) // one 4x4 plane
        for i in 0..<16 { input[i] = Float((i * 7) % 16) }
        let (out, argmax) = MaxPool2x2.forward(input, planes: 1, height: 4, width: 4, parallel: Parallel(threads: 1))
        for w in 0..<4 {
            let (oy, ox) = (w / 2, w % 2)
            let window = [0, 1, 4, 5].map { input[oy * 8 + ox * 2 + $0] }
            #expect(out[w] == window.max() && Int(argmax[w]) == window.firstIndex(of: window.max()!))
        }
        let dOut = FloatBuffer(count: 4)
        for i in 0..<4 { dOut[i] = Float(i + 1) }
        let dIn = MaxPool2x2.backward(dOut, argmax: argmax, planes: 1, height: 4, width: 4, parallel: Parallel(threads: 1))
        #expect(dIn.array.reduce(0, +) == 10 && dIn.array.filter { $0 != 0 }.count == 4)
        for i in 0..<16 where dIn[i] != 0 { #expect(input[i] == out[Int(dIn[i]) - 1]) }
    }
}
