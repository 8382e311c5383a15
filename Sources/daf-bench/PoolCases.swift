// SPDX-License-Identifier: MIT
// The pool benchmark of daf-bench: a training step's allocations - 50 blocks of
// 1 KiB to 8 MiB (log-uniform), each 0.7-1.3x its base size anew every step (bit widths that
// change), freed in reverse order ("lifo") or a random order, for 200 steps - through
// daf_pool_alloc/daf_pool_free against the system malloc/free, with and without writing every
// byte (touch: daf_pool_write vs memcpy from the same source).
//
// Honest measurement: every case runs in its own child processes (this executable, re-run with
// --pool-case), because peak RSS (VmHWM) is a process-wide high-water mark that one
// allocator's run would leave behind for the next. Each case runs twice, in two fresh
// processes: once timed, with no system call between steps, and once reading the fault
// counter around each step; the workload is deterministic, so both see the same steps. In the child, RSS is read just before the
// first step (after the sizes, the source buffer and the pool object exist) and peak RSS
// afterwards; peak_rss_over_live = (peak RSS - that baseline) / the highest sum of block sizes
// of any step. Page faults are getrusage's ru_minflt over the steps after a 20-step warm-up
// (the table also says how many steps had none, and the faults of the steps that did not set a
// new peak of live bytes).
// ns_per_op is the median over those steps of (step time / 50): one op = one alloc + its free
// (+ the write when touching).
import CDAF
import Glibc

enum PoolCases {
    static let steps = 200, blocksPerStep = 50, warmupSteps = 20
    static let smallest = 1024.0, largest = 8.0 * 1024 * 1024
    static let allocators = ["daf_pool", "malloc"], orders = ["lifo", "random"]

    /// Sizes of every step's blocks and the order each step frees them in (indices).
    struct Workload {
        var sizes: [[Int]] = []
        var freeOrder: [[Int]] = []

