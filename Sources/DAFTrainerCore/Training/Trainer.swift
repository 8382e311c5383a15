// SPDX-License-Identifier: MIT
// The training loop: epochs over a shuffled subset, one step = forward (saving into the run's
// store), loss, backward, SGD update; test accuracy after each epoch; each run's figures at the
// end. Several runs (fp32 and libdaf, or several bit widths) train in lockstep: every step
// feeds the same batch to each run in turn. They share seed, weights at start, order and
// batches, so they differ only in what their saved tensors come back as; and the machine's
// noise (other processes, frequency changes) falls on all of them alike, which keeps their
// step times comparable.
import Glibc

/// Where the runs are, for progress output.
public struct Progress: Sendable {
    public let epoch: Int, epochs: Int
    public let step: Int, stepsPerEpoch: Int
    public let runs: [RunProgress]
    /// True for the last event of an epoch, after the test set was evaluated.
    public var epochDone: Bool { runs.allSatisfy { $0.testAccuracy != nil || $0.validationLoss != nil } }
}

public struct RunProgress: Sendable {
    public let label: String
    /// Mean training loss of this epoch so far.
    public let loss: Double
    /// Examples per second of this run's own steps.
    public let examplesPerSecond: Double
    public let testAccuracy: Double?
    /// The GPT's validation loss (nats per byte) at this point; nil for the CNN.
    public var validationLoss: Double? = nil
}

public struct EpochResult: Sendable {
    public let trainLoss: Double
    public let testAccuracy: Double

    public init(trainLoss: Double, testAccuracy: Double) {
        (self.trainLoss, self.testAccuracy) = (trainLoss, testAccuracy)
    }
}

public struct RunResult: Sendable {
    public let config: TrainConfig
    public let trainExamples: Int
    public let epochs: [EpochResult]
    /// Saved-activation peak in the run's own bytes (fp32 arrays, or libdaf's packed bytes).
    public let savedPeakBytes: Int
    /// The peak the same tensors would have taken as fp32.
    public let fp32EquivalentPeakBytes: Int
    public let stepMsMedian: Double
    /// Saved bytes after each save and release of the first training step.
    public let timeline: [TimelinePoint]
    /// The GPT's losses; nil for the CNN.
    public let language: LanguageModelFigures?
    /// libdaf runs: each slot's width, group and bytes at the end of training (else empty).
    public var plan: [PlanEntry] = []
    /// libdaf runs: each role's width (`tensors` order) after each step (else empty).
    public var widths: [[Int]] = []
    /// The names of the network's saved tensors in forward order (the columns of `widths`).
    public var tensors: [String] = []
    /// libdaf runs: time libdaf's planner took in total, and evictions after its first plan.
    public var planSeconds = 0.0
    /// Automatic runs: time the sensitivity measurements took in total (inside the step times
    /// of the steps they came before).
    public var sensitivitySeconds = 0.0
    public var evictionsAfterPlan = 0

    public init(config: TrainConfig, trainExamples: Int, epochs: [EpochResult], savedPeakBytes: Int,
                fp32EquivalentPeakBytes: Int, stepMsMedian: Double, timeline: [TimelinePoint],
                language: LanguageModelFigures? = nil) {
        self.language = language
        self.config = config
        self.trainExamples = trainExamples
        self.epochs = epochs
        self.savedPeakBytes = savedPeakBytes
        self.fp32EquivalentPeakBytes = fp32EquivalentPeakBytes
        self.stepMsMedian = stepMsMedian
        self.timeline = timeline
    }

    public var testAccuracy: Double { epochs.last?.testAccuracy ?? .nan }
    /// Mean training loss over the last epoch.
    public var finalLoss: Double { epochs.last?.trainLoss ?? .nan }
    public var compression: Double { Double(fp32EquivalentPeakBytes) / Double(max(savedPeakBytes, 1)) }
}

/// One run's network, store and figures while training.
final class RunState {
    let config: TrainConfig
    let network: Network
    let store: ActivationStore
    var stepSeconds: [Double] = []
    var epochSeconds = 0.0
    var lossSum = 0.0
    var epochs: [EpochResult] = []
    var timeline: [TimelinePoint] = []
    var widths: [[Int]] = []
    var sensitivitySeconds = 0.0

    init(_ config: TrainConfig) throws {
        self.config = config
        network = Network(seed: config.seed, parallel: Parallel(threads: config.threads))
        store = try makeStore(config)
    }

