// SPDX-License-Identifier: MIT
// The side-by-side table daf-train prints at the end: one column per run, one row per figure.
import Glibc

public enum ResultTable {
    public static func render(_ runs: [RunResult]) -> String {
        guard let first = runs.first else { return "" }
        let c = first.config
        let fp32Step = runs.first { $0.config.mode == .fp32 }?.stepMsMedian
        var rows: [(String, [String])] = []
        func row(_ name: String, _ value: (RunResult) -> String) { rows.append((name, runs.map(value))) }
        row("") { $0.config.label }
        if first.language != nil {
            row("validation loss (nats)") { $0.language.map { fixed($0.validationLoss, 4) } ?? "-" }
            row("  bits per byte") { $0.language.map { fixed($0.bitsPerByte, 4) } ?? "-" }
            row("  unigram model") { $0.language.map { fixed($0.unigramLoss, 4) + " (" + fixed($0.unigramLoss / log(2), 3) + " b/B)" } ?? "-" }
        } else {
            row("test accuracy") { fixed($0.testAccuracy * 100, 2) + " %" }
        }
        row("final training loss") { fixed($0.finalLoss, 4) }
        row("saved-activation peak") { byteSize($0.savedPeakBytes) }
        row("  fp32 would hold") { byteSize($0.fp32EquivalentPeakBytes) }
        row("compression") { fixed($0.compression, 1) + "x" }
        row("median step time") { r in
            let ratio = fp32Step.map { r.config.mode == .daf ? " (" + fixed(r.stepMsMedian / $0, 2) + "x)" : "" } ?? ""
            return fixed(r.stepMsMedian, 1) + " ms" + ratio
        }
        row("planner per step") { r in
            guard r.config.mode == .daf, !r.widths.isEmpty else { return "-" }
            let perStep = r.planSeconds * 1000 / Double(r.widths.count)
            return fixed(perStep * 1000, 1) + " us (" + fixed(perStep / r.stepMsMedian * 100, 3) + " %)"
        }
        row("sensitivity measurements") { r in
            guard r.config.mode == .daf, r.config.automaticBits, r.sensitivitySeconds > 0 else { return "-" }
            let steps = r.widths.isEmpty ? 1 : r.widths.count
            return fixed(r.sensitivitySeconds, 2) + " s (" + fixed(r.sensitivitySeconds * 1000 / (r.stepMsMedian * Double(steps)) * 100, 1) + " % of the steps)"
        }
        row("pool budget, policy") { r in
            guard r.config.mode == .daf, let budget = r.config.budgetMiB else { return "-" }
            return "\(budget) MiB, \(r.config.policy.rawValue)"
        }

        let g = c.gpt.shape
        var lines = [first.language == nil
            ? "daf-train: CNN on Fashion-MNIST, \(first.trainExamples) training examples x \(c.epochs) epochs, "
                + "batch \(c.batch), seed \(c.seed), \(c.threads) threads"
            : "daf-train: GPT on the fortunes text, \(g.layers) layers, width \(g.width), \(g.heads) heads, context \(g.context), "
                + "\(g.parameterCount) parameters; \(c.gpt.steps) steps x batch \(c.batch), seed \(c.seed), \(c.threads) threads"]
        for (name, values) in rows {
            let line = padded(name, 26) + values.map { padded($0, 20) }.joined()
            lines.append(String(line.reversed().drop { $0 == " " }.reversed()))
        }
        return lines.joined(separator: "\n")
    }
}
