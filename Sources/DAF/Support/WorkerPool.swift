// Worker threads owned by libdaf: a fixed number of pthreads, a FIFO of jobs, and a parallel
// loop in which the calling thread works too. Not Dispatch: the thread count is exactly what
// the user asked for, so libdaf never oversubscribes cores that OpenBLAS or OpenMP use.
import Glibc
import Synchronization

final class WorkerPool: @unchecked Sendable {
    /// A unit of work and its completion, waited for under the pool's mutex.
    final class Job: @unchecked Sendable {
        fileprivate let work: () -> Void
        fileprivate var started = false
        fileprivate(set) var finished = false

        init(_ work: @escaping () -> Void) { self.work = work }
    }

    let workerCount: Int
    private var threads: [pthread_t] = []
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let workAvailable = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let jobFinished = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var queue: [Job] = []
    private var stopping = false

    /// Starts `workers` threads (0 is allowed: every job then runs on the caller in `wait`).
    /// Returns nil if the system refuses to create a thread.
    init?(workers: Int) {
        workerCount = workers
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(workAvailable, nil)
        pthread_cond_init(jobFinished, nil)
        for _ in 0..<workers {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            guard pthread_create(&thread, nil, { raw in
                let pool = Unmanaged<WorkerPool>.fromOpaque(raw!).takeRetainedValue()
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

    private func workLoop() {
        pthread_mutex_lock(mutex)
        while true {
            while queue.isEmpty && !stopping { pthread_cond_wait(workAvailable, mutex) }
            if queue.isEmpty && stopping { break }
            let job = queue.removeFirst()
            job.started = true
            pthread_mutex_unlock(mutex)
            job.work()
            pthread_mutex_lock(mutex)
            job.finished = true
            pthread_cond_broadcast(jobFinished)
        }
        pthread_mutex_unlock(mutex)
    }

    /// Queues a job for the workers.
    func submit(_ job: Job) {
        locked {
            queue.append(job)
            pthread_cond_signal(workAvailable)
        }
    }

    /// Blocks until `job` has run. A job no worker has started yet is taken back and run here,
    /// so waiting never depends on a worker being free (or existing).
    func wait(_ job: Job) {
        let runHere: Bool = locked {
            guard !job.started, let position = queue.firstIndex(where: { $0 === job }) else { return false }
            queue.remove(at: position)
            job.started = true
            return true
        }
        if runHere {
            job.work()
            locked {
                job.finished = true
                pthread_cond_broadcast(jobFinished)
            }
            return
        }
        locked { while !job.finished { pthread_cond_wait(jobFinished, mutex) } }
    }

    private final class PartCounter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// Runs body(0..<parts) on the calling thread and up to `helpers` workers; returns when all
    /// parts ran. Parts are taken in order by whoever is free, so a busy worker never delays
    /// the loop: its share is simply done by the others.
    func parallelFor(parts: Int, helpers: Int, _ body: (Int) -> Void) {
        let helpers = min(helpers, workerCount, parts - 1)
        guard helpers > 0 else {
            for part in 0..<parts { body(part) }
            return
        }
        let next = PartCounter()
        withoutActuallyEscaping(body) { body in
            let loop = {
                while true {
                    let part = next.value.add(1, ordering: .relaxed).oldValue
                    if part >= parts { return }
                    body(part)
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
