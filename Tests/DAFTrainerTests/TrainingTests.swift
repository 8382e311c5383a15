// SPDX-License-Identifier: MIT
// Short real trainings on Fashion-MNIST through DAFTrainerCore: fp32 and libdaf 2-bit both
// learn (loss far below chance, ln 10 = 2.30), and libdaf's saved bytes are exactly what the
// packed format says they must be for the six saved tensors, a ≥ 12x smaller peak than fp32.
// Needs Debian's dataset-fashion-mnist: without it these tests fail and say so.
import CDAF
@testable import DAFTrainerCore
import Glibc
import Testing

/// The data, loaded once for all tests; a missing dataset fails every test that needs it
/// with the loader's message, which names the Debian package.
let fashionMNIST: Result<FashionMNIST, TrainerError> = {
    do { return .success(try FashionMNIST()) } catch let error as TrainerError { return .failure(error) } catch {
        return .failure(.unavailable("loading Fashion-MNIST failed: \(error)"))
    }
}()

/// A few hundred small steps on a subset: 300 steps of 8 examples, two epochs over 1200.
/// (Small batches because `swift test` runs libdaf's codec unoptimized: about a second per
/// MiB saved and restored, where the release build takes a few milliseconds.)
func shortConfig(_ mode: Mode, bits: Int = 2) -> TrainConfig {
    var c = TrainConfig()
    c.mode = mode
    c.bits = bits
    c.epochs = 2
    c.batch = 8
    c.limit = 1200
    c.testLimit = 2000
    c.threads = 2
    c.learningRate = 0.02
    return c
}

@Suite("Training on Fashion-MNIST", .serialized)
struct TrainingTests {
    @Test("automatic bits learn, plan every float tensor under the average target, and show it in --json")
    func automaticBits() throws {
        var auto = shortConfig(.daf)
        auto.automaticBits = true
        auto.averageBits = 2
        let r = try #require(try Trainer(data: fashionMNIST.get(), configs: [auto]).run().first)
        #expect(r.testAccuracy > 0.65, "\(r.config.label): test accuracy \(r.testAccuracy)")
        #expect(r.plan.map(\.tensor) == Network.roles.map(\.name))
        let planned = r.plan.reduce(0) { $0 + $1.bytes }, values = r.fp32EquivalentPeakBytes / 4
        #expect(planned * 8 <= 2 * values, "the plan takes \(planned) bytes for \(values) values")
        #expect(r.plan.filter { $0.tensor.hasSuffix("argmax") }.allSatisfy { $0.bits == 2 }, "argmaxes are exact 2-bit integers")
        #expect(r.widths.count == r.epochs.count * (r.trainExamples / r.config.batch) && r.planSeconds > 0)
        let json = RunJSON.render([r])
        #expect(json.contains("\"bits\": null, \"avg_bits\": 2.000") && json.contains("\"plan\": [{\"tensor\": \"conv1 input\""))
        #expect(SVGReport.render([r]).contains("Width of each saved tensor"))
    }

