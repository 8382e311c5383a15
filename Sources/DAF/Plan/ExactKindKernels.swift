// SPDX-License-Identifier: MIT
// SIMD16 kernels of the exact kinds: DAF_KIND_INTEGER's check-and-offset from float32 and its
// rounding back to int32, DAF_KIND_MASK's check of float32 input. The scalar loops in
// KindStaging are their reference (and report the exact bad value); tested to agree. Not
// uint8 input or output.

enum ExactKindKernels {
    static let lanes = 16
    /// Floats below this magnitude are exact integers apart (2^24): the kernels' domain.
    static let exactLimit: Int32 = 1 << 24
    /// 1.5 * 2^23: x + magic - magic rounds x (|x| <= 2^22) to the nearest integer, half to
    /// even, and the bits of x + magic less magic's bits are that integer.
    static let magic: Float = 12_582_912

    /// out[i] = src[i] - low for every src[i] that is an integer in low...high; returns the
    /// first row (of 16) holding any other value (NaN, ±Inf, a fraction, out of range), or nil.
    /// Needs |low|, |high| < 2^24 (then every float in the range is an exact integer apart).
    static func stage(_ src: UnsafePointer<Float>, count: Int, low: Int32, high: Int32,
                      into out: UnsafeMutablePointer<Float>) -> Int? {
        let lowF = Float(low), highF = Float(high)
        let lows = SIMD16<Float>(repeating: lowF), highs = SIMD16<Float>(repeating: highF)
        // Within +-2^22 the 1.5 * 2^23 magic number rounds to the nearest integer exactly
        // (x + magic lies in (2^23, 2^24), one ulp apart); SIMD rounded() compiled to per-lane
        // calls. Values outside low...high are refused by the range test whatever it gives.
        let magicRounds = max(abs(Int64(low)), abs(Int64(high))) < 1 << 22
        let magic = SIMD16<Float>(repeating: Self.magic)
        let zero = SIMD16<Int32>(repeating: 0), one = SIMD16<Int32>(repeating: 1)
        let positiveZero = SIMD16<Float>(repeating: 0)
        let input = UnsafeRawPointer(src), output = UnsafeMutableRawPointer(out)
        let rows = count / lanes
        let firstBad = firstBadRow(rows: rows, { r in
            let x = input.loadUnaligned(fromByteOffset: r &* 64, as: SIMD16<Float>.self)
            // One comparison mask per select (see FiniteMinMax.foldFinite): NaN fails all three.
            var bad = one.replacing(with: zero, where: x .>= lows)
            bad &+= one.replacing(with: zero, where: x .<= highs)
            let nearest = magicRounds ? (x + magic) - magic : x.rounded(.toNearestOrEven)
            bad &+= one.replacing(with: zero, where: nearest .== x)
            // + 0 turns -0 (a float -0 at low = 0) into the reference's +0.
            output.storeBytes(of: (x - lows) + positiveZero, toByteOffset: r &* 64, as: SIMD16<Float>.self)
            return bad
        }, isBad: { r in !rowIsInteger(src + r * lanes, count: lanes, low: lowF, high: highF) })
        if let firstBad { return firstBad }
        let tail = rows * lanes
        if !rowIsInteger(src + tail, count: count - tail, low: lowF, high: highF) { return rows }
        for i in tail..<count { out[i] = (src[i] - lowF) + 0 }
        return nil
    }

    /// out[i] = src[i] when every src[i] is 0 or 1 (±0 included); returns the first row (of
    /// 16) holding any other value, or nil (rows before it are copied).
    static func stageMask(_ src: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) -> Int? {
        let zeros = SIMD16<Float>(repeating: 0), ones = SIMD16<Float>(repeating: 1)
        let zero = SIMD16<Int32>(repeating: 0), one = SIMD16<Int32>(repeating: 1)
        let input = UnsafeRawPointer(src), output = UnsafeMutableRawPointer(out)
        let rows = count / lanes
        let firstBad = firstBadRow(rows: rows, { r in
            let x = input.loadUnaligned(fromByteOffset: r &* 64, as: SIMD16<Float>.self)
            output.storeBytes(of: x, toByteOffset: r &* 64, as: SIMD16<Float>.self)
            // x * (x - 1) is 0 exactly for 0, -0 and 1 (NaN, Inf, any other value: not 0).
            return one.replacing(with: zero, where: x * (x - ones) .== zeros)
        }, isBad: { r in !(0..<lanes).allSatisfy { src[r * lanes + $0] == 0 || src[r * lanes + $0] == 1 } })
        if let firstBad { return firstBad }
        for i in rows * lanes..<count {
            guard src[i] == 0 || src[i] == 1 else { return rows }
            out[i] = src[i]
        }
        return nil
    }

    /// Runs `row` (which writes row r's output and counts its bad lanes) over every row, in
    /// blocks of 64 rows; after a block with a bad lane, returns its first row that `isBad`
    /// (the scalar check) flags. Nil when no row is bad.
    @inline(__always)
    private static func firstBadRow(rows: Int, _ row: (Int) -> SIMD16<Int32>, isBad: (Int) -> Bool) -> Int? {
        var start = 0
        while start < rows {
            let end = min(start + 64, rows)
            var bad = SIMD16<Int32>(repeating: 0)
            for r in start..<end { bad &+= row(r) }
            if bad.wrappedSum() != 0, let first = (start..<end).first(where: isBad) { return first }
            start = end
        }
        return nil
    }

    private static func rowIsInteger(_ x: UnsafePointer<Float>, count: Int, low: Float, high: Float) -> Bool {
        (0..<count).allSatisfy { x[$0] >= low && x[$0] <= high && x[$0].rounded() == x[$0] }
    }

    /// dst[i] = Int32(values[i].rounded()) + low for decoded codes (0 ... 2^22 - 1), wrapping
    /// like the reference's truncation; the rounding by the 1.5 * 2^23 magic number (a float to
    /// int conversion of SIMD vectors compiled to per-lane calls).
    static func finishInt32(_ values: UnsafePointer<Float>, count: Int, low: Int32, into dst: UnsafeMutableRawPointer) {
        let magic = SIMD16<Float>(repeating: Self.magic)
        let magicBits = SIMD16<Int32>(repeating: Int32(bitPattern: Self.magic.bitPattern)), lows = SIMD16<Int32>(repeating: low)
        let input = UnsafeRawPointer(values)
        let rows = count / lanes
        for r in 0..<rows {
            let x = input.loadUnaligned(fromByteOffset: r &* 64, as: SIMD16<Float>.self)
            let code = unsafeBitCast(x + magic, to: SIMD16<Int32>.self) &- magicBits
            dst.storeBytes(of: code &+ lows, toByteOffset: r &* 64, as: SIMD16<Int32>.self)
        }
        for i in rows * lanes..<count {
            dst.storeBytes(of: Int32(truncatingIfNeeded: Int64(values[i].rounded()) + Int64(low)), toByteOffset: i * 4, as: Int32.self)
        }
    }
}
