// SPDX-License-Identifier: MIT
// Number formatting for the table and the plot, without Foundation: fixed decimals and
// binary byte units.

func fixed(_ x: Double, _ decimals: Int) -> String {
    guard x.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    // Beyond Int's range (a diverging loss) the digits below would not fit: plain notation.
    guard abs(x) * scale < 9e18 else { return "\(x)" }
    let n = Int((abs(x) * scale).rounded())
    let whole = n / Int(scale), fraction = n % Int(scale)
    var text = (x < 0 && n != 0 ? "-" : "") + String(whole)
    if decimals > 0 {
        let digits = String(fraction)
        text += "." + String(repeating: "0", count: decimals - digits.count) + digits
    }
    return text
}

/// 355520 -> "347.2 KiB", 5050368 -> "4.82 MiB".
func byteSize(_ bytes: Int) -> String {
    let b = Double(bytes)
    if b >= 1024 * 1024 * 1024 { return fixed(b / (1024 * 1024 * 1024), 2) + " GiB" }
    if b >= 1024 * 1024 { return fixed(b / (1024 * 1024), 2) + " MiB" }
    if b >= 1024 { return fixed(b / 1024, 1) + " KiB" }
    return "\(bytes) B"
}

func padded(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}
