// SPDX-License-Identifier: MIT
// SIMD16 packing of one full group: the row loops that turn a group's values into codes and
// OR them into its word rows (pairs of rows from the last to the first, constant shifts). The
// per-row arithmetic is GroupKernels+RowCoders.swift; the scalar reference is GroupKernels+Scalar.
import DAFPlatform

extension SIMDGroupKernels {
    /// Encodes the groupSize values starting at tensor index firstIndex into `stream` with the
    /// group's encoder (GroupEncoder(params, levels: spec.levels)); `allFinite` says the group
    /// holds no NaN or ±Inf (from its min/max pass). `keys`, for stochastic rounding, is the
    /// run's key cache (made here when nil).
    static func encode(_ values: UnsafePointer<Float>, firstIndex: Int, encoder: GroupEncoder, spec: QuantSpec,
                       allFinite: Bool, stream: UnsafeMutableRawPointer, keys: StochasticHash.KeyCache? = nil) {
        let k = keys ?? StochasticHash.KeyCache(seed: spec.seed, firstIndex: firstIndex)
        withCodeWidth(bits: spec.bits, GroupEncode(values: values, firstIndex: firstIndex, encoder: encoder, spec: spec,
                                                   allFinite: allFinite, stream: stream, keys: k))
    }

    /// encode(_:firstIndex:...) with its arguments held for withCodeWidth.
    private struct GroupEncode: WidthGeneric {
        let values: UnsafePointer<Float>, firstIndex: Int, encoder: GroupEncoder, spec: QuantSpec
        let allFinite: Bool, stream: UnsafeMutableRawPointer, keys: StochasticHash.KeyCache

        @inline(__always)
        func run<W: CodeWidth>(width: W.Type) {
            SIMDGroupKernels.encode(values, firstIndex, encoder, spec, allFinite, stream, keys, width: W.self)
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
}
