// SIMD16 kernels for one full group (its size a multiple of 16): sixteen neighbouring values
// are sixteen lanes, and a lane's codes are stacked in its own 32-bit words, so packing and
// unpacking need no shuffles ("unified layout", DAF §4.2). Identical bytes and values to
// ScalarGroupKernels, which stays beside them as the reference (and states the sharing rule).
//
// Each group picks a variant once: the common group (all values finite, not wide, 1/scale
// finite) runs a loop with nothing but the arithmetic; any other group runs the general loop
// with the finite masks and the prescale/division of GroupEncoder. Both give the same codes.
import DAFPlatform

enum SIMDGroupKernels {
    typealias Floats = SIMD16<Float>
    typealias Words = SIMD16<UInt32>

    /// 2^23: or-ing a small integer into its mantissa gives 2^23 + q exactly.
    static let integerMagicBits = UInt32(0x4B00_0000)
    /// Computed, not stored: a stored static is initialized lazily and checked on every use.
    @inline(__always) static var laneIndices: Words { Words(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) }

    /// Encodes the groupSize values starting at tensor index firstIndex into `stream` with the
    /// group's encoder (GroupEncoder(params, levels: spec.levels)); `allFinite` says the group
    /// holds no NaN or ±Inf (from its min/max pass). `keys`, for stochastic rounding, is the
    /// run's key cache (made here when nil).
    static func encode(_ values: UnsafePointer<Float>, firstIndex: Int, encoder: GroupEncoder, spec: QuantSpec,
                       allFinite: Bool, stream: UnsafeMutableRawPointer, keys: StochasticHash.KeyCache? = nil) {
        let k = keys ?? StochasticHash.KeyCache(seed: spec.seed, firstIndex: firstIndex)
        switch spec.bits {
        case 1: encode(values, firstIndex, encoder, spec, allFinite, stream, k, width: CodeWidth1.self)
        case 2: encode(values, firstIndex, encoder, spec, allFinite, stream, k, width: CodeWidth2.self)
        case 3: encode(values, firstIndex, encoder, spec, allFinite, stream, k, width: CodeWidth3.self)
        case 4: encode(values, firstIndex, encoder, spec, allFinite, stream, k, width: CodeWidth4.self)
        case 5: encode(values, firstIndex, encoder, spec, allFinite, stream, k, width: CodeWidth5.self)
        case 6: encode(values, firstIndex, encoder, spec, allFinite, stream, k, width: CodeWidth6.self)
        case 7: encode(values, firstIndex, encoder, spec, allFinite, stream, k, width: CodeWidth7.self)
        default: encode(values, firstIndex, encoder, spec, allFinite, stream, k, width: CodeWidth8.self)
        }
    }

    /// One group with the code width as a type: what GroupPacker's loops call for a group that
    /// encodeCommon does not take.
    @inline(__always)
    static func encode<W: CodeWidth>(_ values: UnsafePointer<Float>, _ firstIndex: Int, _ e: GroupEncoder,
                                     _ spec: QuantSpec, _ allFinite: Bool, _ stream: UnsafeMutableRawPointer,
                                     _ keys: StochasticHash.KeyCache, width: W.Type) {
        let plain = isPlain(e, allFinite: allFinite)
        let rows = GroupRows(firstIndex: firstIndex, spec: spec)
        let source = UnsafeRawPointer(values)
        switch (spec.rounding, plain) {
        case (.nearest, true):
            encodeRows(source, rows, stream, width: W.self, coder: NearestPairs(coder: PlainNearest(e)))
        case (.nearest, false):
            encodeRows(source, rows, stream, width: W.self, coder: NearestPairs(coder: GeneralNearest(encoder: e)))
        case (.stochastic, true):
            encodeRows(source, rows, stream, width: W.self,
                       coder: DitheredPairs(coder: PlainStochastic(plain: PlainNearest(e), top: e.top), keys: keys))
        case (.stochastic, false):
            encodeRows(source, rows, stream, width: W.self,
                       coder: DitheredPairs(coder: GeneralStochastic(encoder: e), keys: keys))
        }
    }

