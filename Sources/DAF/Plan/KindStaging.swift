// SPDX-License-Identifier: MIT
// Turning a kind's input into the floats the packer takes (stage) and the decoded floats back
// into the caller's values (finish). Companding of DAF_KIND_NONNEGATIVE: sqrt on the way in,
// the square on the way out, sign kept, non-finite values untouched (they are stored exactly);
// in a group whose smallest value is 0, a positive value too small to get the first nonzero
// code is raised to it, so zeros and non-zeros (a ReLU's mask) come back exactly. The scalar
// functions here are the reference of the SIMD16 kernels in CompandKernels.swift.
import CDAF

enum KindStaging {
    /// Whether saving `kind` from `dtype` needs a staging buffer (float input of a float kind
    /// is packed as it is).
    static func needsStaging(_ kind: SaveKind, _ dtype: ElementType) -> Bool {
        !(kind == .float && dtype == .float32)
    }

    /// Writes the packer's floats for src[0..<count] into out; checks exact kinds' values.
    /// `spec` (how the values will be packed) is needed for DAF_KIND_NONNEGATIVE only.
    static func stage(_ src: UnsafeRawPointer, count: Int, dtype: ElementType, kind: SaveKind, spec: QuantSpec?,
                      into out: UnsafeMutablePointer<Float>) throws(DAFError) {
        switch kind {
        case .float:
            out.update(from: src.assumingMemoryBound(to: Float.self), count: count)
        case .nonnegative:
            stageNonnegative(src.assumingMemoryBound(to: Float.self), count: count, spec: spec, into: out)
        case .mask:
            var first = 0
            if dtype == .float32 {
                // The fast check; from the first row it refuses on, the loop below says why.
                guard let bad = ExactKindKernels.stageMask(src.assumingMemoryBound(to: Float.self), count: count, into: out)
                else { return }
                first = bad * ExactKindKernels.lanes
            }
            for i in first..<count {
                switch dtype {
                case .uint8: out[i] = src.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0
                case .int32: out[i] = src.load(fromByteOffset: i * 4, as: Int32.self) != 0 ? 1 : 0
                case .float32:
                    let v = src.load(fromByteOffset: i * 4, as: Float.self)
                    guard v == 0 || v == 1 else { throw .invalid("src[\(i)] is \(v); a DAF_KIND_MASK float is 0 or 1") }
                    out[i] = v
                }
            }
        case .integer(let low, let high):
            var first = 0
            if dtype == .float32, abs(Int64(low)) < Int64(ExactKindKernels.exactLimit),
               abs(Int64(high)) < Int64(ExactKindKernels.exactLimit) {
                // The fast check; from the first row it refuses on, the loop below says why.
                let bad = ExactKindKernels.stage(src.assumingMemoryBound(to: Float.self), count: count,
                                                   low: Int32(low), high: Int32(high), into: out)
                guard let bad else { return }
                first = bad * ExactKindKernels.lanes
            }
            for i in first..<count {
                let v: Int64
                switch dtype {
                case .uint8: v = Int64(src.load(fromByteOffset: i, as: UInt8.self))
                case .int32: v = Int64(src.load(fromByteOffset: i * 4, as: Int32.self))
                case .float32:
                    let f = src.load(fromByteOffset: i * 4, as: Float.self)
                    guard f.isFinite, f.rounded() == f, abs(f) < 1e10 else {
                        throw .invalid("src[\(i)] is \(f); a DAF_KIND_INTEGER float must be an integer")
                    }
                    v = Int64(f)
                }
                guard v >= Int64(low), v <= Int64(high) else {
                    throw .invalid("src[\(i)] is \(v), outside the kind's range \(low) ... \(high)")
                }
                out[i] = Float(v - Int64(low))
            }
        }
    }

    /// DAF_KIND_NONNEGATIVE's staging (the SIMD16 kernels); group by group, so a range that
    /// starts at a group boundary stages as it would within the whole tensor.
    static func stageNonnegative(_ x: UnsafePointer<Float>, count: Int, spec: QuantSpec?, into out: UnsafeMutablePointer<Float>) {
        if let spec, usesMeanLevel(spec) {
            CompandKernels.stageMeanLevel(x, count: count, groupSize: spec.groupSize, into: out)
        } else {
            CompandKernels.stage(x, count: count, spec: spec, into: out)
        }
    }

    /// Turns decoded floats in place into the kind's float values (companding undone, integer
    /// offsets added back).
    static func finishFloats(_ values: UnsafeMutablePointer<Float>, count: Int, kind: SaveKind) {
        switch kind {
        case .float, .mask: return
        case .nonnegative:
            CompandKernels.expand(values, count: count)
        case .integer(let low, _):
            for i in 0..<count { values[i] = Float(Int64(values[i].rounded()) + Int64(low)) }
        }
    }

