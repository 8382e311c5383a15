// SPDX-License-Identifier: MIT
// SIMD16 decoding of one full group: codes unpacked slot by slot with constant shifts and
// mapped back to values (min + code * step, times the wide factor). Not used by packing, so
// the AVX-512 build of the kernels does not link this file.

extension SIMDGroupKernels {
    /// Decodes the full group starting at tensor index firstIndex into dst, its rows stored as
    /// `store` says (a streaming kind needs dst aligned for it; the caller fences).
    static func decode(stream: UnsafeRawPointer, firstIndex: Int, params: GroupParams, spec: QuantSpec,
                       into dst: UnsafeMutablePointer<Float>, store: RowStore = .cached) {
        withCodeWidth(bits: spec.bits, GroupDecode(stream: stream, firstIndex: firstIndex, params: params, spec: spec,
                                                   dst: dst, store: store))
    }

    /// decode(stream:firstIndex:...) with its arguments held for withCodeWidth.
    private struct GroupDecode: WidthGeneric {
        let stream: UnsafeRawPointer, firstIndex: Int, params: GroupParams, spec: QuantSpec
        let dst: UnsafeMutablePointer<Float>, store: RowStore

        @inline(__always)
        func run<W: CodeWidth>(width: W.Type) {
            SIMDGroupKernels.decode(stream, firstIndex, params, spec, dst, store, width: W.self)
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
