// SPDX-License-Identifier: MIT
// The GPT's training loop: each step draws one batch of random windows of the training text
// and feeds it to every run in turn (fp32 and libdaf runs in lockstep, as Trainer.swift does
// for the CNN: same seed, weights and batches, so the runs differ only in what their saved
// tensors come back as, and the machine's noise falls on all alike). One step = forward
// (saving into the run's store), backward, AdamW. Validation loss every few steps (the curve)
// and at the end on up to finalEvalWindows windows (the figure reported).
import Glibc

/// The language model's figures of one run.
public struct LanguageModelFigures: Sendable {
    /// Mean cross-entropy on the validation windows at the end, nats per byte.
    public let validationLoss: Double
    /// The same for a unigram model of the training bytes (FortuneText.unigramLoss).
    public let unigramLoss: Double
    public let steps: Int
    /// (step, mean training loss since the previous point, validation loss) along the run.
    public let curve: [CurvePoint]

    public var bitsPerByte: Double { validationLoss / log(2) }

    public init(validationLoss: Double, unigramLoss: Double, steps: Int, curve: [CurvePoint]) {
        (self.validationLoss, self.unigramLoss, self.steps, self.curve) = (validationLoss, unigramLoss, steps, curve)
    }
}

public struct CurvePoint: Sendable {
    public let step: Int
    public let trainLoss: Double
    public let validationLoss: Double

    public init(step: Int, trainLoss: Double, validationLoss: Double) {
        (self.step, self.trainLoss, self.validationLoss) = (step, trainLoss, validationLoss)
    }
}

final class GPTRun {
    let config: TrainConfig
    let model: GPT
    let store: ActivationStore
    let optimizer: AdamW
    var stepSeconds: [Double] = []
    var lossSum = 0.0, lossCount = 0
    var curve: [CurvePoint] = []
    var timeline: [TimelinePoint] = []
    var widths: [[Int]] = []
    var sensitivitySeconds = 0.0

    init(_ config: TrainConfig) throws {
        self.config = config
        model = GPT(shape: config.gpt.shape, seed: config.seed, parallel: Parallel(threads: config.threads))
        store = try makeStore(config)
        let parameters = model.parameters
        optimizer = AdamW(parameters.map(\.0), decayed: parameters.map(\.1), learningRate: config.learningRate,
                          totalSteps: config.gpt.steps, weightDecay: config.gpt.weightDecay, clipNorm: config.gpt.clipNorm)
    }
}

public final class GPTTrainer {
    let text: FortuneText
    let configs: [TrainConfig]
    var shared: TrainConfig { configs[0] }

    /// The configs may differ in mode, bits, group, rounding, widths, budget and policy; the
    /// rest (shape, steps, batch, seed, learning rate) is the first's.
    public init(text: FortuneText, configs: [TrainConfig]) {
        precondition(!configs.isEmpty)
        self.text = text
        self.configs = configs
    }

