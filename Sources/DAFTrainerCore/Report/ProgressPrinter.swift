// SPDX-License-Identifier: MIT
// Progress on standard error: a bar redrawn in place on a terminal, plain lines otherwise (a
// log or CI). Standard output stays free for the table or the JSON.
import Glibc

public final class ProgressPrinter {
    let isTerminal = isatty(2) != 0
    private var lastQuarter = -1

    public init() {}

    public func show(_ p: Progress) {
        let percent = p.step * 100 / max(p.stepsPerEpoch, 1)
        let runs = p.runs.map { r in
            "\(r.label) loss \(fixed(r.loss, 4))" + (r.testAccuracy.map { " test \(fixed($0 * 100, 2)) %" } ?? "")
                + (r.validationLoss.map { " val \(fixed($0, 4))" } ?? "")
                + " \(Int(r.examplesPerSecond))/s"
        }.joined(separator: " | ")
        if p.epochDone {
            let line = (p.epochs == 1 && p.step < p.stepsPerEpoch ? "step \(p.step)/\(p.stepsPerEpoch): " : "epoch \(p.epoch)/\(p.epochs): ") + runs
            write(isTerminal ? "\r\u{1B}[K" + line + "\n" : line + "\n")
            lastQuarter = -1
        } else if isTerminal {
            let width = 24, filled = p.step * width / max(p.stepsPerEpoch, 1)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            write("\r\u{1B}[Kepoch \(p.epoch)/\(p.epochs) [\(bar)] \(percent)%  " + runs)
        } else {
            // Plain lines at 25, 50 and 75 % of each epoch (the epoch's end has its own line).
            let quarter = p.step * 4 / max(p.stepsPerEpoch, 1)
            guard quarter != lastQuarter, quarter > 0, quarter < 4 else { return }
            lastQuarter = quarter
            write((p.epochs == 1 ? "" : "epoch \(p.epoch)/\(p.epochs) ") + "step \(p.step)/\(p.stepsPerEpoch): " + runs + "\n")
        }
    }

    func write(_ text: String) {
        var t = text
        t.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