    /// Each role's width in libdaf's plan now (0 for a role not saved yet).
    func recordWidths() throws {
        if let row = try store.widths(of: Network.roles) { widths.append(row) }
    }

    /// The run's figures at the end of training.
    func result(trainExamples: Int) throws -> RunResult {
        let usage = try store.usage()
        var result = RunResult(config: config, trainExamples: trainExamples, epochs: epochs, savedPeakBytes: usage.peakBytes,
                               fp32EquivalentPeakBytes: usage.peakFP32Bytes, stepMsMedian: median(stepSeconds) * 1000,
                               timeline: timeline)
        try result.addPlan(of: store, roles: Network.roles, widths: widths)
        result.sensitivitySeconds = sensitivitySeconds
        return result
    }
}

extension ActivationStore {
    /// Each role's width in libdaf's plan now (0 for a role not saved yet); nil for fp32.
    func widths(of roles: [SaveRole]) throws -> [Int]? {
        guard let store = self as? LibdafStore else { return nil }
        let plan = try store.plan(roles)
        return roles.map { role in plan.first { $0.tensor == role.name }?.bits ?? 0 }
    }
}

extension RunResult {
    /// A libdaf run's plan at the end, its widths along the steps, and its planner's figures
    /// (nothing for fp32).
    mutating func addPlan(of store: ActivationStore, roles: [SaveRole], widths: [[Int]]) throws {
        tensors = roles.map(\.name)
        guard let store = store as? LibdafStore else { return }
        let s = try store.statistics
        plan = try store.plan(roles)
        self.widths = widths
        planSeconds = Double(s.plan_nanoseconds) * 1e-9
        evictionsAfterPlan = Int(s.evictions_after_plan)
    }
}

/// The run's store: fp32 buffers, or a libdaf context with the run's bits, plan and budget.
func makeStore(_ config: TrainConfig) throws -> ActivationStore {
    config.mode == .fp32
        ? PlainStore()
        : try LibdafStore(bits: config.bits, group: config.group, rounding: config.rounding, seed: config.seed,
                          companding: config.squareRootReLU, automatic: config.automaticBits,
                          averageBits: config.averageBits, widths: config.widths, budgetMiB: config.budgetMiB,
                          policy: config.policy, degradeFloorBits: config.degradeFloorBits,
                          measuresSensitivity: config.automaticBits && config.sensitivity.every > 0, keptBits: config.keptBits)
}

public final class Trainer {
    let train: LabeledImages
    let test: LabeledImages
    let configs: [TrainConfig]
    var shared: TrainConfig { configs[0] }

    /// The configs may differ in mode, bits (automatic or not, and the target), group, rounding
    /// and ReLU codes; the rest is the first's.
    public init(data: FashionMNIST, configs: [TrainConfig]) {
        precondition(!configs.isEmpty)
        self.configs = configs
        self.train = data.train.prefix(configs[0].limit)
        self.test = data.test.prefix(configs[0].testLimit)
    }

