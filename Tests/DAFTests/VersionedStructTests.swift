// SPDX-License-Identifier: MIT
// The struct_size rules on a struct that has grown since its first release: an old caller's
// struct is read and written only up to its own size, the rest comes from the defaults, and a
// size between two versions is refused. (The public structs have not all grown yet; this
// models one that has, with the same VersionedLayout the exports use.)
import CDAF
import Testing
@testable import DAF

/// Version 1 ended at `b`; version 2 appended `c` and `d`.
private struct GrownStruct {
    var struct_size: UInt32 = 0
    var a: UInt32 = 0
    var b: UInt64 = 0
    var c: UInt32 = 0
    var d: UInt32 = 0
}

private let layout = VersionedLayout<GrownStruct>("grown", firstReleasedEndingAt: \.b)
private let defaults = GrownStruct(struct_size: 24, a: 1, b: 2, c: 3, d: 4)

/// A caller's struct of `size` bytes inside a buffer whose other bytes are a canary.
private func withCallerBytes(size: Int, fill: UInt8, _ body: (UnsafeMutableRawPointer) throws -> Void) rethrows -> [UInt8] {
    var bytes = [UInt8](repeating: 0xA5, count: size + 64)
    for i in 0..<size { bytes[i] = fill }
    try bytes.withUnsafeMutableBytes { raw in
        raw.storeBytes(of: UInt32(truncatingIfNeeded: size), as: UInt32.self)
        try body(raw.baseAddress!)
    }
    return bytes
}

@Suite("Versioned structs: old and new struct_size values")
struct VersionedStructTests {
    @Test func theFirstReleasedSizeIsTheEndOfItsLastField() {
        #expect(layout.released == [16])
        #expect(layout.known == 24)
        #expect(StructLayouts.options.oldest == 72)
        #expect(StructLayouts.saveParams.oldest == 32)
        #expect(StructLayouts.contextStats.oldest == 240)
        #expect(StructLayouts.entryInfo.oldest == 40)
        #expect(StructLayouts.poolStatistics.oldest == 144)
        #expect(StructLayouts.quantizeParams.oldest == 24)
        #expect(StructLayouts.options.released == [72, MemoryLayout<daf_options>.size])
        #expect(layout.releasedAgain(endingAt: \.d).released == [16, 24])
    }

    @Test func anOldInputStructGetsDefaultsForTheFieldsItPredates() throws {
        _ = try withCallerBytes(size: 16, fill: 0) { p in
            (p + 4).storeBytes(of: 70, as: UInt32.self)
            (p + 8).storeBytes(of: 80, as: UInt64.self)
            let value = try layout.read(UnsafeRawPointer(p), defaults: defaults)
            #expect(value.a == 70 && value.b == 80 && value.c == 3 && value.d == 4)
        }
    }

    @Test func anOldOutputStructIsWrittenOnlyUpToItsSize() throws {
        let written = GrownStruct(struct_size: 0, a: 7, b: 8, c: 9, d: 10)
        let bytes = try withCallerBytes(size: 16, fill: 0) { p in try layout.write(written, to: p) }
        #expect(bytes[0..<4] == [16, 0, 0, 0])
        #expect(bytes[4] == 7 && bytes[8] == 8)
        #expect(bytes[16...].allSatisfy { $0 == 0xA5 }, "bytes past the caller's 16-byte struct changed")
    }

    @Test func aNewerStructMustHaveZeroUnknownBytesAndGetsThemZeroed() throws {
        _ = try withCallerBytes(size: 32, fill: 0) { p in
            let zeroTail = try layout.read(UnsafeRawPointer(p), defaults: defaults)
            #expect(zeroTail.c == 0)
            (p + 28).storeBytes(of: 1, as: UInt8.self)
            let refused = (try? layout.read(UnsafeRawPointer(p), defaults: defaults)) == nil
            #expect(refused, "a nonzero byte this library does not know is refused")
        }
        let bytes = try withCallerBytes(size: 32, fill: 0xEE) { p in try layout.write(defaults, to: p) }
        #expect(bytes[24..<32].allSatisfy { $0 == 0 } && bytes[32...].allSatisfy { $0 == 0xA5 })
    }

    @Test func sizesBetweenVersionsAndOutsideTheLimitsAreRefused() {
        for size in [0, 4, 8, 15, 17, 20, 23, 4097, Int(UInt32.max)] {
            #expect((try? layout.accepted(size)) == nil, "size \(size)")
        }
        for size in [16, 24, 25, 4096] {
            #expect((try? layout.accepted(size)) == size, "size \(size)")
        }
    }

    @Test func initSizedFillsExactlyTheCallersStruct() throws {
        var options = [UInt8](repeating: 0xA5, count: MemoryLayout<daf_options>.size + 64)
        let oldest = StructLayouts.options.oldest
        options.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: daf_options.self)
            #expect(daf_options_init_sized(p, oldest) == DAF_OK.rawValue)
            #expect(p.pointee.struct_size == UInt32(oldest) && p.pointee.bits == UInt32(DAF_DEFAULT_BITS))
        }
        #expect(options[oldest...].allSatisfy { $0 == 0xA5 }, "init wrote past the 0.1.0 struct")
        options.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: daf_options.self)
            #expect(daf_options_init(p) == DAF_OK.rawValue)
            #expect(p.pointee.struct_size == UInt32(oldest), "the plain symbol fills the 0.1.0 struct")
            #expect(daf_options_init_sized(p, oldest - 8) == DAF_E_STRUCT_SIZE.rawValue)
            #expect(daf_options_init_sized(nil, oldest) == DAF_E_NULL_ARGUMENT.rawValue)
        }
    }
}
