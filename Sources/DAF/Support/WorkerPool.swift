// SPDX-License-Identifier: MIT
// Worker threads owned by libdaf: a fixed number of pthreads, a FIFO of jobs, and a parallel
// loop in which the calling thread works too. Not Dispatch: the thread count is exactly what
// the user asked for, so libdaf never oversubscribes cores that OpenBLAS or OpenMP use.
import DAFPlatform
import Glibc
import Synchronization

final class WorkerPool: @unchecked Sendable {
    /// A unit of work and its completion. `started` is guarded by the pool's mutex; `done` is
    /// atomic so that a waiter can spin on it without the mutex.
    final class Job: @unchecked Sendable {
        /// Dropped by whoever runs it, before `done` is set: a parallel loop's jobs capture a
        /// non-escaping body, which must be referenced by nobody once the loop returns.
        fileprivate var work: (() -> Void)?
        fileprivate var started = false
        fileprivate let done = Atomic<Bool>(false)

        init(_ work: @escaping () -> Void) { self.work = work }

        var finished: Bool { done.load(ordering: .acquiring) }
    }

    /// How long an idle worker, and a caller waiting for a job, spin before they sleep.
    /// Waking a sleeping thread (futex wake, then the scheduler) costs tens of microseconds,
    /// as much as decoding a 64 Ki-value tile; back-to-back calls find spinning workers
    /// awake. The price is at most this much CPU time per worker after each job.
    static let spinSeconds = 50e-6

    let workerCount: Int
    private var threads: [pthread_t] = []
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let workAvailable = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let jobFinished = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var queue: [Job] = []
    /// queue.count, readable without the mutex by spinning workers.
    private let queued = Atomic<Int>(0)
    /// Workers and waiters asleep on the conditions: nobody to signal when zero (a syscall saved).
    private var sleepingWorkers = 0, sleepingWaiters = 0
    private var stopping = false

    /// Starts `workers` threads (0 is allowed: every job then runs on the caller in `wait`).
    /// Returns nil if the system refuses to create a thread.
    init?(workers: Int) {
        workerCount = workers
        // Adaptive: a thread finding the mutex taken spins briefly before sleeping. The mutex
        // is only ever held for a few instructions, and a spinning worker that sees a job and
        // then sleeps on the mutex of the submitter would cost the futex round trip that the
        // spinning is there to avoid.
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
        pthread_cond_init(workAvailable, nil)
        pthread_cond_init(jobFinished, nil)
        for _ in 0..<workers {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            guard pthread_create(&thread, nil, { raw in
                let pool = Unmanaged<WorkerPool>.fromOpaque(raw!).takeRetainedValue()
                // Created by a caller's thread, whose floating-point environment it inherited.
                daf_platform_fp_set_default()
                pool.workLoop()
                return nil
            }, context) == 0 else {
                Unmanaged<WorkerPool>.fromOpaque(context).release()
                shutdown()
                return nil
            }
            threads.append(thread)
        }
    }

    /// Stops and joins the workers after the queued jobs ran. Called by the owner (a context's
    /// destroy, a codec thread-count change), never by a worker.
    func shutdown() {
        locked {
            stopping = true
            pthread_cond_broadcast(workAvailable)
        }
        for thread in threads { pthread_join(thread, nil) }
        threads.removeAll()
    }

    deinit {
        pthread_cond_destroy(jobFinished)
        pthread_cond_destroy(workAvailable)
        pthread_mutex_destroy(mutex)
        jobFinished.deallocate()
        workAvailable.deallocate()
        mutex.deallocate()
    }

