// SPDX-License-Identifier: MIT
// daf-train --report's third plot: the width libdaf's planner gave each saved tensor after each
// step of an automatic-bits run (one line per tensor, a step function). Not the other plots.

extension SVGReport {
    /// The panel's height: room for one legend line per tensor (the GPT saves 26).
    static func widthsHeight(_ run: RunResult) -> Double { max(180, Double(tensorNames(run).count) * 18 + 10) }

    static func tensorNames(_ run: RunResult) -> [String] { run.tensors.isEmpty ? Network.roles.map(\.name) : run.tensors }

    static func widths(_ run: RunResult, top: Double, into svg: inout Canvas) {
        let f = Frame(x: bytesFrame.x, y: top, width: width - bytesFrame.x - 220, height: widthsHeight(run))
        let steps = run.widths.count, maxBits = 8.0
        guard steps > 0 else { return }
        func px(_ step: Int) -> Double { f.x + Double(step) / Double(max(steps - 1, 1)) * f.width }
        func py(_ bits: Double) -> Double { f.y + f.height - bits / maxBits * f.height }

        svg.text(x: f.x, y: f.y - 14, "Width of each saved tensor after each step (\(run.config.label))", size: 14, weight: "bold")
        for b in stride(from: 0.0, through: maxBits, by: 2) {
            svg.line(f.x, py(b), f.x + f.width, py(b), color: "#e4e4e4")
            svg.text(x: f.x - 6, y: py(b) + 4, fixed(b, 0), size: 11, anchor: "end")
        }
        svg.text(x: f.x - 44, y: f.y + f.height / 2, "bits", size: 12, anchor: "middle")
        axes(f, into: &svg)
        svg.text(x: f.x + f.width / 2, y: f.y + f.height + 22, "step (of \(steps))", size: 12, anchor: "middle")
        let tensors = tensorNames(run)
        // Lines of equal widths would hide each other: each tensor sits a little apart, all of
        // them within 0.8 of a bit.
        let spread = min(2, f.height / maxBits * 0.8 / Double(max(tensors.count, 1)))
        for (k, name) in tensors.enumerated() {
            let color = colors[k % colors.count]
            // Only the steps where the width changes, and the last: a step function stays short.
            var points: [(Double, Double)] = []
            var previous: Int? = nil
            for (step, row) in run.widths.enumerated() where k < row.count {
                let y = py(Double(row[k])) - Double(k) * spread
                if let previous, previous != row[k] { points.append((px(step), points.last?.1 ?? y)) }
                if previous != row[k] || step == steps - 1 { points.append((px(step), y)) }
                previous = row[k]
            }
            svg.polyline(points, color: color, dashed: false)
            svg.text(x: f.x + f.width + 12, y: f.y + 14 + Double(k) * 18, "\(name): \(run.widths.last.map { k < $0.count ? $0[k] : 0 } ?? 0) bits",
                     size: 12, color: color)
        }
    }
}