    /// The common group, which the plain row encoders take: all values finite, not wide, and
    /// 1 / step finite.
    @inline(__always)
    static func isPlain(_ e: GroupEncoder, allFinite: Bool) -> Bool { allFinite && e.prescale == 1 && !e.divides }

    /// Code widths as types, so that a word row's slot loop has constant shifts.
    protocol CodeWidth { static var bits: Int { get } }
    enum CodeWidth1: CodeWidth { static var bits: Int { 1 } }
    enum CodeWidth2: CodeWidth { static var bits: Int { 2 } }
    enum CodeWidth3: CodeWidth { static var bits: Int { 3 } }
    enum CodeWidth4: CodeWidth { static var bits: Int { 4 } }
    enum CodeWidth5: CodeWidth { static var bits: Int { 5 } }
    enum CodeWidth6: CodeWidth { static var bits: Int { 6 } }
    enum CodeWidth7: CodeWidth { static var bits: Int { 7 } }
    enum CodeWidth8: CodeWidth { static var bits: Int { 8 } }

    /// A group's rows: `count` rows of 16 values, the first of them tensor row `first`.
    struct GroupRows {
        let first: Int
        let count: Int

        init(firstIndex: Int, spec: QuantSpec) {
            first = firstIndex / 16
            count = spec.groupSize / 16
        }
    }

    // The row encoders, one per variant. Structs behind a protocol rather than closures: the
    // compiler specializes and inlines them into the row loop (a closure was called per row).
    //
    // Every encoder returns its codes as 32-bit integers, rounded half to even by one
    // conversion (`rounded`), and the packer ORs them into word rows.

    protocol RowEncoder {
        func codes(_ x: Floats) -> Words
    }

    struct PlainNearest: RowEncoder {
        let minimum: Floats, inverse: Floats

        init(_ e: GroupEncoder) {
            minimum = Floats(repeating: e.minimum)
            inverse = Floats(repeating: e.inverse)
        }

        /// GroupEncoder.position without its clamps, which can never act in a plain group: for
        /// finite x in [lo, hi], x - minimum >= 0 exactly (rounding is monotonic), and
        /// t <= (hi - lo) * (1 / ((hi - lo) / top)) stays within a few ulps of top (three
        /// roundings; the FLT_MAX step-down of `fit` only lowers the step by ulps), far below
        /// the top + 0.5 that could round past the top code.
        @inline(__always)
        func positions(_ x: Floats) -> Floats { (x - minimum) * inverse }

        @inline(__always)
        func codes(_ x: Floats) -> Words { rounded(positions(x)) }
    }

    struct GeneralNearest: RowEncoder {
        let encoder: GroupEncoder

        @inline(__always)
        func codes(_ x: Floats) -> Words {
            finiteOrZero(rounded(SIMDGroupKernels.positions(x, encoder)), x)
        }
    }

    /// Stochastic variants: a row's codes from its values and its random offsets u in [-0.5, 0.5),
    /// given as u * 2^32 (StochasticHash.scaledHigh, scaledLow).
    protocol DitheredRowEncoder {
        func codes(_ x: Floats, scaledOffsets f: Floats) -> Words
    }

    /// 2^-32, which takes scaled offsets back to u exactly.
    static let offsetUnscale: Float = 0x1p-32

    struct PlainStochastic: DitheredRowEncoder {
        let plain: PlainNearest
        let top: Floats

        init(plain: PlainNearest, top: Float) {
            self.plain = plain
            self.top = Floats(repeating: top)
        }

        /// min(t, top) + u rounded, as GroupEncoder.stochasticCode: t may lie a few ulps above
        /// the top (PlainNearest.positions), and t + u would then round differently from
        /// top + u where it meets a half; min(t, top) + u <= top + 0.5 - 2^-16, a float (their
        /// spacing there is at most 2^-16 for top <= 255), so it never rounds past the top.
        /// The add of u is an FMA of the scaled offset by 2^-32 (exact, so the same bits).
        @inline(__always)
        func codes(_ x: Floats, scaledOffsets f: Floats) -> Words {
            let t = daf_platform_min16(plain.positions(x), top)
            return rounded(daf_platform_fma_exact16(f, Floats(repeating: offsetUnscale), t))
        }
    }

