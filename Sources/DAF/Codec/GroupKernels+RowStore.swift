// SPDX-License-Identifier: MIT
// How the SIMD16 kernels write 64-byte rows to memory: plain stores, or non-temporal streaming
// stores for tensors larger than the last-level cache.
import DAFPlatform

extension SIMDGroupKernels {
    /// How 64-byte rows reach memory: whole word rows of the common group's code stream, and
    /// the decoded value rows of full groups. `.cached`: plain stores. The streaming kinds
    /// (non-temporal, see daf_platform_stream_store64) are for tensors too large to stay in the
    /// caches: the lines are then not read before being written, nor do they push out what is
    /// being read (8-bit nearest packing of 256 MiB: 18 -> 21 GB/s on one thread;
    /// Sources/daf-bench/README.md). Parts of word rows shared with a neighbouring group, groups
    /// the general encoder takes, and partial groups of a decoded range stay cached.
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
}
