// SPDX-License-Identifier: MIT
// A short real GPT training on the fortunes text through DAFTrainerCore: fp32 and libdaf 2-bit
// under the safe plan (probabilities and the final LN input at 8) learn, in lockstep, to nearly
// the same loss, while 2-bit with only the probabilities kept falls clearly behind; libdaf's
// saved bytes are exactly the packed sizes of the step's tensors at the widths WidthPlan gives;
// with automatic bits every tensor reports its sensitivity and the plan holds its target. Needs Debian's fortunes
// package: without it these tests fail and say so.
import CDAF
@testable import DAFTrainerCore
import Testing

let fortunes: Result<FortuneText, TrainerError> = {
    do { return .success(try FortuneText()) } catch let error as TrainerError { return .failure(error) } catch {
        return .failure(.unavailable("loading the fortunes text failed: \(error)"))
    }
}()

/// A tiny GPT (2 layers, width 32, context 16, batch 4) for `steps` steps: small, because
/// `swift test` runs libdaf's codec unoptimized.
func shortGPTConfig(_ mode: Mode, bits: Int = 2, widths: Widths = .safe, steps: Int = 100, averageBits: Double? = nil) -> TrainConfig {
    var c = TrainConfig()
    (c.automaticBits, c.averageBits) = (averageBits != nil, averageBits)
    c.model = .gpt
    c.mode = mode
    c.bits = bits
    c.widths = widths
    (c.gpt.shape.layers, c.gpt.shape.width, c.gpt.shape.heads, c.gpt.shape.context) = (2, 32, 2, 16)
    (c.gpt.steps, c.gpt.evalEvery, c.gpt.evalWindows, c.gpt.finalEvalWindows) = (steps, 20, 32, 128)
    c.batch = 4
    c.threads = 2
    c.learningRate = 0.01
    // Measured sensitivities on one window of the four (its 8-bit tensors stay below the peak).
    c.sensitivity = SensitivitySettings(every: 20, batch: 1)
    return c
}

@Suite("GPT on the fortunes text", .serialized)
struct GPTTrainingTests {
    @Test("the text: plain files only, sorted, split 90/10; the unigram model is near 4.9 bits per byte")
    func text() throws {
        let text = try fortunes.get()
        #expect(text.files == text.files.sorted() && !text.files.contains { $0.hasSuffix(".dat") || $0.hasSuffix(".u8") })
        let total = text.train.count + text.validation.count
        #expect(total > 1_000_000 && text.validation.count == total / 10, "\(text.train.count) + \(text.validation.count) bytes")
        let bits = text.unigramLoss / 0.6931471805599453
        #expect(bits > 4 && bits < 5.5, "unigram: \(bits) bits per byte")
    }

    @Test("fp32 and libdaf 2-bit (safe plan) learn alike in lockstep; 2-bit keeping only the probabilities does not; saved bytes are the packed sizes")
    func bothLearn() throws {
        let configs = [shortGPTConfig(.fp32), shortGPTConfig(.daf), shortGPTConfig(.daf, widths: .probabilities)]
        let runs = try GPTTrainer(text: fortunes.get(), configs: configs).run()
        #expect(runs.count == 3)
        for r in runs.prefix(2) {
            let l = try #require(r.language)
            // A uniform guess over 256 bytes is 5.55 nats; the unigram model about 3.4.
            #expect(l.validationLoss < l.unigramLoss, "\(r.config.label): validation loss \(l.validationLoss), unigram \(l.unigramLoss)")
            #expect(l.curve.count == 5 && l.curve.last!.step == 100)
        }
        let (fp32, safe, probabilities) = (runs[0].language!.validationLoss, runs[1].language!.validationLoss, runs[2].language!.validationLoss)
        #expect(abs(fp32 - safe) < 0.1, "libdaf 2-bit (safe) \(safe) strays from fp32 \(fp32)")
        // The final LN input at 2 bits: every gradient passes through its backward (WidthPlan.swift).
        #expect(probabilities > safe + 0.1, "2-bit keeping only the probabilities: \(probabilities), safe plan \(safe), fp32 \(fp32)")

        // The step's tensors at batch 4, context 16: per block ln1 input, qkv, probs, att output,
        // ln2 input, gelu input; then the final LN input and the LM probabilities.
        let (b, t, c, h) = (4, 16, 32, 2)
        let plan = WidthPlan(bits: 2, widths: .safe)
        let model = GPT(shape: configs[0].gpt.shape, seed: 1, parallel: Parallel(threads: 1))
        let n = b * t
        let block: [Int] = [n * c, n * 3 * c, b * h * t * (t + 1) / 2, n * c, n * c, n * 4 * c]
        let counts: [Int] = block + block + [n * c, n * 256]
        let roles = model.allRoles
        #expect(roles.count == counts.count && roles.filter { $0.kind == .probabilities }.count == 3)
        let fp32Bytes = counts.reduce(0) { $0 + $1 * 4 }
        var packed = 0
        for (count, role) in zip(counts, roles) { packed += daf_packed_bound_finite(count, UInt32(plan.bits(for: role)), 256) }
        #expect(runs[0].savedPeakBytes == fp32Bytes && runs[1].fp32EquivalentPeakBytes == fp32Bytes)
        #expect(runs[1].savedPeakBytes == packed, "libdaf peak \(runs[1].savedPeakBytes), packed sizes \(packed)")
        for r in runs {
            let bytes = r.timeline.map(\.bytes), saves = counts.count
            #expect(bytes.count == 2 * saves + 1 && bytes.first == 0 && bytes.last == 0 && bytes[saves] == r.savedPeakBytes)
        }
    }

