// SPDX-License-Identifier: MIT
// What the context remembers about one slot across steps: its last save (size, kind, width,
// whether automatic), running means of its group ranges and of its reported sensitivity, and
// the predicted error model err(b, G) = w * c * R(G) / (2^b - 1)^2 built from them.

struct SlotStatistics: Sendable {
    /// Weight of the newest observation in the running means.
    static let newestWeight = 0.25

    /// Values of the slot's newest saves (at most `sizingSaves`, oldest first). The plan is
    /// sized for the largest, so that one short save (an epoch's last, smaller batch) does not
    /// shrink the next step's plan below what full-size saves need.
    private(set) var recentCounts: [Int] = []
    static let sizingSaves = 4
    var count: Int { recentCounts.max() ?? 0 }
    var kind = SaveKind.float
    var automatic = false
    /// Width and group size of the last save (a fixed slot keeps them).
    var bits = 0
    var groupSize = 0
    var importance: Float = 0
    var saves = 0
    /// Running mean of R(G) / count, by group size.
    var rangeSquaresPerValue: [Int: Double] = [:]
    var reportedSensitivity: Double? = nil

    mutating func observe(count: Int, kind: SaveKind, automatic: Bool, bits: Int, groupSize: Int, importance: Float,
                          probe: GroupRangeProbe?) {
        recentCounts.append(count)
        if recentCounts.count > SlotStatistics.sizingSaves { recentCounts.removeFirst() }
        self.kind = kind
        self.automatic = automatic
        self.bits = bits
        self.groupSize = groupSize
        self.importance = importance
        saves += 1
        for (size, value) in probe?.rangeSquaresPerValue ?? [] {
            rangeSquaresPerValue[size] = SlotStatistics.mean(rangeSquaresPerValue[size], value)
        }
    }

    mutating func report(sensitivity: Double) {
        reportedSensitivity = SlotStatistics.mean(reportedSensitivity, sensitivity)
    }

    private static func mean(_ old: Double?, _ new: Double) -> Double {
        guard let old else { return new }
        return old + newestWeight * (new - old)
    }

    /// w_s: the reported sensitivity, else a positive importance, else 1.
    var sensitivity: Double {
        if let reportedSensitivity { return reportedSensitivity }
        return importance > 0 ? Double(importance) : 1
    }

    /// Whether the planner may choose this slot's width.
    var isPlanned: Bool { automatic && !kind.isExact && !rangeSquaresPerValue.isEmpty }

    /// R(G) for this group size: measured, or (never measured at this size) the nearest
    /// measured larger size's, which can only overstate the error.
    func rangeSquares(groupSize: Int) -> Double? {
        let perValue = rangeSquaresPerValue[groupSize]
            ?? rangeSquaresPerValue.filter { $0.key > groupSize }.min { $0.key < $1.key }?.value
        return perValue.map { $0 * Double(count) }
    }

    /// err(b, G); `variance` is c (1/12 nearest, 1/6 stochastic).
    func predictedError(bits: Int, groupSize: Int, variance: Double) -> Double? {
        guard let r = rangeSquares(groupSize: groupSize) else { return nil }
        let levels = Double((1 << bits) - 1)
        return sensitivity * variance * r / (levels * levels)
    }
}
