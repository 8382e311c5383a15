// SPDX-License-Identifier: MIT
// The planner's measurement: sum over groups of n_g * range_g^2, read back from a freshly packed
// blob's group table (the min and scale the packer found), for its group size and, merging
// neighbouring groups exactly (max of highs - min of lows), for 2, 4, 8 and 16 times it. Reads
// 8 bytes per group, never the values.
import CDAF

struct GroupRangeProbe: Equatable, Sendable {
    /// (group size, sum of n_g * range_g^2 divided by the value count), smallest group first.
    let rangeSquaresPerValue: [(groupSize: Int, value: Double)]

    static let mergeLevels = 5 // G, 2G, 4G, 8G, 16G

    static func == (a: GroupRangeProbe, b: GroupRangeProbe) -> Bool {
        a.rangeSquaresPerValue.elementsEqual(b.rangeSquaresPerValue) { $0.groupSize == $1.groupSize && $0.value == $1.value }
    }

    /// Measures blob[0..<size] (a valid blob this library just packed); nil for an empty or
    /// range-only blob.
    init?(_ blob: UnsafeRawPointer, size: Int) {
        guard let header = try? BlobHeader.read(blob, size: size), header.layout.count > 0,
              header.spec.bits != QuantSpec.rangeOnlyBits else { return nil }
        let layout = header.layout, levels = Double(header.spec.levels)
        // Each group's [lo, hi] as the decoder sees it (a "wide" group stores halves).
        var lows = [Double](), highs = [Double]()
        lows.reserveCapacity(layout.groups)
        highs.reserveCapacity(layout.groups)
        for g in 0..<layout.groups {
            let entry = layout.groupTableOffset(g)
            let minimum = Double(Float(bitPattern: UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: entry, as: UInt32.self))))
            let scale = Double(Float(bitPattern: UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: entry + 4, as: UInt32.self))))
            let wide = scale < 0
            let low = wide ? 2 * minimum : minimum
            let range = (wide ? 2 : 1) * abs(scale) * levels
            lows.append(low)
            highs.append(low + range)
        }
        var result: [(Int, Double)] = []
        var groupSize = layout.groupSize, merge = 1
        for _ in 0..<GroupRangeProbe.mergeLevels {
            guard groupSize <= QuantSpec.maxGroupSize else { break }
            var sum = 0.0, g = 0
            while g < layout.groups {
                let end = min(g + merge, layout.groups)
                var low = lows[g], high = highs[g]
                for h in (g + 1)..<max(end, g + 1) {
                    low = min(low, lows[h])
                    high = max(high, highs[h])
                }
                let first = g * layout.groupSize
                let n = min(merge * layout.groupSize, layout.count - first)
                sum += Double(n) * (high - low) * (high - low)
                g = end
            }
            result.append((groupSize, sum / Double(layout.count)))
            groupSize *= 2
            merge *= 2
        }
        rangeSquaresPerValue = result
    }

    /// A probe from given figures (tests).
    init(_ values: [(groupSize: Int, value: Double)]) { rangeSquaresPerValue = values }
}