    struct GeneralStochastic: DitheredRowEncoder {
        let encoder: GroupEncoder

        @inline(__always)
        func codes(_ x: Floats, scaledOffsets f: Floats) -> Words {
            var v = SIMDGroupKernels.positions(x, encoder) + f * offsetUnscale
            v.replace(with: encoder.top, where: v .> encoder.top)
            return finiteOrZero(rounded(v), x)
        }
    }

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

    /// Row codes two rows at a time (stochastic rounding draws one hash per row pair).
    protocol PairEncoder {
        /// Whether `pair(_:_:hashes:)` needs its pair's hashes.
        static var usesHashes: Bool { get }
        /// The stochastic keys (unused by nearest rounding).
        var keys: StochasticHash.KeyCache { get }
        func pair(_ x0: Floats, _ x1: Floats, hashes: Words) -> (Words, Words)
        /// A row whose pair is cut by the group's start or end: the pair's hashes, row parity.
        func single(_ x: Floats, hashes: Words, oddRow: Bool) -> Words
    }

    struct NearestPairs<Coder: RowEncoder>: PairEncoder {
        let coder: Coder
        static var usesHashes: Bool { false }
        var keys: StochasticHash.KeyCache { StochasticHash.KeyCache(seed: 0, firstIndex: 0) }

        @inline(__always)
        func pair(_ x0: Floats, _ x1: Floats, hashes: Words) -> (Words, Words) {
            (coder.codes(x0), coder.codes(x1))
        }

        @inline(__always)
        func single(_ x: Floats, hashes: Words, oddRow: Bool) -> Words { coder.codes(x) }
    }

    struct DitheredPairs<Coder: DitheredRowEncoder>: PairEncoder {
        let coder: Coder
        let keys: StochasticHash.KeyCache
        static var usesHashes: Bool { true }

        @inline(__always)
        func pair(_ x0: Floats, _ x1: Floats, hashes h: Words) -> (Words, Words) {
            (coder.codes(x0, scaledOffsets: StochasticHash.scaledHigh(h)),
             coder.codes(x1, scaledOffsets: StochasticHash.scaledLow(h)))
        }

        @inline(__always)
        func single(_ x: Floats, hashes h: Words, oddRow: Bool) -> Words {
            coder.codes(x, scaledOffsets: oddRow ? StochasticHash.scaledLow(h) : StochasticHash.scaledHigh(h))
        }
    }

    /// The row loop of a group. Whole word rows go pair by pair from the last to the first,
    /// accumulating packed = packed << 2b | c0 | c1 << b (constant shifts only; the codes
    /// carry no bias, so nothing is subtracted per word row). The group's part
    /// of a word row it shares with a neighbouring group (before or after it) goes the same
    /// way and is then shifted to its first slot. A part that starts or ends mid-pair (odd rows
    /// per group, or per word at 6 bits), or a group whose pairs do not share one folded key
    /// (shareFold), goes through RowPacker.
    @inline(__always)
    private static func encodeRows<W: CodeWidth, Coder: PairEncoder>(_ source: UnsafeRawPointer, _ rows: GroupRows,
                                                                     _ stream: UnsafeMutableRawPointer, width: W.Type,
                                                                     coder: Coder) {
        let perWord = 32 / W.bits
        let firstPair = rows.first >> 1
        guard perWord & 1 == 0,
              !Coder.usesHashes || PairHashes.shareFold(firstPair: firstPair, count: (rows.first &+ rows.count &+ 1) >> 1 &- firstPair)
        else {
            encodeRowsOneByOne(source, rows, 0..<rows.count, stream, bits: W.bits, coder: coder)
            return
        }
        let folded = Coder.usesHashes ? PairHashes.foldedKey(keys: coder.keys, firstPair: firstPair) : 0
        let lead = min(rows.count, (perWord &- rows.first % perWord) % perWord)
        let wholeEnd = lead &+ (rows.count &- lead) / perWord * perWord
        if lead > 0 { encodePart(source, rows, 0..<lead, stream, width: W.self, coder: coder, folded: folded) }
        encodeWholeWordRows(source, rows, lead..<wholeEnd, stream, width: W.self, coder: coder, folded: folded, store: .cached)
        if wholeEnd < rows.count {
            encodePart(source, rows, wholeEnd..<rows.count, stream, width: W.self, coder: coder, folded: folded)
        }
    }

