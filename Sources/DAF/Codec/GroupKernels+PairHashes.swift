// SPDX-License-Identifier: MIT
// The random bits of stochastic rounding in the SIMD16 kernels: one hash per lane per pair of
// rows, from StochasticHash's counter-based generator (the scalar reference uses it directly).

extension SIMDGroupKernels {
    /// The hashes of consecutive row pairs for stochastic rounding: one per lane per pair of
    /// rows (StochasticHash.counter), its high half for the pair's even row, low half for the
    /// odd. They are handed out before the hash's last xorshift, which the offsets fold in
    /// (StochasticHash.scaledHigh, scaledLow). The sixteen counters are kept in a vector
    /// and stepped by 16 per pair (one add, where rebuilding them from the pair number cost a
    /// dozen shuffles).
    struct PairHashes {
        let keys: StochasticHash.KeyCache
        /// The upper and lower 32 bits of the current pair's first counter (a multiple of 16).
        var high: UInt32
        var low: UInt32
        var key: UInt32
        /// low + lane for lanes 0...15.
        var counters: Words

        init(keys: StochasticHash.KeyCache, firstPair: Int) {
            let counter = UInt64(truncatingIfNeeded: firstPair) << 4
            self.keys = keys
            high = UInt32(truncatingIfNeeded: counter >> 32)
            low = UInt32(truncatingIfNeeded: counter)
            key = keys.key(indexHigh: high)
            counters = Words(repeating: low) &+ laneIndices
        }

        /// The current pair's hashes; then moves to the next pair.
        @inline(__always)
        mutating func next() -> Words {
            let hashes = StochasticHash.lowbias32Unfinished(counters ^ Words(repeating: key))
            // Sixteen counters of a pair never cross a 2^32 boundary (they start at multiples
            // of 16); the next pair's may start past one, with a new key.
            low &+= 16
            counters &+= 16
            if low == 0 {
                high &+= 1
                key = keys.key(indexHigh: high)
            }
            return hashes
        }

        /// Pair p's hashes (unfinished, as next()) from its counters (c = low 32 bits of
        /// p * 16 + lane) and the folded key of foldedKey(key:pair:), for pairs that share
        /// p >> 12.
        @inline(__always)
        static func hashes(counters: Words, folded: UInt32) -> Words {
            StochasticHash.lowbias32Middle(counters ^ Words(repeating: folded))
        }

        /// The hash's first step, x ^= x >> 16 on x = c ^ key, folded into the key: bits 16...31
        /// of c are those of p * 16, the same in all lanes and in every pair with the same
        /// p >> 12, so x ^ (x >> 16) = c ^ (key ^ key >> 16 ^ c >> 16). Two vector
        /// instructions less per pair of rows (33 -> 31 in the AVX-512 stochastic loop).
        @inline(__always)
        static func foldedKey(key: UInt32, pair: Int) -> UInt32 {
            key ^ (key &>> 16) ^ (UInt32(truncatingIfNeeded: pair &<< 4) &>> 16)
        }

        /// The folded key of pair `firstPair` (and of every pair sharing its p >> 12).
        @inline(__always)
        static func foldedKey(keys: StochasticHash.KeyCache, firstPair: Int) -> UInt32 {
            foldedKey(key: keys.key(indexHigh: UInt32(truncatingIfNeeded: (UInt64(truncatingIfNeeded: firstPair) << 4) >> 32)),
                      pair: firstPair)
        }

        /// True when pairs [first, first + count) share p >> 12, and so one key (no 2^32
        /// counter boundary inside) and one folded key: `hashes(counters:folded:)` can serve
        /// them in any order. Groups of a power-of-two size always do.
        static func shareFold(firstPair: Int, count: Int) -> Bool {
            firstPair >> 12 == (firstPair &+ count &- 1) >> 12
        }
    }
}