    /// Writes decoded floats of an exact kind as integers of `dtype` (uint8 or int32).
    static func finishIntegers(_ values: UnsafePointer<Float>, count: Int, kind: SaveKind, dtype: ElementType,
                               into dst: UnsafeMutableRawPointer) {
        let low: Int64
        if case .integer(let l, _) = kind { low = Int64(l) } else { low = 0 }
        if dtype == .int32 {
            return ExactKindKernels.finishInt32(values, count: count, low: Int32(truncatingIfNeeded: low), into: dst)
        }
        for i in 0..<count {
            let v = Int64(values[i].rounded()) + low
            if dtype == .uint8 {
                dst.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: i, as: UInt8.self)
            } else {
                dst.storeBytes(of: Int32(truncatingIfNeeded: v), toByteOffset: i * 4, as: Int32.self)
            }
        }
    }

    /// In each group whose smallest finite value is 0, raises positive values below the first
    /// nonzero code's threshold to just past it: half a step (nearest rounding) or one step
    /// and a bit (stochastic rounding moves a value by up to half a step more), at most the
    /// group's maximum; none of them then comes back as 0.
    /// The scalar reference of CompandKernels.stage's group work.
    static func keepNonzero(_ values: UnsafeMutablePointer<Float>, count: Int, spec: QuantSpec) {
        let share = nonzeroShare(spec)
        var first = 0
        while first < count {
            let end = min(first + spec.groupSize, count)
            var low = Float.infinity, high = -Float.infinity
            for i in first..<end where values[i].isFinite {
                low = min(low, values[i])
                high = max(high, values[i])
            }
            if low == 0, high > 0 {
                let floor = high / Float(spec.levels) * share
                for i in first..<end where values[i] > 0 && values[i] < floor { values[i] = floor }
            }
            first = end
        }
    }

    /// The floor's share of one step: half a step and a bit (nearest), one step and a bit
    /// (stochastic), at most the group's maximum.
    static func nonzeroShare(_ spec: QuantSpec) -> Float {
        spec.rounding == .nearest ? 0.51 : min(1.01, Float(spec.levels))
    }

    /// The scalar reference of CompandKernels.stage (DAF_KIND_NONNEGATIVE's staging at widths
    /// other than 1 bit, where OneBitLevel's mean level takes the place of keepNonzero).
    static func stageNonnegativeReference(_ src: UnsafePointer<Float>, count: Int, spec: QuantSpec?,
                                          into out: UnsafeMutablePointer<Float>) {
        for i in 0..<count { out[i] = compand(src[i]) }
        if let spec { keepNonzero(out, count: count, spec: spec) }
    }

    /// sign(x) * sqrt(|x|); non-finite values as they are.
    @inline(__always)
    static func compand(_ x: Float) -> Float {
        guard x.isFinite else { return x }
        return x < 0 ? -(-x).squareRoot() : x.squareRoot()
    }

    /// y * |y| (the inverse of compand), kept finite for finite y.
    @inline(__always)
    static func expand(_ y: Float) -> Float {
        guard y.isFinite else { return y }
        let square = min(y * y, Float.greatestFiniteMagnitude)
        return y < 0 ? -square : square
    }
}

/// A save's floats for the packer: the caller's own (float data of a float kind) or a staged
/// copy this owns, written already or, with `stage`, by the packer run by run. Sendable so an
/// async save's job can keep the copy alive.
struct StagedValues: @unchecked Sendable {
    let buffer: AlignedBytes?
    let values: UnsafePointer<Float>?
    var stage: Codec.Stage? = nil
}

extension KindStaging {
    /// The floats to pack for src[0..<count] of `dtype` saved as `kind`; a staging buffer
    /// comes from `scratch` when given (the caller gives it back when the save is done).
    /// With `deferred`, companded values are left for the packer to stage run by run (its
    /// `stage`), each run just before it is packed, while it is in the caches.
    static func staged(_ src: UnsafeRawPointer?, count: Int, dtype: ElementType, kind: SaveKind,
                       spec: QuantSpec? = nil, scratch: ScratchBlobs? = nil, deferred: Bool = false) throws(DAFError) -> StagedValues {
        guard needsStaging(kind, dtype), count > 0, let src else {
            return StagedValues(buffer: nil, values: src?.assumingMemoryBound(to: Float.self))
        }
        let bytes = count * MemoryLayout<Float>.stride
        let buffer: AlignedBytes
        if let scratch { buffer = try scratch.take(atLeast: bytes) } else { buffer = try AlignedBytes(count: bytes) }
        let floats = buffer.base.bindMemory(to: Float.self, capacity: count)
        if deferred, kind == .nonnegative, dtype == .float32 {
            let x = src.assumingMemoryBound(to: Float.self)
            return StagedValues(buffer: buffer, values: UnsafePointer(floats), stage: { from, to in
                stageNonnegative(x + from, count: to - from, spec: spec, into: floats + from)
            })
        }
        try stage(src, count: count, dtype: dtype, kind: kind, spec: spec, into: floats)
        return StagedValues(buffer: buffer, values: UnsafePointer(floats))
    }
}
