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
