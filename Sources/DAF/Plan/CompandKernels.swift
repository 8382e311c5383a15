// SPDX-License-Identifier: MIT
// The SIMD16 kernels of DAF_KIND_NONNEGATIVE's staging: companding fused with the per-group
// keep-nonzero raise or, at 1 bit, the mean level (one pass from the source, the others over the
// group while it is in L1), and the square on restore. Bit for bit the scalar reference's
// (KindStaging.compand, .expand, .keepNonzero, .stageMeanLevelReference); tested against it. Not the
// packer: its input is what these write.

enum CompandKernels {
    static let lanes = 16

    /// out[i] = compand(src[i]) for i < count; then, with a spec, KindStaging.keepNonzero's
    /// raise of each group (min and max of its finite values measured while companding).
    static func stage(_ src: UnsafePointer<Float>, count: Int, spec: QuantSpec?, into out: UnsafeMutablePointer<Float>) {
        guard let spec, spec.groupSize > 0 else {
            compand(src, count: count, into: out)
            return
        }
        let share = KindStaging.nonzeroShare(spec)
        var first = 0
        while first < count {
            let n = min(spec.groupSize, count - first)
            let (low, high) = compandGroup(src + first, count: n, into: out + first)
            if low == 0, high > 0 {
                raise(out + first, count: n, floor: high / Float(spec.levels) * share)
            }
            first += n
        }
    }

    /// KindStaging.stageMeanLevelReference bit for bit: for each group, its finite minimum
    /// and maximum, and (while the group is in L1) the sum of its values in 0 < x < inf in the
    /// reference's order (Float lanes over blocks of 16 rows, each block's lanes added into
    /// Double lanes, the lanes added in order, then the tail in Double); then the level
    /// written over its positive values (no square root per value), or the group companded
    /// when it has negative values. A group whose maximum reaches
    /// KindStaging.blockedSumLimit takes the reference's ordered Double sum instead.
    static func stageMeanLevel(_ src: UnsafePointer<Float>, count: Int, groupSize: Int, into out: UnsafeMutablePointer<Float>) {
        guard groupSize > 0 else { return compand(src, count: count, into: out) }
        var first = 0
        while first < count {
            let n = min(groupSize, count - first)
            let (low, high, sum, positives) = measureGroup(src + first, count: n)
            if low == 0, positives > 0 {
                let total = high < KindStaging.blockedSumLimit ? sum : KindStaging.orderedSum(src + first, count: n)
                placeLevel(src + first, count: n, level: Float((total / Double(positives)).squareRoot()), into: out + first)
            } else {
                _ = compandGroup(src + first, count: n, into: out + first)
            }
            first += n
        }
    }

    /// The smallest and largest finite value of x[0..<count] (+inf, -inf when there is none),
    /// the sum of its values in 0 < x < inf in KindStaging.blockedSum's order, and their count.
    /// Two passes: FiniteMinMax's (which brings the group into L1), then the sum in integer
    /// lane arithmetic (outsidePositiveFinite), no comparison masks.
    @inline(__always)
    static func measureGroup(_ x: UnsafePointer<Float>, count: Int) -> (Float, Float, Double, Int) {
        let range = FiniteMinMax.group(x, count: count)
        let rows = count / lanes
        let input = UnsafeRawPointer(x)
        var outsideLanes = SIMD16<Int32>(repeating: 0)  // minus the full rows' values outside (0, inf)
        var totals = SIMD16<Double>(repeating: 0)
        var blockStart = 0
        while blockStart < rows {
            let blockEnd = min(blockStart + KindStaging.sumBlockRows, rows)
            var block = SIMD16<Float>(repeating: 0)
            for row in blockStart..<blockEnd {
                let bits = input.loadUnaligned(fromByteOffset: row &* 64, as: SIMD16<Int32>.self)
                let outside = outsidePositiveFinite(bits)
                outsideLanes &+= outside
                // The terms: x where 0 < x < inf, else +0 (adding it leaves a lane as it was).
                block += unsafeBitCast(bits & ~outside, to: SIMD16<Float>.self)
            }
            for lane in 0..<lanes { totals[lane] += Double(block[lane]) }
            blockStart = blockEnd
        }
        var sum = 0.0
        for lane in 0..<lanes { sum += totals[lane] }
        var positives = rows &* lanes &+ Int(outsideLanes.wrappedSum())
        for i in rows * lanes..<count where x[i] > 0 && x[i] < .infinity {
            sum += Double(x[i])
            positives += 1
        }
        return (range.lo, range.hi, sum, positives)
    }

    /// All ones in the lanes whose float (given as its bits b) is not in 0 < x < inf (±0,
    /// negatives, ±Inf, NaN), zero in the others. The positive finite floats are exactly the
    /// bit patterns 1 ... 0x7F7FFFFF, where t = b - 1 lies in 0 ... 0x7F7FFFFE; for every other
    /// b, t or 0x7F7FFFFE - t is negative, so their OR has its sign bit set, which the
    /// arithmetic shift spreads over the lane. Four integer operations (Swift's float
    /// comparison masks, combined, compile to slow per-lane code).
    @inline(__always)
    static func outsidePositiveFinite(_ bits: SIMD16<Int32>) -> SIMD16<Int32> {
        let t = bits &- 1
        return (t | (0x7F7F_FFFE &- t)) &>> 31
    }

