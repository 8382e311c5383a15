// SPDX-License-Identifier: MIT
// daf-train --report: a hand-written SVG with two plots. Left, the saved-activation bytes after
// each save and release of one training step (forward rises, backward falls), per run; right,
// test accuracy after each epoch (the GPT: validation loss along the steps), per run; below
// both, one legend with each run's peak and final figure; with an automatic-bits run, below
// that each tensor's width over the steps (SVGReport+Widths). No plotting library: a few
// lines, axes and labels.
import Glibc

public enum SVGReport {
    static let width = 980.0
    static let colors = ["#1f5fa8", "#d1492e", "#e59a1c", "#2f9a4a", "#7b4fa8", "#7a7a7a"]
    static let bytesFrame = Frame(x: 80, y: 70, width: 440, height: 270)
    static let accuracyFrame = Frame(x: 640, y: 70, width: 300, height: 270)

    /// One line in the plots and the legend: a run, or fp32's bytes drawn from a libdaf run.
    struct Series {
        let name: String, color: String, dashed: Bool
        let bytes: [Double]         // after each timeline event; empty if none was recorded
        let accuracy: [Double]      // percent, after each epoch; empty for the fp32 equivalent
        var steps: [Double] = []    // the GPT: the step of each validation loss in `accuracy`
    }

    public static func render(_ runs: [RunResult]) -> String {
        var series = runs.enumerated().map { i, r in
            guard let l = r.language else {
                return Series(name: r.config.label, color: colors[i % colors.count], dashed: false,
                              bytes: r.timeline.map { Double($0.bytes) }, accuracy: r.epochs.map { $0.testAccuracy * 100 })
            }
            return Series(name: r.config.label, color: colors[i % colors.count], dashed: false, bytes: r.timeline.map { Double($0.bytes) },
                          accuracy: l.curve.map(\.validationLoss), steps: l.curve.map { Double($0.step) })
        }
        if !runs.contains(where: { $0.config.mode == .fp32 }), let r = runs.first(where: { !$0.timeline.isEmpty }) {
            series.insert(Series(name: "fp32 (same tensors)", color: colors[colors.count - 1], dashed: true,
                                 bytes: r.timeline.map { Double($0.fp32Bytes) }, accuracy: []), at: 0)
        }
        let legendTop = bytesFrame.y + bytesFrame.height + 110
        let widthsRun = runs.first { $0.config.automaticBits && !$0.widths.isEmpty }
        let widthsTop = legendTop + Double(series.count) * 20 + 50
        let height = widthsRun.map { widthsTop + widthsHeight($0) + 90 } ?? legendTop + Double(series.count) * 20 + 10

        var svg = Canvas()
        svg.add("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>")
        if let first = runs.first {
            let c = first.config
            let title = first.language == nil
                ? "daf-train on Fashion-MNIST: \(first.trainExamples) examples x \(c.epochs) epochs, batch \(c.batch), seed \(c.seed)"
                : "daf-train, byte-level GPT on the fortunes text: \(c.gpt.steps) steps x batch \(c.batch), context "
                    + "\(c.gpt.shape.context), seed \(c.seed)"
            svg.text(x: width / 2, y: 26, title, size: 16, anchor: "middle", weight: "bold")
        }
        let events = runs.first { !$0.timeline.isEmpty }?.timeline.map(\.event) ?? []
        timeline(series, events: events, into: &svg)
        accuracy(series, into: &svg)
        legend(series, top: legendTop, into: &svg)
        if let widthsRun { widths(widthsRun, top: widthsTop, into: &svg) }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\">\n" + svg.body + "</svg>\n"
    }

    static func timeline(_ series: [Series], events: [String], into svg: inout Canvas) {
        let f = bytesFrame, drawn = series.filter { $0.bytes.count == events.count && !events.isEmpty }
        guard !drawn.isEmpty else { return }
        let mib = 1024.0 * 1024.0
        let ticks = niceTicks(upTo: (drawn.flatMap(\.bytes).max() ?? 1) / mib)
        let yMax = (ticks.last ?? 1) * mib
        let xStep = f.width / Double(max(events.count - 1, 1))
        func px(_ i: Int) -> Double { f.x + Double(i) * xStep }
        func py(_ v: Double) -> Double { f.y + f.height - v / yMax * f.height }

        svg.text(x: f.x, y: f.y - 14, "Saved activations during one training step", size: 14, weight: "bold")
        for t in ticks {
            svg.line(f.x, py(t * mib), f.x + f.width, py(t * mib), color: "#e4e4e4")
            svg.text(x: f.x - 6, y: py(t * mib) + 4, fixed(t, t < 1 ? 2 : 1), size: 11, anchor: "end")
        }
        svg.text(x: f.x - 52, y: f.y + f.height / 2, "MiB", size: 12, anchor: "middle")
        axes(f, into: &svg)
        // Every event's label while they fit (the CNN's 13); else about 14 of them, evenly spaced.
        let labelEvery = max(1, (events.count + 13) / 14)
        for (i, event) in events.enumerated() where i % labelEvery == 0 {
            let x = fmt(px(i)), y = fmt(f.y + f.height + 14)
            svg.line(px(i), f.y + f.height, px(i), f.y + f.height + 4, color: "#444")
            svg.add("<text x=\"\(x)\" y=\"\(y)\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-40 \(x) \(y))\">"
                    + "\(escape(event))</text>")
        }
        for s in drawn {
            // A step function: the bytes change at each event and stay until the next.
            var points: [(Double, Double)] = [(px(0), py(s.bytes[0]))]
            for i in 1..<s.bytes.count {
                points.append((px(i), py(s.bytes[i - 1])))
                points.append((px(i), py(s.bytes[i])))
            }
            svg.polyline(points, color: s.color, dashed: s.dashed)
        }
    }