    public func run(progress: (Progress) -> Void = { _ in }) throws -> [RunResult] {
        Matmul.setThreads(shared.threads)
        let runs = try configs.map { c -> GPTRun in
            var run = c
            (run.gpt, run.batch, run.seed, run.learningRate, run.threads) = (shared.gpt, shared.batch, shared.seed, shared.learningRate, shared.threads)
            return try GPTRun(run)
        }
        let g = shared.gpt, batch = shared.batch, t = g.shape.context
        let trainWindows = TextWindows(text: text.train, steps: t)
        let validationWindows = TextWindows(text: text.validation, steps: t)
        var sampler = SeededRandom(seed: shared.seed ^ 0x4750_5442_5954_4553)
        var ids: [Int] = [], targets: [Int] = []

        func report(step: Int, done: Bool) {
            progress(Progress(epoch: 1, epochs: 1, step: step, stepsPerEpoch: g.steps, runs: runs.map { r in
                RunProgress(label: r.config.label, loss: r.lossSum / Double(max(r.lossCount, 1)),
                            examplesPerSecond: Double(step * batch) / max(r.stepSeconds.reduce(0, +), 1e-9),
                            testAccuracy: nil, validationLoss: done ? r.curve.last?.validationLoss : nil)
            }))
        }

        for step in 0..<g.steps {
            trainWindows.fill(starts: trainWindows.randomStarts(batch: batch, random: &sampler), ids: &ids, targets: &targets)
            for r in runs {
                let record = step == 0
                if record { r.store.timeline = [TimelinePoint(event: "start", bytes: 0, fp32Bytes: 0)] }
                let start = now()
                r.sensitivitySeconds += try r.store.prepareSensitivities(step: step, settings: shared.sensitivity) { run in
                    try measureSensitivities(r, run, ids: ids, targets: targets)
                }
                let (loss, tape) = try r.model.forward(ids: ids, targets: targets, batch: batch, steps: t, store: r.store)
                try r.model.backward(tape, ids: ids, targets: targets, batch: batch, steps: t, store: r.store)
                r.optimizer.update(step: step)
                r.stepSeconds.append(now() - start)
                if let row = try r.store.widths(of: r.model.allRoles) { r.widths.append(row) }
                if record { r.timeline = r.store.timeline ?? []; r.store.timeline = nil }
                (r.lossSum, r.lossCount) = (r.lossSum + loss, r.lossCount + 1)
            }
            let last = step + 1 == g.steps
            if (step + 1) % g.evalEvery == 0 || last {
                for r in runs {
                    let windows = last ? g.finalEvalWindows : g.evalWindows
                    let validation = try evaluate(r.model, validationWindows.evenStarts(count: windows), batch: batch)
                    r.curve.append(CurvePoint(step: step + 1, trainLoss: r.lossSum / Double(max(r.lossCount, 1)), validationLoss: validation))
                }
                report(step: step + 1, done: true)
                for r in runs { (r.lossSum, r.lossCount) = (0, 0) }
            } else {
                report(step: step + 1, done: false)
            }
        }
        let unigram = text.unigramLoss
        return try runs.map { r in
            let usage = try r.store.usage()
            let final = r.curve.last
            var result = RunResult(config: r.config, trainExamples: g.steps * batch,
                             epochs: [EpochResult(trainLoss: final?.trainLoss ?? .nan, testAccuracy: .nan)],
                             savedPeakBytes: usage.peakBytes, fp32EquivalentPeakBytes: usage.peakFP32Bytes,
                             stepMsMedian: median(r.stepSeconds) * 1000, timeline: r.timeline,
                             language: LanguageModelFigures(validationLoss: final?.validationLoss ?? .nan, unigramLoss: unigram,
                                                            steps: g.steps, curve: r.curve))
            try result.addPlan(of: r.store, roles: r.model.allRoles, widths: r.widths)
            result.sensitivitySeconds = r.sensitivitySeconds
            return result
        }
    }

    /// SensitivityProbe on the first `sensitivity.batch` windows of the step's batch.
    func measureSensitivities(_ r: GPTRun, _ run: LibdafStore, ids: [Int], targets: [Int]) throws {
        let t = shared.gpt.shape.context, b = min(shared.sensitivity.batch, shared.batch)
        let subIds = Array(ids.prefix(b * t)), subTargets = Array(targets.prefix(b * t))
        try SensitivityProbe.measure(run, settings: shared.sensitivity, roles: r.model.allRoles, parameters: r.model.parameters.map(\.0),
                                     forward: { store in try r.model.forward(ids: subIds, targets: subTargets, batch: b, steps: t, store: store).tape },
                                     backward: { tape, store in
                                         try r.model.backward(tape, ids: subIds, targets: subTargets, batch: b, steps: t, store: store)
                                     })
    }

    /// Mean loss over the windows starting at `starts` (forward only, nothing saved).
    func evaluate(_ model: GPT, _ starts: [Int], batch: Int) throws -> Double {
        let t = model.shape.context, windows = TextWindows(text: text.validation, steps: t)
        var ids: [Int] = [], targets: [Int] = [], sum = 0.0
        for first in stride(from: 0, to: starts.count, by: batch) {
            let chunk = Array(starts[first..<min(starts.count, first + batch)])
            windows.fill(starts: chunk, ids: &ids, targets: &targets)
            sum += try model.forward(ids: ids, targets: targets, batch: chunk.count, steps: t, store: nil).loss * Double(chunk.count)
        }
        return sum / Double(max(starts.count, 1))
    }
}
