// SPDX-License-Identifier: MIT
// The futex lock behind Locked (DAFPlatform's daf_lock.h): mutual exclusion under contention,
// with more threads than cores so that holders are preempted and waiters reach the futex
// path, and errors thrown inside a critical section still release the lock.
import CDAF
import Dispatch
import Glibc
import Testing
@testable import DAF

@Suite("Futex lock")
struct LockedTests {
    /// A counter updated in two non-atomic steps with a pause between: any two threads inside
    /// at once lose an increment, which the total shows.
    @Test("no increment is lost: 8 threads x 20,000 read-pause-write updates")
    func mutualExclusion() {
        let counter = Locked(0)
        let threads = 8, rounds = 20_000
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for round in 0..<rounds {
                counter.withLock { value in
                    let seen = value
                    if round % 64 == t { sched_yield() } // now and then give the core away inside
                    value = seen + 1
                }
            }
        }
        #expect(counter.withLock { $0 } == threads * rounds)
    }

    @Test("a throwing body releases the lock")
    func throwingBodyReleases() {
        let locked = Locked(1)
        for _ in 0..<3 {
            #expect(throws: DAFError.self) {
                try locked.withLock { (value: inout Int) throws(DAFError) in
                    value += 1
                    throw DAFError(DAF_E_INTERNAL, "test")
                }
            }
        }
        #expect(locked.withLock { $0 } == 4) // would hang here if a throw had kept the lock
    }
}
