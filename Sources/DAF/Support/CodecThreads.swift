// SPDX-License-Identifier: MIT
// The thread count of the stateless codec calls (daf_codec_set_threads): one process-wide
// worker pool, replaced when the count changes. Calls already running keep the pool they
// started with; a replaced pool finishes its queued work before its threads exit.
import CDAF
import Glibc
import Synchronization

enum CodecThreads {
    private struct Setting: @unchecked Sendable {
        var threads = 1
        var pool: WorkerPool? = nil
    }

    private static let current = Locked(Setting())

    static let maximum = 256

    static var onlineCores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    static var threads: Int { current.withLock { $0.threads } }

    static var parallelism: Parallelism {
        current.withLock { Parallelism(pool: $0.pool, helpers: $0.threads - 1) }
    }

    static func set(_ requested: Int) throws(DAFError) {
        guard requested >= 0, requested <= maximum else {
            throw .invalid("threads is \(requested); allowed 0 (one per online core) to \(maximum)")
        }
        let threads = requested == 0 ? onlineCores : requested
        var pool: WorkerPool? = nil
        if threads > 1 {
            guard let started = WorkerPool(workers: threads - 1) else {
                throw DAFError(DAF_E_NO_MEMORY, "could not start \(threads - 1) worker threads")
            }
            pool = started
        }
        let old = current.withLock { setting -> WorkerPool? in
            let old = setting.pool
            setting = Setting(threads: threads, pool: pool)
            return old
        }
        old?.shutdown()
    }
}
