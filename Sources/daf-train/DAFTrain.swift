// SPDX-License-Identifier: MIT
// daf-train: the reference trainer. A small CNN learns Fashion-MNIST (or, with --model gpt, a
// byte-level GPT learns the fortunes text) with its saved activations in fp32 and in libdaf, on
// the same seed and data, and the runs are compared side by side.
// `swift run -c release daf-train` is the project's main job; the logic is in DAFTrainerCore.
import ArgumentParser
import DAFTrainerCore
import Glibc

extension Mode: ExpressibleByArgument {}
extension Rounding: ExpressibleByArgument {}
extension Model: ExpressibleByArgument {}
extension Widths: ExpressibleByArgument {}

enum ReLUCodes: String, ExpressibleByArgument, CaseIterable {
    case sqrt, linear
}

@main
struct DAFTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daf-train",
        abstract: "Train a small CNN on Fashion-MNIST (or a byte-level GPT on the fortunes text) with saved activations in fp32 and in libdaf, and compare.",
        discussion: """
            With no options: an fp32 run and a libdaf 2-bit run on the same seed and data, then a \
            side-by-side table. Progress goes to standard error; the table (or --json) to standard output. \
            --model gpt trains the GPT instead (--steps, --context; --widths says which tensors keep 8 bits \
            at a fixed --bits); with no other option it runs fp32 and libdaf with automatic bits.
            """)

    @Option(help: "Which network: cnn (Fashion-MNIST) or gpt (byte-level, the fortunes text).")
    var model = Model.cnn

    @Option(help: "Run only this mode (fp32 or daf); default: both, fp32 first.")
    var mode: Mode?

    @Option(help: "libdaf bits per saved value, 1...8, or auto (libdaf's planner chooses each tensor's width); a list such as 4,2,1,auto trains one libdaf run per entry. Default: cnn 2, gpt auto.")
    var bits: BitWidths?

    @Option(help: "How --bits applies (gpt): safe keeps softmax probabilities and the final layer norm's input at 8 bits, probabilities only the probabilities, uniform none.")
    var widths = Widths.safe
    @Option(name: .customLong("kept-bits"), help: "gpt: the width of the tensors a plan keeps, 1...8: softmax probabilities (under --bits auto too) and, with --widths safe, the final layer norm's input. Default: 8 at a fixed --bits, 4 with --bits auto.")
    var keptBits: Int?

    @Option(name: .customLong("avg-bits"), help: "Target of --bits auto: average bits per saved value, group tables included; a list such as 1.75,2.5 trains one automatic run per entry. Default: cnn 2, gpt \(GPTSettings.defaultAverageBits).")
    var avgBits: AverageBits?

    @Option(name: .customLong("measure-every"), help: "--bits auto: measure each tensor's sensitivity before every N steps, on --measure-batch examples of the batch (0: the backward pass reports its gradient products each step instead). Default: cnn \(TrainConfig().sensitivity.every), gpt \(GPTSettings.defaultSensitivity.every).")
    var measureEvery: Int?

    @Option(name: .customLong("measure-batch"), help: "Examples (cnn) or windows (gpt) of the batch a sensitivity measurement uses. Default: cnn \(TrainConfig().sensitivity.batch), gpt \(GPTSettings.defaultSensitivity.batch).")
    var measureBatch: Int?

    @Option(help: "libdaf group size: a multiple of 16 in 16...65536.")
    var group = 256

    @Option(help: "libdaf rounding: nearest or stochastic.")
    var rounding: Rounding = TrainConfig().rounding

    @Option(name: .customLong("relu-codes"), help: "How libdaf mode saves ReLU outputs and probabilities: sqrt (DAF_KIND_NONNEGATIVE: libdaf stores square roots and squares them back) or linear (plain floats).")
    var reluCodes = ReLUCodes.sqrt

    @Option(name: .customLong("budget-mib"), help: "Memory budget of libdaf's pool in MiB (fractions allowed); none by default.")
    var budgetMiB: Double?

    @Option(help: "What libdaf does when a save does not fit the budget: degrade, spill or fail (default).")
    var policy: BudgetPolicy?

    @Option(name: .customLong("degrade-floor"), help: "Fewest bits --policy degrade may leave a tensor, 0...8 (0: each group's midpoint only).")
    var degradeFloor = TrainConfig().degradeFloorBits

    @Option(help: "Passes over the training subset (cnn; gpt: --steps).")
    var epochs = TrainConfig().epochs

    @Option(help: "Examples per step (cnn: images, default 64; gpt: text windows, default 16).")
    var batch: Int?

    @Option(help: "GPT optimizer steps (AdamW, warm-up and cosine decay).")
    var steps = GPTSettings().steps

    @Option(help: "GPT context length in bytes, 2...1024.")
    var context = GPTShape().context

    @Option(help: "Training examples used, the first N of 60000 (0 = all) (cnn; gpt: --steps).")
    var limit = TrainConfig().limit ?? 0

    @Option(help: "Seed for weights and shuffling (both modes use the same).")
    var seed: UInt64 = TrainConfig().seed

    @Option(help: "Threads for OpenBLAS and the element-wise loops.")
    var threads = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    @Option(name: .customLong("lr"), help: "Peak learning rate (cosine decay to 0): cnn SGD with momentum 0.9, default 0.05; gpt AdamW, default \(DAFTrain.gptLearningRate).")
    var learningRate: Float?
    static let gptLearningRate: Float = 0.003

    @Option(name: .customLong("clip-norm"), help: "Scale gradients down to this global L2 norm when above it; 0 = off. Default: cnn 2 with --policy degrade (hard-degraded saves diverge without it), else off; gpt 1.")
    var clipNorm: Float?

    @Option(name: .customLong("data-dir"), help: "cnn: directory with the four gzipped IDX files (\(FashionMNIST.defaultDirectory)); gpt: the fortune files (\(FortuneText.defaultDirectory)).")
    var dataDirectory: String?

    @Flag(help: "Print one JSON object {\"runs\": [...]} instead of the table.")
    var json = false

    @Option(help: "Write an SVG plot: saved bytes over one step, accuracy per epoch (gpt: validation loss along the steps).")
    var report: String?

    func validate() throws {
        if let budgetMiB, !(budgetMiB > 0 && budgetMiB.isFinite) { throw ValidationError("--budget-mib must be positive") }
        if policy != nil && budgetMiB == nil { throw ValidationError("--policy needs --budget-mib") }
        guard widthList.values.allSatisfy({ $0 == BitWidths.auto || (1...8).contains($0) }) else {
            throw ValidationError("--bits must be 1...8 or auto (or a list of them)")
        }
        guard targetList.values.allSatisfy({ $0 > 0 && $0 <= 32 }) else { throw ValidationError("--avg-bits must be in (0, 32]") }
        guard group >= 16, group <= 65536, group % 16 == 0 else { throw ValidationError("--group must be a multiple of 16 in 16...65536") }
        guard (0...8).contains(degradeFloor) else { throw ValidationError("--degrade-floor must be 0...8") }
        if let keptBits, !(1...8).contains(keptBits) { throw ValidationError("--kept-bits must be 1...8") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        if let batch, !(1...4096).contains(batch) { throw ValidationError("--batch must be 1...4096") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        guard (2...1024).contains(context) else { throw ValidationError("--context must be 2...1024") }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 (all) or more") }
        guard threads >= 1, threads <= 256 else { throw ValidationError("--threads must be 1...256") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--lr must be positive") }
        if let clipNorm, !(clipNorm >= 0 && clipNorm.isFinite) { throw ValidationError("--clip-norm must be 0 (off) or positive") }
        if let measureEvery, measureEvery < 0 { throw ValidationError("--measure-every must be 0 (never) or more") }
        if let measureBatch, measureBatch < 1 { throw ValidationError("--measure-batch must be at least 1") }
    }

    /// --bits, or the model's default: cnn 2 bits, gpt automatic bits.
    var widthList: BitWidths { bits ?? BitWidths([model == .gpt ? BitWidths.auto : 2]) }
    /// --avg-bits, or the model's default target.
    var targetList: AverageBits { avgBits ?? AverageBits([model == .gpt ? GPTSettings.defaultAverageBits : 2]) }

    func run() throws {
        var config = TrainConfig()
        config.model = model
        config.widths = widths
        config.gpt.steps = steps
        config.gpt.shape.context = context
        if let dataDirectory { config.gpt.textDirectory = dataDirectory }
        config.group = group
        config.rounding = rounding
        config.squareRootReLU = reluCodes == .sqrt
        config.epochs = epochs
        config.batch = batch ?? (model == .gpt ? 16 : TrainConfig().batch)
        config.limit = limit == 0 ? nil : limit
        config.seed = seed
        config.threads = threads
        config.learningRate = learningRate ?? (model == .gpt ? Self.gptLearningRate : TrainConfig().learningRate)
        config.clipNorm = clipNorm ?? (policy == .degrade ? 2 : 0)
        if let clipNorm, model == .gpt { config.gpt.clipNorm = clipNorm } // the GPT's AdamW clips at 1 by default
        config.budgetMiB = budgetMiB
        config.policy = policy ?? .fail
        config.degradeFloorBits = degradeFloor
        config.keptBits = keptBits
        if model == .gpt { config.sensitivity = GPTSettings.defaultSensitivity }
        if let measureEvery { config.sensitivity.every = measureEvery }
        if let measureBatch { config.sensitivity.batch = measureBatch }

        let runs: [RunResult]
        do {
            let printer = ProgressPrinter()
            var configs: [TrainConfig] = []
            if mode != .daf { config.mode = .fp32; configs.append(config) }
            if mode != .fp32 {
                config.mode = .daf
                for b in widthList.values where b != BitWidths.auto { config.bits = b; configs.append(config) }
                if widthList.values.contains(BitWidths.auto) {
                    config.automaticBits = true
                    for target in targetList.values { config.averageBits = target; configs.append(config) }
                }
            }
            if model == .gpt {
                runs = try GPTTrainer(text: FortuneText(directory: config.gpt.textDirectory), configs: configs).run(progress: printer.show)
            } else {
                let data = try FashionMNIST(directory: dataDirectory ?? FashionMNIST.defaultDirectory)
                runs = try Trainer(data: data, configs: configs).run(progress: printer.show)
            }
        } catch let error as TrainerError {
            throw ValidationErrorWithoutUsage(message: error.description)
        }
        print(json ? RunJSON.render(runs) : ResultTable.render(runs))
        if let report {
            guard let file = fopen(report, "w") else { throw ValidationErrorWithoutUsage(message: "cannot write \(report)") }
            fputs(SVGReport.render(runs), file)
            fclose(file)
            if !json { print("report: \(report)") }
        }
    }
}

/// --bits: one width or a comma-separated list; "auto" is BitWidths.auto.
struct BitWidths: ExpressibleByArgument, CustomStringConvertible {
    static let auto = 0
    let values: [Int]
    init(_ values: [Int]) { self.values = values }
    init?(argument: String) {
        let parts = argument.split(separator: ",").map { $0 == "auto" ? BitWidths.auto : Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        values = parts.map { $0! }
    }
    var description: String { values.map { $0 == BitWidths.auto ? "auto" : String($0) }.joined(separator: ",") }
    var defaultValueDescription: String { description }
}

/// --avg-bits: one target or a comma-separated list.
struct AverageBits: ExpressibleByArgument, CustomStringConvertible {
    let values: [Double]
    init(_ values: [Double]) { self.values = values }
    init?(argument: String) {
        let parts = argument.split(separator: ",").map { Double($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        values = parts.map { $0! }
    }
    var description: String { values.map { String($0) }.joined(separator: ",") }
    var defaultValueDescription: String { description }
}

/// A failure that is not about the command line: print the message, exit 1, no usage text.
struct ValidationErrorWithoutUsage: Error, CustomStringConvertible {
    let message: String
    var description: String { "daf-train: " + message }
}

extension BudgetPolicy: ExpressibleByArgument {}
