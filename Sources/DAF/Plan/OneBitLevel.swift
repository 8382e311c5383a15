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
    /// 2 epochs, every ReLU output at 1 bit: 85.22 % test accuracy against 82.62 % at the
    /// maximum). Groups with negative values keep the min/max levels.
    static func placeLevelAtMean(_ values: UnsafeMutablePointer<Float>, count: Int, groupSize: Int) {
        var first = 0
        while first < count {
            let end = min(first + groupSize, count)
            var low = Float.infinity, high = -Float.infinity, positives = 0
            for i in first..<end where values[i].isFinite {
                low = min(low, values[i])
                high = max(high, values[i])
                if values[i] > 0 { positives += 1 }
            }
            if low == 0, positives > 0 {
                let squares = high < blockedSquaresLimit ? blockedSquares(values + first, count: end - first)
                                                         : orderedSquares(values + first, count: end - first)
                let level = Float((squares / Double(positives)).squareRoot())
                for i in first..<end where values[i].isFinite && values[i] > 0 { values[i] = level }
            }
            first = end
        }
    }

    /// Rows of 16 values whose squares one Float lane adds before they go into its Double
    /// total: 16 terms below 2^118 each cannot overflow a Float, and the lanes' relative error
    /// stays under 16 ulps, far below what a 1-bit level can tell.
    static let squaresBlockRows = 16
    /// Groups whose largest value reaches this (2^59) take orderedSquares.
    static let blockedSquaresLimit: Float = 0x1p59

    /// The sum of y * y over the values 0 < y < inf of one group, in the order the SIMD16
    /// kernel adds them: lane l (values 16 r + l) adds its Float squares over blocks of
    /// squaresBlockRows rows, each block's lane sum goes into the lane's Double total, the 16
    /// totals are added in lane order, then the values past the last full row in Double.
    /// Vectorizes, where one ordered sum is a chain of dependent adds, one per value.
    static func blockedSquares(_ values: UnsafePointer<Float>, count: Int) -> Double {
        let lanes = 16, rows = count / lanes
        var totals = [Double](repeating: 0, count: lanes)
        var blockStart = 0
        while blockStart < rows {
            var block = [Float](repeating: 0, count: lanes)
            for row in blockStart..<min(blockStart + squaresBlockRows, rows) {
                for lane in 0..<lanes {
                    let y = values[row * lanes + lane]
                    if y > 0, y < .infinity { block[lane] += y * y }
                }
            }
            for lane in 0..<lanes { totals[lane] += Double(block[lane]) }
            blockStart += squaresBlockRows
        }
        var squares = 0.0
        for lane in 0..<lanes { squares += totals[lane] }
        for i in rows * lanes..<count where values[i] > 0 && values[i] < .infinity {
            squares += Double(values[i]) * Double(values[i])
        }
        return squares
    }

    /// The sum of y * y over the values 0 < y < inf, one Double sum in index order (groups
    /// with values too large for blockedSquares' Float lanes).
    static func orderedSquares(_ values: UnsafePointer<Float>, count: Int) -> Double {
        var squares = 0.0
        for i in 0..<count where values[i] > 0 && values[i] < .infinity {
            squares += Double(values[i]) * Double(values[i])
        }
        return squares
    }
}