    @inline(__always)
    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Spins (with the CPU's pause hint) until `condition` holds or `spinSeconds` pass; returns
    /// whether it holds. The clock is read every 64 pauses only.
    private static func spin(until condition: () -> Bool) -> Bool {
        let deadline = Clock.seconds() + spinSeconds
        var round = 0
        while !condition() {
            daf_platform_pause()
            round &+= 1
            if round & 63 == 0, Clock.seconds() >= deadline { return condition() }
        }
        return true
    }

    private func workLoop() {
        pthread_mutex_lock(mutex)
        while true {
            if !queue.isEmpty {
                let job = queue.removeFirst()
                // Relaxed (here and in submit and wait): queued is only a hint for spinning
                // workers; the queue and the jobs are read and written under the mutex, whose
                // lock and unlock order them on ARM as on x86. A stale count costs a spin.
                queued.subtract(1, ordering: .relaxed)
                job.started = true
                pthread_mutex_unlock(mutex)
                run(job)
                pthread_mutex_lock(mutex)
                continue
            }
            if stopping { break }
            pthread_mutex_unlock(mutex)
            // Relaxed: seeing work only sends the worker to the mutex, where it looks again.
            let sawWork = WorkerPool.spin { queued.load(ordering: .relaxed) > 0 }
            pthread_mutex_lock(mutex)
            if !sawWork && queue.isEmpty && !stopping {
                sleepingWorkers += 1
                pthread_cond_wait(workAvailable, mutex)
                sleepingWorkers -= 1
            }
        }
        pthread_mutex_unlock(mutex)
    }

    /// Runs a started job and marks it done; a waiter asleep on it is woken (one that checks
    /// `done` under the mutex before sleeping cannot miss this).
    private func run(_ job: Job) {
        WorkerPool.execute(job)
        job.done.store(true, ordering: .releasing)
        locked { if sleepingWaiters > 0 { pthread_cond_broadcast(jobFinished) } }
    }

    /// Runs and drops the job's work; the closure's last reference is gone when this returns.
    @inline(never)
    private static func execute(_ job: Job) {
        let work = job.work.take()
        work?()
    }

    /// Queues a job for the workers.
    func submit(_ job: Job) {
        locked {
            queue.append(job)
            queued.add(1, ordering: .relaxed)
            if sleepingWorkers > 0 { pthread_cond_signal(workAvailable) }
        }
    }

    /// Blocks until `job` has run. A job no worker has started yet is taken back and run here,
    /// so waiting never depends on a worker being free (or existing).
    func wait(_ job: Job) {
        let runHere: Bool = locked {
            guard !job.started, let position = queue.firstIndex(where: { $0 === job }) else { return false }
            queue.remove(at: position)
            queued.subtract(1, ordering: .relaxed)
            job.started = true
            return true
        }
        if runHere { return run(job) }
        if WorkerPool.spin(until: { job.finished }) { return }
        locked {
            while !job.finished {
                sleepingWaiters += 1
                pthread_cond_wait(jobFinished, mutex)
                sleepingWaiters -= 1
            }
        }
    }

    /// Most parts one claim of parallelFor takes (16 parts: 1 to 4 MiB of floats).
    static let maxBatch = 16

    private final class PartCounter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// Runs body(0..<parts) on the calling thread and up to `helpers` workers; returns when all
    /// parts ran. Parts are claimed in contiguous batches by whoever is free (guided
    /// self-scheduling, Polychronopoulos & Kuck 1987: a batch is the unclaimed parts divided by
    /// the thread count, here at most `maxBatch`), so each thread streams through long
    /// stretches of memory (claiming one 64 KiB part at a time interleaved the threads' writes
    /// and cost a fifth of 2-thread decoding speed), while a late, busy or preempted worker
    /// holds back at most one batch: the others take the rest.
    func parallelFor(parts: Int, helpers: Int, _ body: (Int) -> Void) {
        let helpers = min(helpers, workerCount, parts - 1)
        guard helpers > 0 else {
            for part in 0..<parts { body(part) }
            return
        }
        let next = PartCounter(), threads = helpers + 1
        withoutActuallyEscaping(body) { body in
            // Relaxed claims: a read-modify-write of one atomic is indivisible under any
            // ordering, so each part is claimed exactly once; nothing else is published
            // through the counter. The body's inputs reached the helpers through submit's
            // mutex, and its outputs reach the caller through done's release and acquire.
            let loop = {
                var first = next.value.load(ordering: .relaxed)
                while first < parts {
                    let end = first + min(WorkerPool.maxBatch, max(1, (parts - first) / threads))
                    let (claimed, current) = next.value.compareExchange(expected: first, desired: end, ordering: .relaxed)
                    guard claimed else {
                        first = current
                        continue
                    }
                    for part in first..<end { body(part) }
                    first = next.value.load(ordering: .relaxed)
                }
            }
            let jobs = (0..<helpers).map { _ in Job(loop) }
            for job in jobs { submit(job) }
            loop()
            // Every part is taken; a helper job that has not started yet finds nothing to do.
            for job in jobs { wait(job) }
        }
    }
}
