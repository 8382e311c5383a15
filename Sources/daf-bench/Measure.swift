// SPDX-License-Identifier: MIT
// Timing for daf-bench: a monotonic clock, medians, and the pairing of each kernel with its
// bandwidth baseline so both are measured in the same run, rep by rep, on the same buffer.
import Glibc

enum Clock {
    static func seconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    static func time(_ body: () -> Void) -> Double {
        let start = seconds()
        body()
        return seconds() - start
    }
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/// Runs kernel and baseline alternately (one warm-up each, then `reps` timed pairs) and
/// returns their median seconds: alternation spreads the machine's noise over both.
func pairedMedians(reps: Int, kernel: () -> Void, baseline: () -> Void) -> (kernel: Double, baseline: Double) {
    kernel()
    baseline()
    var k: [Double] = [], b: [Double] = []
    for _ in 0..<reps {
        b.append(Clock.time(baseline))
        k.append(Clock.time(kernel))
    }
    return (median(k), median(b))
}

/// One row of the results.
struct BenchResult: Sendable {
    var fields: [(String, JSONValue)]

    subscript(key: String) -> JSONValue? { fields.first { $0.0 == key }?.1 }
}

/// The few JSON values daf-bench writes.
indirect enum JSONValue: Sendable {
    case string(String)
    case number(Double)
    case integer(Int)
    case bool(Bool)
    case object([(String, JSONValue)])
    case array([JSONValue])

    var json: String {
        switch self {
        case .string(let s): return "\"" + s.map { c -> String in
                switch c {
                case "\"": return "\\\""
                case "\\": return "\\\\"
                case "\n": return "\\n"
                default: return c.asciiValue.map { $0 < 0x20 ? "?" : String(c) } ?? String(c)
                }
            }.joined() + "\""
        case .number(let x): return x.isFinite ? String(format3: x) : "null"
        case .integer(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .object(let fields): return "{" + fields.map { JSONValue.string($0.0).json + ": " + $0.1.json }.joined(separator: ", ") + "}"
        case .array(let items): return "[" + items.map { $0.json }.joined(separator: ", ") + "]"
        }
    }

    var text: String {
        switch self {
        case .string(let s): return s
        case .number(let x): return String(format3: x)
        case .integer(let i): return String(i)
        case .bool(let b): return b ? "yes" : "no"
        default: return json
        }
    }
}

extension String {
    /// A number with 3 significant decimals after the point, without Foundation.
    init(format3 x: Double) {
        if x == x.rounded(), abs(x) < 1e15 { self = String(Int(x)); return }
        let scaled = (x * 1000).rounded() / 1000
        self = "\(scaled)"
    }
}