        init(random: Bool, seed: UInt64 = 2025) {
            var state = seed
            func next() -> Double { // SplitMix64 (Steele et al. 2014), 53 bits in [0, 1)
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
            }
            let base = (0..<blocksPerStep).map { _ in exp(log(smallest) + next() * (log(largest) - log(smallest))) }
            for _ in 0..<steps {
                sizes.append(base.map { max(1, Int($0 * (0.7 + 0.6 * next()))) })
                var order = Array((0..<blocksPerStep).reversed())
                if random {
                    for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(next() * Double(i + 1))) }
                }
                freeOrder.append(order)
            }
        }

        var peakLiveBytes: Int { sizes.map { $0.reduce(0, +) }.max() ?? 0 }
    }

    // MARK: Parent: one child process per case

    /// The 8 rows (allocator x order x touch), each measured in a fresh child process; the
    /// JSON rows hold exactly the issue's fields, `details` a note per row for the table.
    static func rows(pageSize: Int?) -> (results: [BenchResult], details: [String]) {
        var results: [BenchResult] = [], details: [String] = []
        for touch in [false, true] {
            for order in orders {
                for allocator in allocators {
                    // Two fresh children run the same deterministic steps: one timed (no system
                    // call between its steps), one that reads the fault counter around each step.
                    func child(_ mode: String) -> [String: Double] {
                        var arguments = ["--pool-case", "\(allocator):\(order):\(touch ? 1 : 0):\(mode)"]
                        if let pageSize { arguments += ["--pool-page-size", String(pageSize)] }
                        return runChild(arguments)
                    }
                    var figures = child("faults")
                    figures.merge(child("time")) { _, timed in timed }
                    results.append(BenchResult(fields: [
                        ("kernel", .string("pool_alloc_free")), ("allocator", .string(allocator)), ("order", .string(order)),
                        ("touch", .bool(touch)), ("ns_per_op", .number(figures["ns_per_op"] ?? .nan)),
                        ("faults_per_step", .number(figures["faults_per_step"] ?? .nan)),
                        ("peak_rss_over_live", .number(figures["peak_rss_over_live"] ?? .nan)),
                    ]))
                    details.append("\(allocator) \(order) touch=\(touch): \(Int(figures["steps_without_faults"] ?? 0)) of "
                                   + "\(steps - warmupSteps) measured steps without a page fault; faults per step at the "
                                   + "\(Int(figures["steps_below_peak"] ?? 0)) steps below the running peak of live bytes: "
                                   + "\(String(format3: figures["faults_per_step_below_peak"] ?? .nan)); peak live bytes \(Int(figures["peak_live_bytes"] ?? 0))")
                }
            }
        }
        return (results, details)
    }

    /// Runs this executable with `arguments` and reads its "name value" lines.
    static func runChild(_ arguments: [String]) -> [String: Double] {
        var exePath = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &exePath, exePath.count - 1)
        guard length > 0 else { fail("cannot find this executable (/proc/self/exe)") }
        let path = String(decoding: exePath.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { fail("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        guard posix_spawn(&child, path, &actions, nil, argv, environ) == 0 else { fail("posix_spawn failed") }
        posix_spawn_file_actions_destroy(&actions)
        close(pipeEnds[1])
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(pipeEnds[0], &buffer, buffer.count)
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        close(pipeEnds[0])
        var status: Int32 = 0
        waitpid(child, &status, 0)
        guard status == 0 else { fail("the pool case \(arguments) failed (wait status \(status))") }
        var figures: [String: Double] = [:]
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { figures[String(parts[0])] = value }
        }
        return figures
    }

    static func fail(_ message: String) -> Never {
        printToStandardError("daf-bench: \(message)")
        exit(2)
    }

    // MARK: Child: one case

    /// "allocator:order:touch:mode" → runs it and prints its figures to stdout. Mode "time"
    /// times the steps and reads the fault counter only before and after them; "faults" reads
    /// it around every step (so its step times include two system calls and are not printed).
    static func runCase(_ spec: String, pageSize: Int?) {
        let parts = spec.split(separator: ":").map(String.init)
        guard parts.count == 4, allocators.contains(parts[0]), orders.contains(parts[1]), ["0", "1"].contains(parts[2]),
              ["time", "faults"].contains(parts[3]) else {
            fail("--pool-case wants allocator:order:touch:mode (daf_pool|malloc, lifo|random, 0|1, time|faults); got \(spec)")
        }
        let perStepFaults = parts[3] == "faults"
        let workload = Workload(random: parts[1] == "random")
        let touch = parts[2] == "1"
        let source = UnsafeMutableRawPointer.allocate(byteCount: Int(largest * 1.3) + 1, alignment: 64)
        source.initializeMemory(as: UInt8.self, repeating: 0x5A, count: Int(largest * 1.3) + 1)
        if parts[0] == "daf_pool" {
            var options = daf_pool_options()
            check(daf_pool_options_init_sized(&options, MemoryLayout<daf_pool_options>.size))
            if let pageSize { options.page_size = UInt32(pageSize) }
            var pool: OpaquePointer? = nil
            check(daf_pool_create(&options, &pool))
            var allocator = PoolAllocator(pool: pool, touch: touch, source: source)
            measure(&allocator, workload, perStepFaults: perStepFaults)
            check(daf_pool_destroy(pool))
        } else {
            var allocator = MallocAllocator(touch: touch, source: source)
            measure(&allocator, workload, perStepFaults: perStepFaults)
        }
    }

    /// Runs the workload's steps with `allocator` and prints the figures. Generic, so each
    /// allocator's calls are direct (specialized), not through closures.
    static func measure<A: StepAllocator>(_ allocator: inout A, _ workload: Workload, perStepFaults: Bool) {
        var live = [UInt64](repeating: 0, count: blocksPerStep)
        var stepNanoseconds: [Double] = []
        stepNanoseconds.reserveCapacity(steps) // no growth (and no page fault of its own) while measuring
        // With perStepFaults, faults are also split by step: a step whose live bytes exceed every
        // earlier step's (a new peak) must touch memory no step touched before; the others need not.
        var faultsBelowPeak = 0, stepsBelowPeak = 0, peakSoFar = 0, stepsWithoutFaults = 0, faultsAtWarmup = 0
        let baseline = residentBytes()
        spin(seconds: 0.3) // the core out of any low-power state before the first timed step
        for step in 0..<steps {
            if step == warmupSteps { faultsAtWarmup = minorFaults() }
            let sizes = workload.sizes[step], order = workload.freeOrder[step]
            let faultsBefore = perStepFaults ? minorFaults() : 0
            let start = Clock.seconds()
            for b in 0..<blocksPerStep { live[b] = allocator.allocate(sizes[b]) }
            for b in order { allocator.release(live[b]) }
            let seconds = Clock.seconds() - start
            let demand = sizes.reduce(0, +)
            if step >= warmupSteps {
                stepNanoseconds.append(seconds * 1e9)
                if perStepFaults {
                    let stepFaults = minorFaults() - faultsBefore
                    if stepFaults == 0 { stepsWithoutFaults += 1 }
                    if demand <= peakSoFar {
                        faultsBelowPeak += stepFaults
                        stepsBelowPeak += 1
                    }
                }
            }
            peakSoFar = max(peakSoFar, demand)
        }
        let faults = minorFaults() - faultsAtWarmup
        let peak = peakResidentBytes()
        if perStepFaults {
            print("faults_per_step_below_peak \(Double(faultsBelowPeak) / Double(max(stepsBelowPeak, 1)))")
            print("steps_below_peak \(stepsBelowPeak)")
            print("steps_without_faults \(stepsWithoutFaults)")
        } else {
            print("ns_per_op \(median(stepNanoseconds) / Double(blocksPerStep))")
        }
        print("faults_per_step \(Double(faults) / Double(steps - warmupSteps))")
        print("peak_rss_over_live \(Double(peak - baseline) / Double(workload.peakLiveBytes))")
        print("peak_live_bytes \(workload.peakLiveBytes)")
    }

    /// Keeps the CPU busy (with no memory traffic) for a while.
    static func spin(seconds: Double) {
        let end = Clock.seconds() + seconds
        var x: UInt64 = 1
        while Clock.seconds() < end {
            for _ in 0..<1000 { x = x &* 6_364_136_223_846_793_005 &+ 1 }
        }
        if x == 0 { print("") } // keeps the loop from being optimized away
    }

    static func minorFaults() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_minflt
    }

    /// Resident bytes now: /proc/self/statm's second field, in pages.
    static func residentBytes() -> Int {
        let fields = Machine.readFile("/proc/self/statm")?.split(separator: " ") ?? []
        guard fields.count > 1, let pages = Int(fields[1]) else { fail("cannot read /proc/self/statm") }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Peak resident bytes of this process: VmHWM in /proc/self/status (kB).
    static func peakResidentBytes() -> Int {
        let line = Machine.readFile("/proc/self/status")?.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
        guard let kilobytes = line.flatMap({ Int($0.filter(\.isNumber)) }) else { fail("cannot read VmHWM") }
        return kilobytes * 1024
    }
}

/// What a step does with each block: allocate it (and write it when touching), later free it.
protocol StepAllocator {
    mutating func allocate(_ size: Int) -> UInt64
    mutating func release(_ block: UInt64)
}

struct PoolAllocator: StepAllocator {
    let pool: OpaquePointer?
    let touch: Bool
    let source: UnsafeRawPointer

    @inline(__always) mutating func allocate(_ size: Int) -> UInt64 {
        var block: daf_pool_block = 0
        check(daf_pool_alloc(pool, size, 0, &block))
        if touch { check(daf_pool_write(pool, block, 0, source, size)) }
        return block
    }

    @inline(__always) mutating func release(_ block: UInt64) { check(daf_pool_free(pool, block)) }
}

struct MallocAllocator: StepAllocator {
    let touch: Bool
    let source: UnsafeRawPointer

    @inline(__always) mutating func allocate(_ size: Int) -> UInt64 {
        guard let p = malloc(size) else { PoolCases.fail("malloc(\(size)) failed") }
        if touch { p.copyMemory(from: source, byteCount: size) }
        return UInt64(UInt(bitPattern: p))
    }

    @inline(__always) mutating func release(_ block: UInt64) { free(UnsafeMutableRawPointer(bitPattern: UInt(block))) }
}
