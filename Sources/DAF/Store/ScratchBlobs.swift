// SPDX-License-Identifier: MIT
// A context's idle scratch buffers for packed blobs, for the saves and restores that cannot
// work in the pool's pages in place (StoreState+Pins): a save packs into one before the blob
// enters the pool, a restore copies the blob out of the pool (or the spill file) into one
// before unpacking. Not part of the pool or its budget. Reusing them spares a fresh mmap, and
// a page fault per 4 KiB page, on every call with a large blob (glibc maps allocations above
// 32 MiB anew each time).

final class ScratchBlobs: Sendable {
    /// At most this many idle buffers, of at most `maxIdleBytes` together, are kept; the
    /// largest stay (small buffers are cheap to allocate again). Documented in daf.h.
    static let maxIdle = 2
    static let maxIdleBytes = 256 << 20

    private let idle = Locked<[AlignedBytes]>([])

    /// An idle buffer of at least `count` bytes (the smallest that fits), or a new one of
    /// exactly `count`. Its contents are whatever an earlier blob left: users overwrite them.
    func take(atLeast count: Int) throws(DAFError) -> AlignedBytes {
        let reused = idle.withLock { buffers -> AlignedBytes? in
            var best: Int? = nil
            for (i, buffer) in buffers.enumerated() where buffer.count >= count {
                if best.map({ buffer.count < buffers[$0].count }) ?? true { best = i }
            }
            return best.map { buffers.remove(at: $0) }
        }
        if let reused { return reused }
        return try AlignedBytes(count: count)
    }

    /// Keeps `buffer` for reuse while the bounds allow, largest first; what does not fit is
    /// freed outside the lock.
    func give(_ buffer: AlignedBytes) {
        let dropped = idle.withLock { buffers -> [AlignedBytes] in
            var kept: [AlignedBytes] = [], dropped: [AlignedBytes] = [], bytes = 0
            for candidate in (buffers + [buffer]).sorted(by: { $0.count > $1.count }) {
                if kept.count < ScratchBlobs.maxIdle && bytes + candidate.count <= ScratchBlobs.maxIdleBytes {
                    kept.append(candidate)
                    bytes += candidate.count
                } else {
                    dropped.append(candidate)
                }
            }
            buffers = kept
            return dropped
        }
        _ = dropped
    }

    /// Frees every idle buffer (also for tests).
    func removeAll() {
        let dropped = idle.withLock { buffers -> [AlignedBytes] in
            defer { buffers.removeAll() }
            return buffers
        }
        _ = dropped
    }

    /// Bytes held by idle buffers.
    var idleBytes: Int { idle.withLock { $0.reduce(0) { $0 + $1.count } } }
}