    public func run(progress: (Progress) -> Void = { _ in }) throws -> [RunResult] {
        Matmul.setThreads(shared.threads)
        let runs = try configs.map { c -> RunState in
            // Only what a saved tensor comes back as may differ between runs.
            var run = shared
            (run.mode, run.bits, run.group, run.rounding, run.squareRootReLU) = (c.mode, c.bits, c.group, c.rounding, c.squareRootReLU)
            run.widths = c.widths
            (run.automaticBits, run.averageBits) = (c.automaticBits, c.averageBits)
            return try RunState(run)
        }
        var order = Array(0..<train.count)
        var shuffler = SeededRandom(seed: shared.seed ^ 0x5348_5546_464C_4521)
        let fullSteps = (train.count + shared.batch - 1) / shared.batch
        let stepsPerEpoch = min(fullSteps, shared.maxStepsPerEpoch ?? fullSteps)
        let sgd = SGD(learningRate: shared.learningRate, momentum: shared.momentum, totalSteps: stepsPerEpoch * shared.epochs,
                      clipNorm: shared.clipNorm)
        let images = FloatBuffer(count: shared.batch * LabeledImages.pixels)
        var labels: [Int] = []

        func report(epoch: Int, step: Int, done: Bool) {
            progress(Progress(epoch: epoch, epochs: shared.epochs, step: step, stepsPerEpoch: stepsPerEpoch, runs: runs.map { r in
                RunProgress(label: r.config.label, loss: r.lossSum / Double(max(step, 1)),
                            examplesPerSecond: Double(min(step * shared.batch, train.count)) / max(r.epochSeconds, 1e-9),
                            testAccuracy: done ? r.epochs.last?.testAccuracy : nil)
            }))
        }

        for epoch in 1...shared.epochs {
            order.shuffle(using: &shuffler)
            for r in runs { (r.lossSum, r.epochSeconds) = (0, 0) }
            for step in 0..<stepsPerEpoch {
                let batchIndices = order[(step * shared.batch)..<min(train.count, (step + 1) * shared.batch)]
                train.fillBatch(batchIndices, images: images, labels: &labels)
                for r in runs {
                    let record = epoch == 1 && step == 0
                    if record { r.store.timeline = [TimelinePoint(event: "start", bytes: 0, fp32Bytes: 0)] }
                    let seconds = try trainStep(r, images: images, labels: labels, step: (epoch - 1) * stepsPerEpoch + step, sgd: sgd)
                    if record { r.timeline = r.store.timeline ?? []; r.store.timeline = nil }
                    r.stepSeconds.append(seconds)
                    r.epochSeconds += seconds
                    try r.recordWidths()
                }
                report(epoch: epoch, step: step + 1, done: false)
            }
            for r in runs {
                r.epochs.append(EpochResult(trainLoss: r.lossSum / Double(stepsPerEpoch), testAccuracy: try evaluate(r.network)))
            }
            report(epoch: epoch, step: stepsPerEpoch, done: true)
        }
        return try runs.map { try $0.result(trainExamples: min(train.count, stepsPerEpoch * shared.batch)) }
    }

    /// One step of one run; returns its seconds (the batch is already filled).
    func trainStep(_ r: RunState, images: FloatBuffer, labels: [Int], step: Int, sgd: SGD) throws -> Double {
        let start = now()
        r.sensitivitySeconds += try r.store.prepareSensitivities(step: step, settings: shared.sensitivity) { run in
            try measureSensitivities(r, run, images: images, labels: labels)
        }
        let (logits, tape) = try r.network.forward(images, batch: labels.count, store: r.store)
        let (loss, dLogits, _) = SoftmaxCrossEntropy.lossAndGradient(logits, labels: labels, classes: Network.classes)
        try r.network.backward(tape, dLogits: dLogits, batch: labels.count, store: r.store)
        sgd.update(r.network.parameters, step: step)
        r.lossSum += loss
        return now() - start
    }

    /// SensitivityProbe on the first `sensitivity.batch` examples of the step's batch.
    func measureSensitivities(_ r: RunState, _ run: LibdafStore, images: FloatBuffer, labels: [Int]) throws {
        let b = min(shared.sensitivity.batch, labels.count), sub = Array(labels.prefix(b))
        let x = FloatBuffer(count: b * LabeledImages.pixels, zeroed: false) // (1, B, 28, 28): the first b images
        x.pointer.update(from: images.pointer, count: x.count)
        var dLogits = FloatBuffer(count: 0)
        try SensitivityProbe.measure(run, settings: shared.sensitivity, roles: Network.roles, parameters: r.network.parameters,
                                     forward: { store in
                                         let (logits, tape) = try r.network.forward(x, batch: b, store: store)
                                         dLogits = SoftmaxCrossEntropy.lossAndGradient(logits, labels: sub, classes: Network.classes).dLogits
                                         return tape
                                     },
                                     backward: { tape, store in try r.network.backward(tape, dLogits: dLogits, batch: b, store: store) })
    }

    /// Fraction of the test set classified correctly (forward only, nothing saved).
    func evaluate(_ network: Network) throws -> Double {
        let batch = 200
        let images = FloatBuffer(count: batch * LabeledImages.pixels)
        var labels: [Int] = []
        var correct = 0
        for first in stride(from: 0, to: test.count, by: batch) {
            let indices = Array(first..<min(test.count, first + batch))[...]
            test.fillBatch(indices, images: images, labels: &labels)
            let (logits, _) = try network.forward(images, batch: indices.count, store: nil)
            correct += SoftmaxCrossEntropy.lossAndGradient(logits, labels: labels, classes: Network.classes).correct
        }
        return Double(correct) / Double(max(test.count, 1))
    }
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