    @Test("every tensor as plain floats at libdaf's default options learns; with 0.1.0's nearest rounding it does not")
    func defaultOptions() throws {
        var defaults = daf_options()
        try checkDAF(daf_options_init_sized(&defaults, MemoryLayout<daf_options>.size), "daf_options_init", nil)
        let rounding: Rounding = defaults.rounding == UInt32(DAF_ROUND_STOCHASTIC.rawValue) ? .stochastic : .nearest
        // A loop that knows no kinds, slots or widths: every tensor a float at the context's bits.
        func everyTensorAsFloats(_ rounding: Rounding) -> TrainConfig {
            var c = shortGPTConfig(.daf, bits: Int(defaults.bits), widths: .uniform, steps: 200)
            (c.rounding, c.squareRootReLU, c.group) = (rounding, false, Int(defaults.group_size))
            return c
        }
        let runs = try GPTTrainer(text: fortunes.get(), configs: [shortGPTConfig(.fp32, steps: 200), everyTensorAsFloats(rounding),
                                                                  everyTensorAsFloats(.nearest)]).run()
        let (fp32, plain, nearest) = (runs[0].language!, runs[1].language!.validationLoss, runs[2].language!.validationLoss)
        #expect(rounding == .stochastic)
        let (gapDefaults, gapNearest) = (plain - fp32.validationLoss, nearest - fp32.validationLoss)
        // 200 steps of the tiny GPT: fp32 2.87, the defaults 3.36, 2-bit nearest 3.75 (worse than
        // the unigram model's 3.38: its probabilities' small values come back as their row's minimum).
        #expect(plain < fp32.unigramLoss && gapDefaults < 0.6 && gapNearest > 1.5 * gapDefaults,
                "defaults \(plain), 2-bit nearest \(nearest), fp32 \(fp32.validationLoss), unigram \(fp32.unigramLoss)")
    }

    @Test("the safe plan keeps probabilities and the final LN input at 8 bits, the probabilities plan only those, uniform none")
    func widthPlans() throws {
        let model = GPT(shape: shortGPTConfig(.daf).gpt.shape, seed: 1, parallel: Parallel(threads: 1))
        #expect(model.allRoles.filter(\.isBottleneck).map(\.name) == ["final ln input"])
        for role in model.allRoles {
            let kept = role.kind == .probabilities || role.isBottleneck
            let safe = WidthPlan(bits: 2, widths: .safe).bits(for: role), uniform = WidthPlan(bits: 3, widths: .uniform).bits(for: role)
            let probabilities = WidthPlan(bits: 2, widths: .probabilities).bits(for: role)
            #expect(safe == (kept ? 8 : 2) && probabilities == (role.kind == .probabilities ? 8 : 2) && uniform == 3,
                    "\(role.name): \(safe), \(probabilities), \(uniform)")
            #expect(try WidthPlan(bits: 2, widths: .safe).parameters(for: role).bits == (kept ? 8 : 0))
            // Automatic bits: the planner chooses every width but the probabilities', which keep 4
            // (or --kept-bits).
            let automatic = try WidthPlan(bits: 2, widths: .safe, automatic: true).parameters(for: role).bits
            #expect(automatic == (role.kind == .probabilities ? 4 : DAF_BITS_AUTO), "\(role.name): \(automatic)")
            let six = try WidthPlan(bits: 2, widths: .safe, automatic: true, keptBits: 6).parameters(for: role).bits
            #expect(six == (role.kind == .probabilities ? 6 : DAF_BITS_AUTO), "\(role.name): \(six)")
        }
        #expect(Set(model.allRoles.map(\.slot)) == Set([0, 1, 2, 3, 4, 5, 16, 17, 18, 19, 20, 21, 32, 33]))
    }

    @Test("automatic bits: every tensor reports its sensitivity and gets a planned width; learns as fp32 within the target's bytes")
    func automatic() throws {
        let steps = 60, target = 4.0
        let runs = try GPTTrainer(text: fortunes.get(), configs: [shortGPTConfig(.fp32, steps: steps),
                                                                  shortGPTConfig(.daf, steps: steps, averageBits: target)]).run()
        let (fp32, auto) = (runs[0], runs[1])
        let roles = GPT(shape: shortGPTConfig(.daf).gpt.shape, seed: 1, parallel: Parallel(threads: 1)).allRoles
        #expect(auto.tensors == roles.map(\.name) && auto.plan.map(\.tensor) == roles.map(\.name))
        #expect(auto.widths.count == steps && auto.widths.allSatisfy { $0.count == roles.count && $0.allSatisfy((1...8).contains) })
        for (entry, role) in zip(auto.plan, roles) where role.kind != .probabilities {
            // Without a measurement the planner would weigh the slot by its importance (the depth).
            #expect(entry.sensitivity != Double(role.depth) && entry.sensitivity.isFinite && entry.sensitivity > 0,
                    "\(entry.tensor): \(entry.sensitivity)")
        }
        #expect(auto.sensitivitySeconds > 0)
        #expect(Set(auto.plan.map(\.bits)).count > 1, "one width for every tensor: \(auto.plan.map(\.bits))")
        let (l32, lauto) = (fp32.language!.validationLoss, auto.language!.validationLoss)
        #expect(abs(lauto - l32) < 0.1, "auto \(target): \(lauto), fp32 \(l32)")
        // The plan's bytes (group tables and headers included) hold the target. In this tiny GPT
        // the probabilities, kept at 4 bits, are 30 % of the values; the first step, before any
        // plan, saves the other tensors at the widest width whose group table fits the target.
        let planned = auto.plan.reduce(0) { $0 + $1.bytes }
        #expect(Double(planned) <= Double(fp32.savedPeakBytes) * target / 32, "plan \(planned) bytes, fp32 \(fp32.savedPeakBytes)")
        #expect(auto.savedPeakBytes < fp32.savedPeakBytes / 5, "auto peak \(auto.savedPeakBytes), fp32 \(fp32.savedPeakBytes)")
        #expect(fp32.plan.isEmpty && fp32.widths.isEmpty)
    }

    @Test("a budget of a quarter of the peak with --policy spill trains exactly as without one")
    func spill() throws {
        var free = shortGPTConfig(.daf, steps: 20), spilled = free
        let peak = try #require(try GPTTrainer(text: fortunes.get(), configs: [free]).run().first).savedPeakBytes
        spilled.budgetMiB = Double(peak) / 4 / 1_048_576
        spilled.policy = .spill
        free.gpt.steps = 20
        let r = try #require(try GPTTrainer(text: fortunes.get(), configs: [spilled]).run().first)
        let reference = try #require(try GPTTrainer(text: fortunes.get(), configs: [free]).run().first)
        #expect(r.language!.validationLoss == reference.language!.validationLoss, "spill is exact: \(r.language!.validationLoss) vs \(reference.language!.validationLoss)")
        #expect(r.savedPeakBytes <= Int(spilled.budgetMiB! * 1_048_576), "pool peak \(r.savedPeakBytes) bytes")
    }

    @Test("--json, the table and the SVG for GPT runs: val_loss, bits_per_byte, the loss curve")
    func reports() {
        var fp32 = TrainConfig(), daf = TrainConfig()
        (fp32.model, fp32.mode, daf.model, daf.mode) = (.gpt, .fp32, .gpt, .daf)
        let curve = [CurvePoint(step: 50, trainLoss: 3, validationLoss: 2.9), CurvePoint(step: 100, trainLoss: 2.5, validationLoss: 2.4)]
        let timeline = [TimelinePoint(event: "start", bytes: 0, fp32Bytes: 0), TimelinePoint(event: "save x", bytes: 100, fp32Bytes: 1400),
                        TimelinePoint(event: "release x", bytes: 0, fp32Bytes: 0)]
        let runs = [(fp32, 1400, 2.4), (daf, 100, 2.5)].map { c, peak, loss in
            RunResult(config: c, trainExamples: 1600, epochs: [EpochResult(trainLoss: 2.5, testAccuracy: .nan)], savedPeakBytes: peak,
                      fp32EquivalentPeakBytes: 1400, stepMsMedian: 40, timeline: timeline,
                      language: LanguageModelFigures(validationLoss: loss, unigramLoss: 3.4, steps: 100, curve: curve))
        }
        let json = RunJSON.render(runs)
        #expect(json.contains("{\"model\": \"gpt\", \"mode\": \"fp32\""))
        #expect(json.contains("\"test_accuracy\": null") && json.contains("\"epochs\": null"))
        #expect(json.contains("\"steps\": 100, \"val_loss\": 2.5000, \"bits_per_byte\": 3.6067, \"unigram_loss\": 3.4000, \"widths\": \"safe\""))
        let table = ResultTable.render(runs).split(separator: "\n")
        #expect(table.first?.contains("GPT on the fortunes text") == true)
        #expect(table.contains { $0.hasPrefix("validation loss (nats)") && $0.contains("2.4000") && $0.contains("2.5000") })
        #expect(table.contains { $0.hasPrefix("compression") && $0.contains("14.0x") })
        let svg = SVGReport.render(runs)
        for needle in ["Validation loss along the steps", "validation loss 2.4000", "daf 2-bit (safe)", "step"] {
            #expect(svg.contains(needle), "missing \(needle)")
        }
        #expect(svg.ranges(of: "<text").count == svg.ranges(of: "</text>").count)
    }
}