    /// Rows `part` of a group (relative to its first row; whole word rows of the tensor) packed
    /// word row by word row, each from its last pair to its first.
    @inline(__always)
    private static func encodeWholeWordRows<W: CodeWidth, Coder: PairEncoder>(_ source: UnsafeRawPointer, _ rows: GroupRows,
                                                                              _ part: Range<Int>, _ stream: UnsafeMutableRawPointer,
                                                                              width: W.Type, coder: Coder, folded: UInt32,
                                                                              store: RowStore) {
        let perWord = 32 / W.bits, pairsPerWord = perWord / 2
        // The counters of the first word row's last pair.
        var counters = Words(repeating: UInt32(truncatingIfNeeded: ((rows.first &+ part.lowerBound) >> 1 &+ pairsPerWord &- 1) << 4))
            &+ laneIndices
        var wordRow = (rows.first &+ part.lowerBound) / perWord
        var rowOffset = part.lowerBound &* 64
        while rowOffset < part.upperBound &* 64 {
            let packed = packPairsBackward(source, rows: rowOffset / 64..<rowOffset / 64 &+ perWord, counters: &counters,
                                           folded: folded, width: W.self, coder: coder)
            store.put(packed, at: stream + wordRow &* 64)
            // From the first pair of this word row to the last of the next.
            if Coder.usesHashes { counters &+= UInt32(truncatingIfNeeded: 16 &* (2 &* pairsPerWord)) }
            wordRow &+= 1
            rowOffset &+= perWord &* 64
        }
    }

    /// The common group in a form small enough to inline into GroupPacker's loop: plain (all
    /// finite, not wide, 1 / step finite), made of whole word rows of the tensor or of an even,
    /// aligned part of one (as 256-value groups at 1 bit), and, for stochastic rounding, with
    /// one folded key. Returns false, having written nothing, for any other group (which
    /// `encode` then takes). Identical codes to `encode`'s.
    @inline(__always)
    static func encodeCommon<W: CodeWidth, R: RoundingKind>(_ values: UnsafePointer<Float>, _ firstIndex: Int, _ e: GroupEncoder,
                                                            _ spec: QuantSpec, _ allFinite: Bool, _ stream: UnsafeMutableRawPointer,
                                                            _ keys: StochasticHash.KeyCache, width: W.Type, rounding: R.Type,
                                                            store: RowStore) -> Bool {
        let perWord = 32 / W.bits
        let rows = GroupRows(firstIndex: firstIndex, spec: spec)
        guard isPlain(e, allFinite: allFinite), perWord & 1 == 0 else { return false }
        let whole = rows.first % perWord == 0 && rows.count % perWord == 0
        guard whole || (rows.count < perWord && rows.count & 1 == 0 && perWord % rows.count == 0 && rows.first % rows.count == 0)
        else { return false }
        let source = UnsafeRawPointer(values), firstPair = rows.first >> 1
        if R.isStochastic {
            guard PairHashes.shareFold(firstPair: firstPair, count: rows.count >> 1) else { return false }
            encodeAligned(source, rows, stream, whole: whole, width: W.self,
                          coder: DitheredPairs(coder: PlainStochastic(plain: PlainNearest(e), top: e.top), keys: keys),
                          folded: PairHashes.foldedKey(keys: keys, firstPair: firstPair), store: store)
        } else {
            encodeAligned(source, rows, stream, whole: whole, width: W.self, coder: NearestPairs(coder: PlainNearest(e)), folded: 0,
                          store: store)
        }
        return true
    }

