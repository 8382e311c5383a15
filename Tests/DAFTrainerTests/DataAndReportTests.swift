// SPDX-License-Identifier: MIT
// The loader's error when the data is missing, and the shapes of daf-train's outputs: the
// --json object's fields exactly as in Sources/DAFTrainerCore/README.md, a readable SVG, the
// table.
@testable import DAFTrainerCore
import Testing

@Suite("Data and reports")
struct DataAndReportTests {
    @Test("numbers: fixed decimals, and a diverged loss beyond Int's range prints instead of trapping")
    func numberFormats() {
        #expect(fixed(0.22651, 4) == "0.2265" && fixed(-1.5, 2) == "-1.50" && fixed(90.99, 0) == "91")
        #expect(fixed(1e20, 4) == "1e+20" && fixed(-1e17, 4) == "-1e+17" && fixed(.nan, 4) == "-")
        #expect(byteSize(5_050_368) == "4.82 MiB" && byteSize(357_568) == "349.2 KiB")
    }

    @Test("a missing dataset names the Debian package")
    func missingData() {
        do {
            _ = try FashionMNIST(directory: "/nonexistent/fashion-mnist")
            Issue.record("loading from a missing directory succeeded")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("dataset-fashion-mnist") && message.contains("/nonexistent/fashion-mnist"), "\(message)")
        }
    }

    @Test("the installed dataset has 60000 + 10000 labelled images")
    func dataset() throws {
        let data = try fashionMNIST.get()
        #expect(data.train.count == 60000 && data.test.count == 10000)
        #expect(Set(data.train.labels).count == 10)
    }

    static let runs: [RunResult] = {
        var fp32 = TrainConfig(), daf = TrainConfig()
        fp32.mode = .fp32
        daf.mode = .daf
        let epochs = [EpochResult(trainLoss: 0.5, testAccuracy: 0.8), EpochResult(trainLoss: 0.4, testAccuracy: 0.85)]
        let timeline = [TimelinePoint(event: "start", bytes: 0, fp32Bytes: 0), TimelinePoint(event: "save x", bytes: 100, fp32Bytes: 1400),
                        TimelinePoint(event: "release x", bytes: 0, fp32Bytes: 0)]
        return [RunResult(config: fp32, trainExamples: 20000, epochs: epochs, savedPeakBytes: 1400, fp32EquivalentPeakBytes: 1400,
                          stepMsMedian: 40, timeline: timeline.map { TimelinePoint(event: $0.event, bytes: $0.fp32Bytes, fp32Bytes: $0.fp32Bytes) }),
                RunResult(config: daf, trainExamples: 20000, epochs: epochs, savedPeakBytes: 100, fp32EquivalentPeakBytes: 1400,
                          stepMsMedian: 42, timeline: timeline)]
    }()

    @Test("--json: {\"runs\": [...]} with exactly the issue's fields, in its order")
    func json() {
        let text = RunJSON.render(Self.runs)
        let fields = ["mode", "bits", "avg_bits", "group", "rounding", "policy", "budget_mib", "epochs", "train_examples",
                      "test_accuracy", "final_loss", "saved_peak_bytes", "fp32_equivalent_peak_bytes", "step_ms_median",
                      "plan_ms_total", "sensitivity_ms_total", "evictions_after_plan", "plan"]
        #expect(text.hasPrefix("{\"runs\": [{") && text.hasSuffix("}]}"))
        let objects = text.dropFirst("{\"runs\": [".count).dropLast(2).split(separator: "}, {")
        #expect(objects.count == 2)
        for object in objects {
            let keys = object.split(separator: ", ").map { $0.split(separator: ":")[0].filter { $0.isLetter || $0 == "_" || $0.isNumber } }
            #expect(keys == fields, "\(object)")
        }
        #expect(text.contains("\"mode\": \"fp32\", \"bits\": 32, \"avg_bits\": null, \"group\": null, \"rounding\": null"))
        #expect(text.contains("\"mode\": \"daf\", \"bits\": 2, \"avg_bits\": null, \"group\": 256, \"rounding\": \"nearest\""))
        #expect(text.contains("\"plan\": null}") && text.contains("\"plan\": []}"))
        #expect(text.contains("\"test_accuracy\": 0.8500, \"final_loss\": 0.4000, \"saved_peak_bytes\": 100"))
    }

    @Test("--report: an SVG with both plots and every run")
    func svg() {
        let svg = SVGReport.render(Self.runs)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.hasSuffix("</svg>\n"))
        for needle in ["Saved activations during one training step", "Test accuracy after each epoch", "fp32", "daf 2-bit", "polyline"] {
            #expect(svg.contains(needle), "missing \(needle)")
        }
        #expect(svg.ranges(of: "<text").count == svg.ranges(of: "</text>").count)
    }

    @Test("the table puts the runs side by side")
    func table() {
        let lines = ResultTable.render(Self.runs).split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("test accuracy") && $0.contains("85.00 %") })
        #expect(lines.contains { $0.hasPrefix("compression") && $0.contains("1.0x") && $0.contains("14.0x") })
        #expect(lines.contains { $0.hasPrefix("median step time") && $0.contains("42.0 ms (1.05x)") })
    }
}
