// SPDX-License-Identifier: MIT
// A monotonic clock for the run-time tuning of the hybrid reduction.
import Glibc

enum Clock {
    static func seconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}

extension Clock {
    /// Monotonic nanoseconds (the planner's own timing).
    static func nanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }
}