    /// A group of whole word rows, or an even, aligned part of one word row, with `coder`.
    @inline(__always)
    private static func encodeAligned<W: CodeWidth, Coder: PairEncoder>(_ source: UnsafeRawPointer, _ rows: GroupRows,
                                                                        _ stream: UnsafeMutableRawPointer, whole: Bool,
                                                                        width: W.Type, coder: Coder, folded: UInt32,
                                                                        store: RowStore) {
        if whole {
            encodeWholeWordRows(source, rows, 0..<rows.count, stream, width: W.self, coder: coder, folded: folded, store: store)
        } else {
            encodeEvenPart(source, rows, 0..<rows.count, stream, width: W.self, coder: coder, folded: folded)
        }
    }

    /// How 64-byte rows reach memory: whole word rows of the common group's code stream, and
    /// the decoded value rows of full groups. `.cached`: plain stores. The streaming kinds
    /// (non-temporal, see daf_platform_stream_store64) are for tensors too large to stay in the
    /// caches: the lines are then not read before being written, nor do they push out what is
    /// being read (8-bit nearest packing of 256 MiB: 18 -> 21 GB/s on one thread; README,
    /// Speed). Parts of word rows shared with a neighbouring group, groups the general encoder
    /// takes, and partial groups of a decoded range stay cached.
    enum RowStore {
        case cached, streaming64, streaming16

        /// The kind for a code stream starting at `stream` in a tensor of `count` values whose
        /// stream is `streamBytes` long: streaming at 4 bits and more when source and stream
        /// together exceed the last-level cache (by the time packing ends, the stream's first
        /// lines would have left it anyway), with the widest stores the stream's alignment
        /// allows.
        static func choose(stream: UnsafeMutableRawPointer, count: Int, streamBytes: Int, bits: Int) -> RowStore {
            // At 1 and 2 bits the stream is 1/32 and 1/16 of the traffic: no gain measured.
            guard bits >= 4, count &* 4 &+ streamBytes > lastLevelCacheBytes else { return .cached }
            return widest(at: stream)
        }

        /// The kind for decoding `count` values whose first full group's first row goes to
        /// `firstRow`: streaming when the values alone exceed the last-level cache (they would
        /// leave it before the caller could read them back). A range small enough to stay in
        /// the caches, like a tile restored for the next computation, stays cached.
        static func forValues(firstRow: UnsafeMutableRawPointer, count: Int) -> RowStore {
            count &* 4 > lastLevelCacheBytes ? widest(at: firstRow) : .cached
        }

        /// sysfs's size, else a typical one for the architecture (never 0; daf_platform.h).
        private static var lastLevelCacheBytes: Int { Int(daf_platform_last_level_cache_bytes()) }

        /// The widest streaming stores the rows starting at `p` (64 bytes apart) allow.
        private static func widest(at p: UnsafeMutableRawPointer) -> RowStore {
            let address = Int(bitPattern: p)
            return address & 63 == 0 ? .streaming64 : address & 15 == 0 ? .streaming16 : .cached
        }

        @inline(__always)
        func put(_ row: Words, at p: UnsafeMutableRawPointer) {
            switch self {
            case .cached: p.storeBytes(of: row, as: Words.self)
            case .streaming64: daf_platform_stream_store64(p, row)
            case .streaming16: daf_platform_stream_store16x4(p, row)
            }
        }
    }

    /// Roundings as types, for GroupPacker's loops (one per width and rounding).
    protocol RoundingKind { static var isStochastic: Bool { get } }
    enum NearestRounding: RoundingKind { static var isStochastic: Bool { false } }
    enum StochasticRounding: RoundingKind { static var isStochastic: Bool { true } }

