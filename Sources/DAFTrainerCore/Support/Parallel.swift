// SPDX-License-Identifier: MIT
// Splits a loop over `count` independent items into one contiguous chunk per thread
// (Dispatch's concurrentPerform). The element-wise layers use it; OpenBLAS has its own
// threads, set to the same count, and the two never run at the same time.
import Dispatch

struct Parallel: Sendable {
    let threads: Int

    /// Calls body(range) for disjoint ranges covering 0..<count; each item is visited once.
    func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        let chunks = min(threads, count)
        guard chunks > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            // The chunks are disjoint, which is what makes sharing body across threads safe.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
            }
        }
    }
}
