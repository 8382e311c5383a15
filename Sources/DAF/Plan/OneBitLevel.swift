// SPDX-License-Identifier: MIT
// DAF_KIND_NONNEGATIVE at 1 bit: in a group whose smallest value is 0, the one nonzero level is
// placed at the mean of the group's positive values instead of at their maximum. Staging only:
// every positive value of such a group is staged as sqrt(that mean), so the packer's maximum,
// and the level every positive value gets, is exactly there; the format is unchanged.
// Not for other widths or kinds (their levels stay min/max).

extension KindStaging {
    /// Whether `spec` packs DAF_KIND_NONNEGATIVE values at the mean level (1 bit).
    static func usesMeanLevel(_ spec: QuantSpec) -> Bool { spec.bits == 1 }

    /// Stages DAF_KIND_NONNEGATIVE values for 1 bit. In each group whose smallest finite
    /// value is 0 and that has positive values, every positive finite x is staged as
    /// sqrt(mean of the group's positive finite values) and the rest (±0, non-finite) as they
    /// are: the positives all come back as that mean, a ReLU mask comes back exactly (with
    /// either rounding: the level is the group's maximum, which stochastic rounding keeps),
    /// and the group's sum is kept. Other groups are companded value by value. A 1-bit code cannot
    /// say more than "zero or not" here, and for the weight gradient a saved ReLU output
    /// multiplies, the mean is an unbiased stand-in for the group where the maximum overstates
    /// every value (measured on daf-train's CNN, 10000 examples x 2 epochs, every ReLU output
    /// at 1 bit: 85.22 % test accuracy against 82.62 % at the maximum). Groups with negative
    /// values keep the min/max levels. The scalar reference of CompandKernels.stageMeanLevel.
    static func stageMeanLevelReference(_ src: UnsafePointer<Float>, count: Int, groupSize: Int,
                                        into out: UnsafeMutablePointer<Float>) {
        var first = 0
        while first < count {
            let end = min(first + groupSize, count)
            var low = Float.infinity, high = -Float.infinity, positives = 0
            for i in first..<end where src[i].isFinite {
                low = min(low, src[i])
                high = max(high, src[i])
                if src[i] > 0 { positives += 1 }
            }
            if low == 0, positives > 0 {
                let sum = high < blockedSumLimit ? blockedSum(src + first, count: end - first)
                                                 : orderedSum(src + first, count: end - first)
                let level = Float((sum / Double(positives)).squareRoot())
                for i in first..<end { out[i] = src[i] > 0 && src[i] < .infinity ? level : src[i] }
            } else {
                for i in first..<end { out[i] = compand(src[i]) }
            }
            first = end
        }
    }

    /// Rows of 16 values that one Float lane adds before they go into its Double total: 16
    /// terms below 2^118 each cannot overflow a Float, and a lane's relative error stays
    /// under 16 ulps, far below what a 1-bit level can tell.
    static let sumBlockRows = 16
    /// Groups whose largest value reaches this (2^118) take orderedSum.
    static let blockedSumLimit: Float = 0x1p118

    /// The sum of the values 0 < x < inf of one group, in the order the SIMD16 kernel adds
    /// them: lane l (values 16 r + l) adds its Float values over blocks of sumBlockRows rows,
    /// each block's lane sum goes into the lane's Double total, the 16 totals are added in
    /// lane order, then the values past the last full row in Double. Vectorizes, where one
    /// ordered sum is a chain of dependent adds, one per value.
    static func blockedSum(_ values: UnsafePointer<Float>, count: Int) -> Double {
        let lanes = 16, rows = count / lanes
        var totals = [Double](repeating: 0, count: lanes)
        var blockStart = 0
        while blockStart < rows {
            var block = [Float](repeating: 0, count: lanes)
            for row in blockStart..<min(blockStart + sumBlockRows, rows) {
                for lane in 0..<lanes {
                    let x = values[row * lanes + lane]
                    if x > 0, x < .infinity { block[lane] += x }
                }
            }
            for lane in 0..<lanes { totals[lane] += Double(block[lane]) }
            blockStart += sumBlockRows
        }
        var sum = 0.0
        for lane in 0..<lanes { sum += totals[lane] }
        for i in rows * lanes..<count where values[i] > 0 && values[i] < .infinity { sum += Double(values[i]) }
        return sum
    }

    /// The sum of the values 0 < x < inf, one Double sum in index order (groups with values
    /// too large for blockedSum's Float lanes).
    static func orderedSum(_ values: UnsafePointer<Float>, count: Int) -> Double {
        var sum = 0.0
        for i in 0..<count where values[i] > 0 && values[i] < .infinity { sum += Double(values[i]) }
        return sum
    }
}