    @Test("fp32 and libdaf 2-bit both learn, on the same seed and data")
    func bothLearn() throws {
        let runs = try Trainer(data: fashionMNIST.get(), configs: [shortConfig(.fp32), shortConfig(.daf)]).run()
        #expect(runs.count == 2)
        for r in runs {
            let steps = r.epochs.count * (r.trainExamples / r.config.batch)
            // Chance: loss ln 10 = 2.30, accuracy 10 %.
            #expect(r.finalLoss < 1.0, "\(r.config.label): mean loss of the last epoch \(r.finalLoss) after \(steps) steps")
            #expect(r.testAccuracy > 0.65, "\(r.config.label): test accuracy \(r.testAccuracy)")
        }
        // So short a run is noisy: this only catches libdaf wrecking training. The README's
        // table compares accuracy on full-length runs.
        let (fp32, daf) = (runs[0], runs[1])
        #expect(abs(fp32.testAccuracy - daf.testAccuracy) < 0.08,
                "libdaf 2-bit \(daf.testAccuracy) strays from fp32 \(fp32.testAccuracy)")
    }

    /// The six saved tensors of one step at batch B (Network.swift), with the bits libdaf keeps
    /// each at when the run asks for 2: the argmaxes need 2, the classifier's input keeps 4.
    /// The six saved tensors of a fixed-width run: the argmaxes are exact 2-bit integers
    /// whatever the width, the classifier's input takes at least 4 bits.
    /// Each saved tensor's values, width and group size (the exact argmaxes in groups of 4096).
    static func savedTensors(batch b: Int, bits: Int = 2) -> [(count: Int, bits: Int, group: Int)] {
        [(b * 784, bits, 256), (32 * b * 196, 2, 4096), (32 * b * 196, bits, 256), (64 * b * 49, 2, 4096), (b * 3136, bits, 256),
         (b * 128, max(bits, 4), 256)]
    }

    @Test("saved bytes: fp32 holds the six tensors, libdaf exactly their packed sizes (>= 12x less)")
    func savedBytes() throws {
        var fp32 = shortConfig(.fp32), daf = shortConfig(.daf)
        fp32.batch = 32; fp32.epochs = 1; fp32.maxStepsPerEpoch = 3
        daf.batch = 32; daf.epochs = 1; daf.maxStepsPerEpoch = 3
        let runs = try Trainer(data: fashionMNIST.get(), configs: [fp32, daf]).run()
        let tensors = Self.savedTensors(batch: fp32.batch)
        let fp32Bytes = tensors.reduce(0) { $0 + $1.count * 4 }
        let packedBytes = tensors.reduce(0) { $0 + daf_packed_bound_finite($1.count, UInt32($1.bits), UInt32($1.group)) }

        #expect(runs[0].savedPeakBytes == fp32Bytes)
        #expect(runs[0].fp32EquivalentPeakBytes == fp32Bytes)
        #expect(runs[1].fp32EquivalentPeakBytes == fp32Bytes)
        #expect(runs[1].savedPeakBytes == packedBytes)
        #expect(runs[1].compression >= 12, "libdaf 2-bit saves only \(runs[1].compression)x")

        // One step's timeline: six saves rise to the peak, six releases fall back to zero.
        for r in runs {
            let bytes = r.timeline.map(\.bytes)
            #expect(bytes.count == 13 && bytes.first == 0 && bytes.last == 0, "\(r.config.label): \(bytes)")
            #expect(bytes.max() == r.savedPeakBytes && bytes[6] == r.savedPeakBytes, "\(r.config.label): \(bytes)")
            #expect(zip(bytes, bytes.dropFirst()).prefix(6).allSatisfy { $0 < $1 }, "\(r.config.label): forward must rise: \(bytes)")
            #expect(zip(bytes, bytes.dropFirst()).suffix(6).allSatisfy { $0 > $1 }, "\(r.config.label): backward must fall: \(bytes)")
        }
    }

    @Test("lower bit widths save proportionally fewer bytes")
    func bitWidths() throws {
        var configs = [8, 4, 1].map { shortConfig(.daf, bits: $0) }
        for i in configs.indices { configs[i].batch = 32; configs[i].epochs = 1; configs[i].maxStepsPerEpoch = 2 }
        let runs = try Trainer(data: fashionMNIST.get(), configs: configs).run()
        for (bits, r) in zip([8, 4, 1], runs) {
            let tensors = Self.savedTensors(batch: 32, bits: bits)
            let packed = tensors.reduce(0) { $0 + daf_packed_bound_finite($1.count, UInt32($1.bits), UInt32($1.group)) }
            #expect(r.savedPeakBytes == packed, "\(bits)-bit: \(r.savedPeakBytes) bytes, expected \(packed)")
        }
        let ratios = runs.map(\.compression)
        #expect(ratios[0] < ratios[1] && ratios[1] < ratios[2] && ratios[2] > 15, "\(ratios)")
    }

    @Test("a budget of a quarter of the 2-bit peak (spill), or the exact argmaxes and half the rest (degrade, with clipping): both complete and learn",
          arguments: [BudgetPolicy.spill, .degrade])
    func quarterBudget(policy: BudgetPolicy) throws {
        var c = shortConfig(.daf)
        c.batch = 32; c.epochs = 1; c.limit = 1920
        // The 2-bit peak as whole OS pages (budgeted runs use them), then a quarter of it.
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pageCounts = Self.savedTensors(batch: c.batch).map { (daf_packed_bound_finite($0.count, UInt32($0.bits), 256) + page - 1) / page }
        // DEGRADE never touches the exact argmaxes: the budget holds both, and half the pages
        // of the four float tensors at 2 bits.
        let argmaxPages = pageCounts[1] + pageCounts[3], floatPages = pageCounts.reduce(0, +) - argmaxPages
        let pages = policy == .degrade ? (argmaxPages + floatPages / 2) * 4 : pageCounts.reduce(0, +)
        c.budgetMiB = Double(pages * page) / 4 / 1_048_576
        c.policy = policy
        c.clipNorm = policy == .degrade ? 2 : 0
        let r = try #require(try Trainer(data: fashionMNIST.get(), configs: [c]).run().first)
        #expect(r.finalLoss < 1.9, "\(c.label): mean loss \(r.finalLoss) after 60 steps (chance: 2.30)")
        #expect(r.testAccuracy > 0.4, "\(c.label): test accuracy \(r.testAccuracy)")
        #expect(r.savedPeakBytes <= Int(c.budgetMiB! * 1_048_576), "\(c.label): pool peak \(r.savedPeakBytes) bytes")
    }
}