    /// Right plot: each series' accuracy per epoch, or (series with steps) validation loss per step.
    static func accuracy(_ series: [Series], into svg: inout Canvas) {
        let f = accuracyFrame, drawn = series.filter { !$0.accuracy.isEmpty }
        let language = drawn.contains { !$0.steps.isEmpty }
        func xs(_ s: Series) -> [Double] { language ? s.steps : s.accuracy.indices.map { Double($0 + 1) } }
        let xMax = drawn.flatMap(xs).max() ?? 0, xMin = language ? 0 : 1.0
        guard xMax > 0 else { return }
        let all = drawn.flatMap(\.accuracy)
        let pad = language ? 0.1 : 1
        let lo = (((all.min() ?? 0) - pad) / pad).rounded(.down) * pad, hi = (((all.max() ?? 100) + pad) / pad).rounded(.up) * pad
        func px(_ x: Double) -> Double { xMax == xMin ? f.x + f.width / 2 : f.x + (x - xMin) / (xMax - xMin) * f.width }
        func py(_ a: Double) -> Double { f.y + f.height - (a - lo) / (hi - lo) * f.height }

        svg.text(x: f.x, y: f.y - 14, language ? "Validation loss along the steps" : "Test accuracy after each epoch", size: 14, weight: "bold")
        for t in niceTicks(from: lo, upTo: hi) where t <= hi {
            svg.line(f.x, py(t), f.x + f.width, py(t), color: "#e4e4e4")
            svg.text(x: f.x - 6, y: py(t) + 4, fixed(t, language ? 1 : 0), size: 11, anchor: "end")
        }
        svg.text(x: f.x - 44, y: f.y + f.height / 2, language ? "nats" : "%", size: 12, anchor: "middle")
        axes(f, into: &svg)
        for x in language ? niceTicks(from: 0, upTo: xMax).filter({ $0 <= xMax }) : (1...Int(xMax)).map(Double.init) {
            svg.text(x: px(x), y: f.y + f.height + 18, fixed(x, 0), size: 11, anchor: "middle")
        }
        svg.text(x: f.x + f.width / 2, y: f.y + f.height + 38, language ? "step" : "epoch", size: 12, anchor: "middle")
        for s in drawn {
            let points = zip(xs(s), s.accuracy).map { (px($0), py($1)) }
            svg.polyline(points, color: s.color, dashed: false)
            for p in points { svg.add("<circle cx=\"\(fmt(p.0))\" cy=\"\(fmt(p.1))\" r=\"3.5\" fill=\"\(s.color)\"/>") }
        }
    }

    /// One row per series: its saved-bytes peak (and how many times below the largest), and its
    /// final test accuracy (or validation loss).
    static func legend(_ series: [Series], top: Double, into svg: inout Canvas) {
        let largest = series.flatMap(\.bytes).max() ?? 0
        for (k, s) in series.enumerated() {
            let y = top + Double(k) * 20, x = bytesFrame.x
            svg.polyline([(x, y), (x + 26, y)], color: s.color, dashed: s.dashed)
            var text = s.name
            if let peak = s.bytes.max() {
                text += ": saved-activation peak " + byteSize(Int(peak))
                if largest / max(peak, 1) > 1.05 { text += " (\(fixed(largest / max(peak, 1), 1))x less)" }
            }
            if let last = s.accuracy.last {
                text += s.steps.isEmpty ? ", test accuracy " + fixed(last, 2) + " %" : ", validation loss " + fixed(last, 4)
            }
            svg.text(x: x + 34, y: y + 4, text, size: 12)
        }
    }

    static func axes(_ f: Frame, into svg: inout Canvas) {
        svg.line(f.x, f.y + f.height, f.x + f.width, f.y + f.height, color: "#444")
        svg.line(f.x, f.y, f.x, f.y + f.height, color: "#444")
    }

    /// Ticks at 1, 2 or 5 times a power of ten, from `from` to `upTo`, about five; when counting
    /// from 0, one more above the data for headroom.
    static func niceTicks(from: Double = 0, upTo: Double) -> [Double] {
        let span = max(upTo - from, 1e-9)
        let raw = span / 5, power = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? power * 10
        var ticks: [Double] = []
        var t = (from / step).rounded(.up) * step
        while t <= upTo + step * 1e-9 {
            ticks.append(t)
            t += step
        }
        if from == 0, let last = ticks.last, last < upTo { ticks.append(last + step) }
        return ticks
    }
}

struct Frame {
    let x: Double, y: Double, width: Double, height: Double
}

/// SVG elements appended as text.
struct Canvas {
    var body = ""

    mutating func add(_ element: String) { body += "  " + element + "\n" }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String) {
        add("<line x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\" stroke=\"\(color)\" stroke-width=\"1\"/>")
    }

    mutating func polyline(_ points: [(Double, Double)], color: String, dashed: Bool) {
        let list = points.map { fmt($0.0) + "," + fmt($0.1) }.joined(separator: " ")
        add("<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\""
            + (dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>")
    }

    mutating func text(x: Double, y: Double, _ s: String, size: Int, anchor: String = "start", weight: String = "normal",
                       color: String = "#222") {
        add("<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\" "
            + "fill=\"\(color)\">\(escape(s))</text>")
    }
}

func fmt(_ x: Double) -> String { fixed(x, 1) }

func escape(_ s: String) -> String {
    s.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
}