    /// Codes of `rows` (an even number, relative to the group, from an even tensor row) packed
    /// from slot 0: pairs from the last to the first, packed = packed << 2b | c0 | c1 << b (one
    /// ternary logic op besides the two shifts).
    /// `counters` holds the last pair's hash counters and is stepped down to the first's.
    @inline(__always)
    private static func packPairsBackward<W: CodeWidth, Coder: PairEncoder>(_ source: UnsafeRawPointer, rows: Range<Int>,
                                                                            counters: inout Words, folded: UInt32,
                                                                            width: W.Type, coder: Coder) -> Words {
        var packed = Words(repeating: 0)
        var offset = (rows.upperBound &- 2) &* 64
        repeat {
            let x0 = source.loadUnaligned(fromByteOffset: offset, as: Floats.self)
            let x1 = source.loadUnaligned(fromByteOffset: offset &+ 64, as: Floats.self)
            let hashes = Coder.usesHashes ? PairHashes.hashes(counters: counters, folded: folded) : Words()
            let (c0, c1) = coder.pair(x0, x1, hashes: hashes)
            packed = daf_platform_or3_16(packed &<< UInt32(2 &* W.bits), c0, c1 &<< UInt32(W.bits))
            if Coder.usesHashes { counters &-= 16 }
            offset &-= 128
        } while offset >= rows.lowerBound &* 64
        return packed
    }

    /// Rows `part` (relative to the group's first row) of one word row the group shares with a
    /// neighbour: pairs from the last to the first as in encodeRows, shifted to the part's first
    /// slot and OR-ed into the word row when a group before this one began it (the sharing
    /// rule of ScalarGroupKernels). An odd part goes through RowPacker.
    private static func encodePart<W: CodeWidth, Coder: PairEncoder>(_ source: UnsafeRawPointer, _ rows: GroupRows, _ part: Range<Int>,
                                                                     _ stream: UnsafeMutableRawPointer, width: W.Type,
                                                                     coder: Coder, folded: UInt32) {
        let absoluteRow = rows.first &+ part.lowerBound
        guard absoluteRow & 1 == 0, part.count & 1 == 0 else {
            encodeRowsOneByOne(source, rows, part, stream, bits: W.bits, coder: coder)
            return
        }
        encodeEvenPart(source, rows, part, stream, width: W.self, coder: coder, folded: folded)
    }

    /// encodePart for a part that starts on an even tensor row and holds an even number of rows.
    @inline(__always)
    private static func encodeEvenPart<W: CodeWidth, Coder: PairEncoder>(_ source: UnsafeRawPointer, _ rows: GroupRows,
                                                                         _ part: Range<Int>, _ stream: UnsafeMutableRawPointer,
                                                                         width: W.Type, coder: Coder, folded: UInt32) {
        let perWord = 32 / W.bits
        let absoluteRow = rows.first &+ part.lowerBound
        var counters = Words(repeating: UInt32(truncatingIfNeeded: ((absoluteRow &+ part.count &- 2) >> 1) << 4)) &+ laneIndices
        let packed = packPairsBackward(source, rows: part, counters: &counters, folded: folded, width: W.self, coder: coder)
        let slot = absoluteRow % perWord, wordRow = absoluteRow / perWord
        var codes = packed &<< UInt32(truncatingIfNeeded: slot &* W.bits)
        if slot != 0 { codes |= stream.loadUnaligned(fromByteOffset: wordRow &* 64, as: Words.self) }
        stream.storeBytes(of: codes, toByteOffset: wordRow &* 64, as: Words.self)
    }