    /// out[i] = level where 0 < x[i] < inf, else x[i] (±0 and non-finite values, which
    /// companding keeps as they are).
    @inline(__always)
    static func placeLevel(_ x: UnsafePointer<Float>, count: Int, level: Float, into out: UnsafeMutablePointer<Float>) {
        let rows = count / lanes
        let input = UnsafeRawPointer(x), output = UnsafeMutableRawPointer(out)
        let levels = SIMD16<Int32>(repeating: Int32(bitPattern: level.bitPattern))
        for row in 0..<rows {
            let bits = input.loadUnaligned(fromByteOffset: row &* 64, as: SIMD16<Int32>.self)
            let outside = outsidePositiveFinite(bits)
            output.storeBytes(of: (bits & outside) | (levels & ~outside), toByteOffset: row &* 64, as: SIMD16<Int32>.self)
        }
        for i in rows * lanes..<count { out[i] = x[i] > 0 && x[i] < .infinity ? level : x[i] }
    }

    /// out[i] = compand(src[i]) for i < count (no group work).
    static func compand(_ src: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        let rows = count / lanes
        let input = UnsafeRawPointer(src), output = UnsafeMutableRawPointer(out)
        for row in 0..<rows {
            let x = input.loadUnaligned(fromByteOffset: row &* 64, as: SIMD16<Float>.self)
            output.storeBytes(of: compand16(x), toByteOffset: row &* 64, as: SIMD16<Float>.self)
        }
        for i in rows * lanes..<count { out[i] = KindStaging.compand(src[i]) }
    }

    /// Companding of one group; returns the smallest and largest finite companded value
    /// (+inf, -inf when there is none), from FiniteMinMax's pass over the companded group while
    /// it is in L1 (integer extrema of the bits, fewer operations than folding float lanes).
    @inline(__always)
    static func compandGroup(_ src: UnsafePointer<Float>, count: Int,
                             into out: UnsafeMutablePointer<Float>) -> (Float, Float) {
        compand(src, count: count, into: out)
        let range = FiniteMinMax.group(out, count: count)
        return (range.lo, range.hi)
    }

    /// values[i] = floor where 0 < values[i] < floor (the group is in L1 after companding).
    @inline(__always)
    static func raise(_ values: UnsafeMutablePointer<Float>, count: Int, floor: Float) {
        let rows = count / lanes
        let raw = UnsafeMutableRawPointer(values)
        let zero = SIMD16<Float>(repeating: 0), floors = SIMD16<Float>(repeating: floor)
        for row in 0..<rows {
            var y = raw.loadUnaligned(fromByteOffset: row &* 64, as: SIMD16<Float>.self)
            // y < floor first, then y > 0 among those: one comparison mask per select.
            let below = zero.replacing(with: y, where: y .< floors)
            y.replace(with: floors, where: below .> zero)
            raw.storeBytes(of: y, toByteOffset: row &* 64, as: SIMD16<Float>.self)
        }
        for i in rows * lanes..<count where values[i] > 0 && values[i] < floor { values[i] = floor }
    }

    /// values[i] = expand(values[i]) for i < count, in place.
    static func expand(_ values: UnsafeMutablePointer<Float>, count: Int) {
        let rows = count / lanes
        let raw = UnsafeMutableRawPointer(values)
        for row in 0..<rows {
            let y = raw.loadUnaligned(fromByteOffset: row &* 64, as: SIMD16<Float>.self)
            raw.storeBytes(of: expand16(y), toByteOffset: row &* 64, as: SIMD16<Float>.self)
        }
        for i in rows * lanes..<count { values[i] = KindStaging.expand(values[i]) }
    }

    /// sign(x) * sqrt(|x|) lane by lane; non-finite lanes as they are.
    @inline(__always)
    static func compand16(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        let magnitude = unsafeBitCast(bits & 0x7FFF_FFFF, to: SIMD16<Float>.self)
        let root = unsafeBitCast(unsafeBitCast(magnitude.squareRoot(), to: SIMD16<UInt32>.self) | (bits & 0x8000_0000),
                                 to: SIMD16<Float>.self)
        return x.replacing(with: root, where: magnitude .< SIMD16<Float>(repeating: .infinity))
    }

    /// y * |y| lane by lane, at most the largest finite magnitude; non-finite lanes as they
    /// are; -0 gives +0 (as the scalar y < 0 test does).
    @inline(__always)
    static func expand16(_ y: SIMD16<Float>) -> SIMD16<Float> {
        let top = SIMD16<Float>(repeating: .greatestFiniteMagnitude)
        var square = y * y
        square.replace(with: top, where: square .> top)
        // Negated (the sign bit set: SIMD's prefix minus is 0 - x, which keeps +0) where y < 0.
        let bits = unsafeBitCast(y, to: SIMD16<UInt32>.self)
        let negated = unsafeBitCast(unsafeBitCast(square, to: SIMD16<UInt32>.self) | 0x8000_0000, to: SIMD16<Float>.self)
        square.replace(with: negated, where: y .< SIMD16<Float>(repeating: 0))
        let magnitude = unsafeBitCast(bits & 0x7FFF_FFFF, to: SIMD16<Float>.self)
        return y.replacing(with: square, where: magnitude .< SIMD16<Float>(repeating: .infinity))
    }
}
