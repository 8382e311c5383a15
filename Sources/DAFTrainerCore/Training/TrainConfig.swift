// SPDX-License-Identifier: MIT
// One training run's settings, as daf-train's options and the tests set them.

public enum Mode: String, Sendable, CaseIterable {
    case fp32, daf
}

public enum Rounding: String, Sendable, CaseIterable {
    case nearest, stochastic
}

/// What libdaf does when a save does not fit the budget (daf_options.policy).
public enum BudgetPolicy: String, Sendable, CaseIterable {
    case degrade, spill, fail
}

/// Which network daf-train trains.
public enum Model: String, Sendable, CaseIterable {
    /// The CNN on Fashion-MNIST (Network.swift).
    case cnn
    /// The byte-level GPT on the fortunes text (GPT.swift).
    case gpt
}

/// The GPT run's own settings (the CNN ignores them).
public struct GPTSettings: Sendable {
    public var shape = GPTShape()
    /// Optimizer steps (AdamW), each on `batch` random windows of the training text.
    public var steps = 500
    /// Validation loss every this many steps on `evalWindows` windows (the loss curve), and at
    /// the end on up to `finalEvalWindows` (the reported figure).
    public var evalEvery = 50
    public var evalWindows = 64
    public var finalEvalWindows = 256
    public var weightDecay: Float = 0.1
    public var clipNorm: Float = 1
    /// Where the text is.
    public var textDirectory = FortuneText.defaultDirectory
    /// daf-train --model gpt's target for automatic bits (average bits per saved value, group
    /// tables included), chosen from the measurements in the trainer's README.
    public static let defaultAverageBits = 3.1
    /// The GPT's sensitivity measurements (automatic bits): every 100 steps on 4 windows.
    public static let defaultSensitivity = SensitivitySettings(every: 100, batch: 4)

    public init() {}
}

public struct TrainConfig: Sendable {
    public var model: Model = .cnn
    public var gpt = GPTSettings()
    public var mode: Mode = .daf
    /// How a fixed --bits applies to each saved tensor (WidthPlan.swift).
    public var widths: Widths = .safe
    /// libdaf's bits per saved value, 1...8 (daf mode only; the planner's start with automatic bits).
    public var bits = 2
    /// libdaf chooses each float tensor's width (DAF_BITS_AUTO) under `averageBits`.
    public var automaticBits = false
    /// The planner's target in average bits per saved value, group tables included (automatic
    /// bits only; nil: the budget alone).
    public var averageBits: Double? = nil
    /// How automatic bits learn each tensor's sensitivity (SensitivityProbe.swift); the CNN's
    /// default: measured every 200 steps on 12 examples of the batch (their 8-bit tensors take
    /// less than half of an 18x-compressed step's bytes).
    public var sensitivity = SensitivitySettings(every: 200, batch: 12)
    /// The width of the tensors a plan keeps (WidthPlan.keptBits; the GPT's probabilities);
    /// nil: 8 bits in fixed-width runs, 4 with automatic bits.
    public var keptBits: Int? = nil
    /// libdaf's group size (daf mode only).
    public var group = 256
    public var rounding: Rounding = .nearest
    /// libdaf's pool budget in MiB (daf mode only); nil: no budget.
    public var budgetMiB: Double? = nil
    /// What libdaf does when the budget is reached (with a budget).
    public var policy: BudgetPolicy = .fail
    /// How far the degrade policy may go, 0...8 bits (0: each group's midpoint only); 0 lets a
    /// budget below what 1 bit needs still hold every tensor.
    public var degradeFloorBits = 0
    /// Save ReLU outputs as DAF_KIND_NONNEGATIVE (companded by libdaf) in libdaf mode
    /// (Network.swift says why); false: as plain floats.
    public var squareRootReLU = true
    public var epochs = 2
    public var batch = 64
    /// Training examples used (the first `limit` of the 60000); nil for all.
    public var limit: Int? = nil
    /// Test examples evaluated (the first `testLimit` of the 10000); nil for all.
    public var testLimit: Int? = nil
    public var seed: UInt64 = 1
    /// OpenBLAS threads.
    public var threads = 2
    /// SGD with momentum, its learning rate decayed to 0 along a cosine.
    public var learningRate: Float = 0.05
    public var momentum: Float = 0.9
    /// Gradient clipping by global norm (SGD.clipNorm); 0 = off.
    public var clipNorm: Float = 0
    /// Steps per epoch cap (nil: the whole subset); for tests and quick looks.
    public var maxStepsPerEpoch: Int? = nil

    public init() {}

    /// The run's label in tables and plots, e.g. "fp32" or "daf 2-bit".
    public var label: String {
        guard mode == .daf else { return "fp32" }
        // Which of the GPT's tensors keep 8 bits in a fixed-width run: say so.
        let keep = keptBits ?? 8
        let kept = model != .gpt || automaticBits || bits >= keep ? ""
            : [Widths.safe: " (safe)", .probabilities: " (probs \(keep))", .uniform: " (uniform)"][widths]!
        let width = automaticBits ? "auto" + (averageBits.map { " \(fixed($0, 2))" } ?? "") : "\(bits)-bit" + kept
        guard let budgetMiB else { return "daf \(width)" }
        return "daf \(width), \(budgetMiB) MiB \(policy.rawValue)"
    }
}