    /// Rows `part` of a group (relative to its first row) through RowPacker, in pairs where a
    /// pair lies inside `part`, hashes from PairHashes in order.
    private static func encodeRowsOneByOne<Coder: PairEncoder>(_ source: UnsafeRawPointer, _ rows: GroupRows, _ part: Range<Int>,
                                                               _ stream: UnsafeMutableRawPointer, bits: Int, coder: Coder) {
        var packer = RowPacker(stream: stream, firstRow: rows.first &+ part.lowerBound, bits: bits)
        var hashes = PairHashes(keys: coder.keys, firstPair: (rows.first &+ part.lowerBound) >> 1)
        var row = part.lowerBound
        if (rows.first &+ row) & 1 == 1 {
            let h = Coder.usesHashes ? hashes.next() : Words()
            packer.put(coder.single(source.loadUnaligned(fromByteOffset: row &* 64, as: Floats.self), hashes: h, oddRow: true))
            row &+= 1
        }
        while row &+ 1 < part.upperBound {
            let h = Coder.usesHashes ? hashes.next() : Words()
            let (c0, c1) = coder.pair(source.loadUnaligned(fromByteOffset: row &* 64, as: Floats.self),
                                      source.loadUnaligned(fromByteOffset: (row &+ 1) &* 64, as: Floats.self), hashes: h)
            packer.put(c0)
            packer.put(c1)
            row &+= 2
        }
        if row < part.upperBound {
            let h = Coder.usesHashes ? hashes.next() : Words()
            packer.put(coder.single(source.loadUnaligned(fromByteOffset: row &* 64, as: Floats.self), hashes: h, oddRow: false))
        }
        packer.finish()
    }

    /// GroupEncoder.position lane by lane: clamped to [0, top]; NaN for non-finite lanes (masked
    /// out by the callers).
    @inline(__always)
    static func positions(_ x: Floats, _ e: GroupEncoder) -> Floats {
        let shifted = x * e.prescale - e.minimum
        var t = e.divides ? shifted / e.step : shifted * e.inverse
        t.replace(with: 0, where: t .< 0)
        t.replace(with: e.top, where: t .> e.top)
        return t
    }

    /// t in [-0.5, 2^22) rounded half to even (daf_platform_round16: one vcvtps2dq where the
    /// CPU has it; TOOLCHAIN.md: Swift's own SIMD float-to-int conversion is per lane).
    @inline(__always)
    static func rounded(_ t: Floats) -> Words { daf_platform_round16(t) }

    /// Codes with code 0 in the lanes where x is NaN or ±Inf.
    @inline(__always)
    static func finiteOrZero(_ codes: Words, _ x: Floats) -> Words { codes & FiniteMinMax.finiteBits(x) }

    /// Collects rows of codes into a group's word rows one by one: tensor row k goes to
    /// word row k / P at bit (k % P) * bits, P = codes per word.
    struct RowPacker {
        let stream: UnsafeMutableRawPointer
        let perWord: Int
        let bits: UInt32
        var wordRow: Int
        var slotInWord: Int
        var packed: Words

        init(stream: UnsafeMutableRawPointer, firstRow: Int, bits: Int) {
            self.stream = stream
            perWord = 32 / bits
            self.bits = UInt32(bits)
            wordRow = firstRow / perWord
            slotInWord = firstRow % perWord
            // The first word row may hold the previous group's codes already.
            packed = slotInWord == 0 ? Words(repeating: 0) : stream.loadUnaligned(fromByteOffset: wordRow * 64, as: Words.self)
        }

        @inline(__always)
        mutating func put(_ codes: Words) {
            packed |= codes &<< Words(repeating: UInt32(truncatingIfNeeded: slotInWord) &* bits)
            slotInWord &+= 1
            if slotInWord == perWord {
                stream.storeBytes(of: packed, toByteOffset: wordRow &* 64, as: Words.self)
                packed = Words(repeating: 0)
                slotInWord = 0
                wordRow &+= 1
            }
        }

        /// Stores a last, partly filled word row.
        @inline(__always)
        func finish() {
            if slotInWord != 0 { stream.storeBytes(of: packed, toByteOffset: wordRow &* 64, as: Words.self) }
        }
    }

