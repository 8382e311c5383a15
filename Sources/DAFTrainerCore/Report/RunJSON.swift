// SPDX-License-Identifier: MIT
// daf-train --json: one object {"runs": [...]}, one row per run with the fields below in their
// order. Fields that do not apply (group and rounding of an fp32 run; policy and budget of a run
// without a budget; bits of an automatic run, avg_bits of a fixed one; the plan of an fp32 run;
// the GPT's test accuracy) are null. GPT rows add "model" first and the language-model figures
// last. Each plan entry: tensor, bits, group, bytes, and the planner's sensitivity weight.

public enum RunJSON {
    public static func render(_ runs: [RunResult]) -> String {
        "{\"runs\": [" + runs.map(object).joined(separator: ", ") + "]}"
    }

    static func object(_ r: RunResult) -> String {
        let c = r.config, daf = c.mode == .daf
        let fields: [(String, String)] = [
            ("mode", quoted(c.mode.rawValue)),
            ("bits", daf ? (c.automaticBits ? "null" : String(c.bits)) : "32"),
            ("avg_bits", daf && c.automaticBits ? c.averageBits.map { number($0, 3) } ?? "null" : "null"),
            ("group", daf ? String(c.group) : "null"),
            ("rounding", daf ? quoted(c.rounding.rawValue) : "null"),
            ("policy", daf && c.budgetMiB != nil ? quoted(c.policy.rawValue) : "null"),
            ("budget_mib", daf ? c.budgetMiB.map { number($0, 4) } ?? "null" : "null"),
            ("epochs", r.language == nil ? String(c.epochs) : "null"),
            ("train_examples", String(r.trainExamples)),
            ("test_accuracy", number(r.testAccuracy, 4)),
            ("final_loss", number(r.finalLoss, 4)),
            ("saved_peak_bytes", String(r.savedPeakBytes)),
            ("fp32_equivalent_peak_bytes", String(r.fp32EquivalentPeakBytes)),
            ("step_ms_median", number(r.stepMsMedian, 3)),
            ("plan_ms_total", daf ? number(r.planSeconds * 1000, 3) : "null"),
            ("sensitivity_ms_total", daf && c.automaticBits ? number(r.sensitivitySeconds * 1000, 3) : "null"),
            ("evictions_after_plan", daf ? String(r.evictionsAfterPlan) : "null"),
            ("plan", daf ? "[" + r.plan.map(planObject).joined(separator: ", ") + "]" : "null"),
        ]
        var all = fields
        if let l = r.language {
            // The GPT's rows: the model first, then the CNN's fields, then its own.
            all.insert(("model", quoted(c.model.rawValue)), at: 0)
            all += [("steps", String(l.steps)), ("val_loss", number(l.validationLoss, 4)), ("bits_per_byte", number(l.bitsPerByte, 4)),
                    ("unigram_loss", number(l.unigramLoss, 4)), ("widths", daf ? quoted(c.widths.rawValue) : "null")]
        }
        return "{" + all.map { quoted($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }

    static func planObject(_ p: PlanEntry) -> String {
        "{\"tensor\": \(quoted(p.tensor)), \"bits\": \(p.bits), \"group\": \(p.group), \"bytes\": \(p.bytes), "
            + "\"sensitivity\": \(p.sensitivity.isFinite ? String(p.sensitivity) : "null")}"
    }

    static func quoted(_ s: String) -> String { "\"" + s + "\"" } // our strings need no escapes
    static func number(_ x: Double, _ decimals: Int) -> String { x.isFinite ? fixed(x, decimals) : "null" }
}
