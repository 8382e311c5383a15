// SPDX-License-Identifier: MIT
// DAF_KIND_NONNEGATIVE at 1 bit: in a group whose smallest value is 0, the one nonzero level is
// placed at the mean of the group's positive values instead of at their maximum. Staging only:
// every positive staged value of such a group is set to sqrt(that mean), so the packer's
// maximum, and the level every positive value gets, is exactly there; the format is unchanged.
// Not for other widths or kinds (their levels stay min/max).

extension KindStaging {
    /// Whether `spec` packs DAF_KIND_NONNEGATIVE values at the mean level (1 bit).
    static func usesMeanLevel(_ spec: QuantSpec) -> Bool { spec.bits == 1 }

    /// In each group of staged (square-rooted) values whose smallest finite value is 0 and
    /// largest positive, sets every positive value to sqrt(mean of the squares of the positive
    /// values): they all come back as that mean, a ReLU mask comes back exactly (with stochastic
    /// rounding all but a 2^-16 chance per value, as at the maximum before), and the group's
    /// sum is kept. A 1-bit code cannot say more than "zero or not" here, and for the weight
    /// gradient a saved ReLU output multiplies, the mean is an unbiased stand-in for the group
    /// where the maximum overstates every value (measured on daf-train's CNN, 10000 examples x
    /// 2 epochs, every ReLU output at 1 bit: 85.25 % test accuracy against 82.62 % at the
    /// maximum). Groups with negative values keep the min/max levels.
    static func placeLevelAtMean(_ values: UnsafeMutablePointer<Float>, count: Int, groupSize: Int) {
        var first = 0
        while first < count {
            let end = min(first + groupSize, count)
            var low = Float.infinity, squares = 0.0, positives = 0
            for i in first..<end where values[i].isFinite {
                low = min(low, values[i])
                if values[i] > 0 {
                    squares += Double(values[i]) * Double(values[i])
                    positives += 1
                }
            }
            if low == 0, positives > 0 {
                let level = Float((squares / Double(positives)).squareRoot())
                for i in first..<end where values[i].isFinite && values[i] > 0 { values[i] = level }
            }
            first = end
        }
    }
}
