// daf-train --report: a hand-written SVG with two plots. Left, the saved-activation bytes after
// each save and release of one training step (forward rises, backward falls), per run; right,
// test accuracy after each epoch, per run. No plotting library: a few lines, axes and labels.
import Glibc

public enum SVGReport {
    static let width = 980.0, height = 470.0
    static let colors = ["#1f5fa8", "#d1492e", "#e59a1c", "#2f9a4a", "#7b4fa8", "#7a7a7a"]

    public static func render(_ runs: [RunResult]) -> String {
        var svg = Canvas()
        svg.add("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>")
        if let c = runs.first?.config {
            svg.text(x: width / 2, y: 26, "daf-train on Fashion-MNIST: \(runs[0].trainExamples) examples x \(c.epochs) epochs, batch \(c.batch), seed \(c.seed)",
                     size: 16, anchor: "middle", weight: "bold")
        }
        timeline(runs, into: &svg, frame: Frame(x: 80, y: 70, width: 440, height: 270))
        accuracy(runs, into: &svg, frame: Frame(x: 640, y: 70, width: 300, height: 270))
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\">\n" + svg.body + "</svg>\n"
    }

    struct Series {
        let name: String, color: String, dashed: Bool
        let values: [Double]
    }

    static func timeline(_ runs: [RunResult], into svg: inout Canvas, frame f: Frame) {
        guard let events = runs.first(where: { !$0.timeline.isEmpty })?.timeline.map(\.event) else { return }
        var series: [Series] = []
        for (i, r) in runs.enumerated() where !r.timeline.isEmpty {
            series.append(Series(name: r.config.label, color: colors[i % colors.count], dashed: false,
                                 values: r.timeline.map { Double($0.bytes) }))
        }
        if !runs.contains(where: { $0.config.mode == .fp32 }), let r = runs.first(where: { !$0.timeline.isEmpty }) {
            series.insert(Series(name: "fp32 (same tensors)", color: colors[0], dashed: true,
                                 values: r.timeline.map { Double($0.fp32Bytes) }), at: 0)
        }
        let top = series.flatMap(\.values).max() ?? 1
        let mib = Double(1 << 20)
        let ticks = niceTicks(upTo: top / mib)
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
        svg.line(f.x, f.y + f.height, f.x + f.width, f.y + f.height, color: "#444")
        svg.line(f.x, f.y, f.x, f.y + f.height, color: "#444")
        for (i, event) in events.enumerated() {
            svg.line(px(i), f.y + f.height, px(i), f.y + f.height + 4, color: "#444")
            svg.add("<text x=\"\(fmt(px(i)))\" y=\"\(fmt(f.y + f.height + 14))\" font-size=\"10\" text-anchor=\"end\" "
                    + "transform=\"rotate(-40 \(fmt(px(i))) \(fmt(f.y + f.height + 14)))\">\(escape(event))</text>")
        }
        for (k, s) in series.enumerated() {
            var points: [(Double, Double)] = [(px(0), py(s.values[0]))]
            for i in 1..<s.values.count {
                points.append((px(i), py(s.values[i - 1])))
                points.append((px(i), py(s.values[i])))
            }
            svg.polyline(points, color: s.color, dashed: s.dashed)
            let peak = s.values.max() ?? 0, ratio = top / max(peak, 1)
            let name = s.name + ": peak " + byteSize(Int(peak)) + (ratio > 1.05 ? " (\(fixed(ratio, 1))x less)" : "")
            legend(&svg, index: k, name: name, color: s.color, dashed: s.dashed, x: f.x + 12, y: f.y + 8)
        }
    }

    static func accuracy(_ runs: [RunResult], into svg: inout Canvas, frame f: Frame) {
        let epochs = runs.map(\.epochs.count).max() ?? 0
        guard epochs > 0 else { return }
        let all = runs.flatMap { $0.epochs.map { $0.testAccuracy * 100 } }
        let lo = ((all.min() ?? 0) - 1).rounded(.down), hi = ((all.max() ?? 100) + 1).rounded(.up)
        func px(_ e: Int) -> Double { epochs == 1 ? f.x + f.width / 2 : f.x + Double(e - 1) / Double(epochs - 1) * f.width }
        func py(_ a: Double) -> Double { f.y + f.height - (a - lo) / (hi - lo) * f.height }

        svg.text(x: f.x, y: f.y - 14, "Test accuracy after each epoch", size: 14, weight: "bold")
        for t in niceTicks(from: lo, upTo: hi) {
            svg.line(f.x, py(t), f.x + f.width, py(t), color: "#e4e4e4")
            svg.text(x: f.x - 6, y: py(t) + 4, fixed(t, 0), size: 11, anchor: "end")
        }
        svg.text(x: f.x - 44, y: f.y + f.height / 2, "%", size: 12, anchor: "middle")
        svg.line(f.x, f.y + f.height, f.x + f.width, f.y + f.height, color: "#444")
        svg.line(f.x, f.y, f.x, f.y + f.height, color: "#444")
        for e in 1...epochs {
            svg.text(x: px(e), y: f.y + f.height + 18, String(e), size: 11, anchor: "middle")
        }
        svg.text(x: f.x + f.width / 2, y: f.y + f.height + 38, "epoch", size: 12, anchor: "middle")
        for (k, r) in runs.enumerated() {
            let color = colors[k % colors.count]
            let points = r.epochs.enumerated().map { (px($0.offset + 1), py($0.element.testAccuracy * 100)) }
            svg.polyline(points, color: color, dashed: false)
            for p in points { svg.add("<circle cx=\"\(fmt(p.0))\" cy=\"\(fmt(p.1))\" r=\"3.5\" fill=\"\(color)\"/>") }
            legend(&svg, index: k, name: r.config.label + ": " + fixed(r.testAccuracy * 100, 2) + " %", color: color,
                   dashed: false, x: f.x + f.width - 150, y: f.y + f.height - 16 - Double(runs.count - 1) * 18)
        }
    }

    static func legend(_ svg: inout Canvas, index: Int, name: String, color: String, dashed: Bool, x: Double, y: Double) {
        let yy = y + Double(index) * 18
        svg.polyline([(x, yy), (x + 22, yy)], color: color, dashed: dashed)
        svg.text(x: x + 28, y: yy + 4, name, size: 12)
    }

    /// Ticks at 1, 2 or 5 times a power of ten, from `from` to at least `upTo`, about five.
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
        if from == 0, let last = ticks.last, last < upTo { ticks.append(last + step) } // headroom above the data
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
