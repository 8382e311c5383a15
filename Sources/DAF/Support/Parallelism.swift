// SPDX-License-Identifier: MIT
// How many threads one call may use: the caller plus `helpers` workers of a pool. A value, so
// the codec functions take it as a parameter and stay free of global state.

struct Parallelism {
    let pool: WorkerPool?
    let helpers: Int

    static let serial = Parallelism(pool: nil, helpers: 0)

    var threads: Int { 1 + (pool == nil ? 0 : helpers) }

    /// Runs body(0..<parts), spread over the caller and the helpers.
    func forEach(parts: Int, _ body: (Int) -> Void) {
        if let pool, helpers > 0, parts > 1 {
            pool.parallelFor(parts: parts, helpers: helpers, body)
        } else {
            for part in 0..<parts { body(part) }
        }
    }
}