    /// Decodes the full group starting at tensor index firstIndex into dst, its rows stored as
    /// `store` says (a streaming kind needs dst aligned for it; the caller fences).
    static func decode(stream: UnsafeRawPointer, firstIndex: Int, params: GroupParams, spec: QuantSpec,
                       into dst: UnsafeMutablePointer<Float>, store: RowStore = .cached) {
        switch spec.bits {
        case 1: decode(stream, firstIndex, params, spec, dst, store, width: CodeWidth1.self)
        case 2: decode(stream, firstIndex, params, spec, dst, store, width: CodeWidth2.self)
        case 3: decode(stream, firstIndex, params, spec, dst, store, width: CodeWidth3.self)
        case 4: decode(stream, firstIndex, params, spec, dst, store, width: CodeWidth4.self)
        case 5: decode(stream, firstIndex, params, spec, dst, store, width: CodeWidth5.self)
        case 6: decode(stream, firstIndex, params, spec, dst, store, width: CodeWidth6.self)
        case 7: decode(stream, firstIndex, params, spec, dst, store, width: CodeWidth7.self)
        default: decode(stream, firstIndex, params, spec, dst, store, width: CodeWidth8.self)
        }
    }

    private static func decode<W: CodeWidth>(_ stream: UnsafeRawPointer, _ firstIndex: Int, _ params: GroupParams,
                                             _ spec: QuantSpec, _ dst: UnsafeMutablePointer<Float>, _ store: RowStore,
                                             width: W.Type) {
        let minimum = Floats(repeating: params.minimum), step = Floats(repeating: params.step)
        if params.factor == 1 {
            decodeRows(stream: stream, firstIndex: firstIndex, spec: spec, into: dst, store: store, width: W.self,
                       value: Affine(minimum: minimum, step: step))
        } else {
            decodeRows(stream: stream, firstIndex: firstIndex, spec: spec, into: dst, store: store, width: W.self,
                       value: WideAffine(minimum: minimum, step: step, factor: Floats(repeating: params.factor)))
        }
    }

    protocol RowDecoder {
        func values(_ codes: Floats) -> Floats
    }

    struct Affine: RowDecoder {
        let minimum: Floats, step: Floats
        @inline(__always) func values(_ f: Floats) -> Floats { minimum + f * step }
    }

    struct WideAffine: RowDecoder {
        let minimum: Floats, step: Floats, factor: Floats
        @inline(__always) func values(_ f: Floats) -> Floats { (minimum + f * step) * factor }
    }

    /// The row loop of decoding; `value` maps a row of codes (as exact floats) to values. A
    /// whole word row is unpacked slot by slot with constant shifts (the width is a type); the
    /// group's part of a word row it shares with a neighbour takes the slots it holds.
    @inline(__always)
    private static func decodeRows<W: CodeWidth, Decoder: RowDecoder>(stream: UnsafeRawPointer, firstIndex: Int, spec: QuantSpec,
                                                                      into dst: UnsafeMutablePointer<Float>, store: RowStore,
                                                                      width: W.Type, value: Decoder) {
        let rows = spec.groupSize / 16, perWord = 32 / W.bits
        let mask = Words(repeating: UInt32((1 << W.bits) - 1))
        let output = UnsafeMutableRawPointer(dst)
        @inline(__always) func put(_ packed: Words, slot: Int, row: Int) {
            let q = (packed &>> UInt32(truncatingIfNeeded: slot &* W.bits)) & mask
            let f = unsafeBitCast(q | integerMagicBits, to: Floats.self) - 8_388_608
            store.put(unsafeBitCast(value.values(f), to: Words.self), at: output + row &* 64)
        }
        let firstRow = firstIndex / 16
        var wordRow = firstRow / perWord, slot = firstRow % perWord, row = 0
        while row < rows {
            let packed = stream.loadUnaligned(fromByteOffset: wordRow &* 64, as: Words.self)
            if slot == 0, rows &- row >= perWord {
                for k in 0..<perWord { put(packed, slot: k, row: row &+ k) }
                row &+= perWord
            } else {
                let n = min(perWord &- slot, rows &- row)
                for k in 0..<n { put(packed, slot: slot &+ k, row: row &+ k) }
                row &+= n
            }
            wordRow &+= 1
            slot = 0
        }
    }
}
