// SPDX-License-Identifier: MIT
// The paged pool: random sequences of every operation against a model (bytes of each block,
// importances, ages), with the pool's invariants checked after each step; the capacity never
// above the budget; eviction order equal to "sort by importance (then age), evict lowest";
// shrinking moves pages without changing contents; and the daf_pool_* calls from C.
import CDAF
import Testing
@testable import DAF

/// A pool of 4 KiB pages in chunks of `chunkPages` pages.
func testPool(chunkPages: Int = 8, budgetPages: Int = 0, autoTrim: Bool = false) throws -> PagePool {
    let page = PoolConfig.osPageSize
    let config = try PoolConfig(pageSize: UInt32(page), chunkBytes: UInt64(chunkPages * page),
                                budgetBytes: UInt64(budgetPages * page), flags: autoTrim ? DAF_POOL_AUTO_TRIM.rawValue : 0,
                                prefix: "test")
    return try PagePool(config)
}

@Suite("Paged pool")
struct PagePoolTests {
    struct ModelBlock {
        var id: UInt64
        var bytes: [UInt8]
        var importance: Float
        var age: Int
    }

    static func randomBytes(_ count: Int, _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { raw in
            for word in 0..<(count + 7) / 8 {
                let value = rng.next()
                for k in 0..<min(8, count - word * 8) { raw[word * 8 + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
            }
        }
        return bytes
    }

    static func contents(_ pool: borrowing PagePool, _ block: UInt64, offset: Int = 0, _ count: Int) throws -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 1)
        defer { buffer.deallocate() }
        try pool.read(block, offset: offset, into: buffer.baseAddress, count: count)
        return Array(buffer.prefix(count))
    }

    static func store(_ data: [UInt8], _ pool: inout PagePool, _ block: UInt64, offset: Int = 0) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: data)
        try pool.write(block, offset: offset, from: buffer.baseAddress, count: data.count)
    }

    static func leastOf(_ model: [ModelBlock]) -> UInt64 {
        model.min { ($0.importance, $0.age) < ($1.importance, $1.age) }?.id ?? 0
    }

    @Test("random operation sequences keep every invariant and every byte, 40 seeds")
    func randomSequences() throws {
        let page = PoolConfig.osPageSize
        let importances: [Float] = [-2, -0.0, 0, 0.5, 3, 3, 9]
        for seed in UInt64(0)..<40 {
            var rng = SeededGenerator(seed: seed &+ 1000)
            var budgetPages = seed % 4 == 0 ? 0 : Int.random(in: 12...60, using: &rng)
            var pool = try testPool(chunkPages: Int.random(in: 1...12, using: &rng), budgetPages: budgetPages, autoTrim: seed % 3 == 1)
            var model: [ModelBlock] = []
            var age = 0
            for step in 0..<300 {
                let context = "seed \(seed) step \(step)"
                let action = Int.random(in: 0..<20, using: &rng)
                switch action {
                case 0..<6: // allocate and fill
                    let bytes = Bool.random(using: &rng) ? Int.random(in: 0...page, using: &rng) : Int.random(in: 0...(6 * page), using: &rng)
                    let importance = importances.randomElement(using: &rng)!
                    let needed = pool.config.pages(for: bytes)
                    let fits = needed <= pool.freePages || budgetPages == 0 || needed - pool.freePages <= budgetPages - pool.capacityPages
                    do {
                        let id = try pool.allocate(bytes: bytes, importance: importance)
                        try #require(fits, "\(context): allocation of \(needed) pages should have been refused")
                        let data = Self.randomBytes(bytes, &rng)
                        try Self.store(data, &pool, id)
                        model.append(ModelBlock(id: id, bytes: data, importance: importance, age: age))
                        age += 1
                    } catch let error as DAFError {
                        try #require(!fits && error.status == DAF_E_BUDGET_EXCEEDED.code, "\(context): \(name(error.status)) \(error.detail)")
                    }
                case 6..<9: // free
                    if let i = model.indices.randomElement(using: &rng) {
                        try pool.free(model[i].id)
                        #expect(throws: DAFError.self, "\(context): a freed block is unknown") { try pool.free(model[i].id) }
                        model.remove(at: i)
                    }
                case 9, 10: // write a range
                    if let i = model.indices.randomElement(using: &rng), !model[i].bytes.isEmpty {
                        let first = Int.random(in: 0..<model[i].bytes.count, using: &rng)
                        let n = Int.random(in: 0...(model[i].bytes.count - first), using: &rng)
                        let data = Self.randomBytes(n, &rng)
                        try Self.store(data, &pool, model[i].id, offset: first)
                        model[i].bytes.replaceSubrange(first..<first + n, with: data)
                    }
                case 11: // read a range, and one past the end
                    if let i = model.indices.randomElement(using: &rng) {
                        let size = model[i].bytes.count
                        let first = Int.random(in: 0...size, using: &rng), n = Int.random(in: 0...(size - first), using: &rng)
                        let out = try Self.contents(pool, model[i].id, offset: first, n)
                        try #require(out[...] == model[i].bytes[first..<first + n], "\(context): read differs")
                        var one: UInt8 = 0
                        #expect(throws: DAFError.self) { try pool.read(model[i].id, offset: size, into: &one, count: 1) }
                    }
                case 12: // truncate
                    if let i = model.indices.randomElement(using: &rng) {
                        let bytes = Int.random(in: 0...model[i].bytes.count, using: &rng)
                        try pool.truncate(model[i].id, toBytes: bytes)
                        model[i].bytes.removeLast(model[i].bytes.count - bytes)
                    }
                case 13, 14: // re-weight
                    if let i = model.indices.randomElement(using: &rng) {
                        let importance = importances.randomElement(using: &rng)!
                        try pool.setImportance(model[i].id, importance)
                        model[i].importance = importance
                    }
                case 15: // change the budget
                    let target = Bool.random(using: &rng) ? 0 : max(0, pool.usedPages + Int.random(in: -4...30, using: &rng))
                    do {
                        try pool.setBudget(UInt64(target * page))
                        try #require(target == 0 || target >= pool.usedPages, "\(context): a budget below the live pages was accepted")
                        budgetPages = target
                    } catch let error as DAFError {
                        try #require(target < pool.usedPages && error.status == DAF_E_BUDGET_EXCEEDED.code, "\(context): \(error.detail)")
                    }
                case 16: // trim
                    pool.trim()
                    try #require(pool.capacityPages == pool.usedPages, "\(context): trim left free pages mapped")
                case 17: // evict the least important
                    let expected = Self.leastOf(model)
                    try #require(pool.evictLeastImportant() == expected, "\(context): evicted another block than the oracle's")
                    model.removeAll { $0.id == expected }
                default: // check every byte
                    for block in model {
                        try #require(try Self.contents(pool, block.id, block.bytes.count) == block.bytes, "\(context): contents changed")
                    }
                }
                let problems = pool.invariantViolations()
                try #require(problems.isEmpty, "\(context): \(problems.prefix(4))")
                try #require(budgetPages == 0 || pool.capacityPages <= budgetPages, "\(context): capacity above the budget")
                try #require(pool.counters.liveBlocks == model.count && pool.counters.liveBytes == model.reduce(0) { $0 + $1.bytes.count })
                try #require(pool.leastImportant == Self.leastOf(model), "\(context): least important differs from the oracle")
            }
            for block in model {
                try #require(try Self.contents(pool, block.id, block.bytes.count) == block.bytes, "seed \(seed): contents at the end")
            }
        }
    }

    @Test("eviction order equals sorting by importance (then age) and evicting the lowest")
    func evictionOrder() throws {
        var rng = SeededGenerator(seed: 77)
        var pool = try testPool(chunkPages: 16)
        var model: [ModelBlock] = []
        for age in 0..<600 {
            let importance = Float(Int.random(in: -20...20, using: &rng)) / 4
            model.append(ModelBlock(id: try pool.allocate(bytes: Int.random(in: 0...9000, using: &rng), importance: importance),
                                    bytes: [], importance: importance, age: age))
        }
        for _ in 0..<300 { // re-weight half of them; ages stay
            let i = Int.random(in: 0..<model.count, using: &rng)
            model[i].importance = Float(Int.random(in: -20...20, using: &rng)) / 4
            try pool.setImportance(model[i].id, model[i].importance)
        }
        let expected = model.sorted { ($0.importance, $0.age) < ($1.importance, $1.age) }.map(\.id)
        var evicted: [UInt64] = []
        while case let block = pool.evictLeastImportant(), block != 0 { evicted.append(block) }
        #expect(evicted == expected)
        #expect(pool.counters.evictions == 600 && pool.usedPages == 0)
    }

    @Test("with a budget, capacity never exceeds it, and refusals change nothing")
    func budgetIsHard() throws {
        var rng = SeededGenerator(seed: 5)
        let budget = 37
        var pool = try testPool(chunkPages: 10, budgetPages: budget)
        var live: [UInt64] = []
        var refusals = 0
        for _ in 0..<2000 {
            if Int.random(in: 0..<3, using: &rng) > 0 {
                let before = (pool.capacityPages, pool.usedPages)
                do {
                    live.append(try pool.allocate(bytes: Int.random(in: 1...(9 * 4096), using: &rng), importance: 0))
                } catch {
                    #expect(error.status == DAF_E_BUDGET_EXCEEDED.code)
                    #expect(before == (pool.capacityPages, pool.usedPages), "a refused allocation changed the pool")
                    refusals += 1
                }
            } else if let i = live.indices.randomElement(using: &rng) {
                try pool.free(live.remove(at: i))
            }
            #expect(pool.capacityPages <= budget)
        }
        #expect(refusals > 0 && pool.counters.peakCapacityPages == budget, "the budget was reached and held")
        #expect(pool.counters.budgetRefusals == refusals)
        #expect(pool.invariantViolations().isEmpty)
    }

    @Test("a lower budget moves live pages out of the chunks it unmaps; contents survive")
    func shrinkMovesPages() throws {
        var rng = SeededGenerator(seed: 9)
        var pool = try testPool(chunkPages: 8)
        var blocks: [(UInt64, [UInt8])] = []
        for _ in 0..<40 {
            let data = Self.randomBytes(Int.random(in: 1...(3 * 4096), using: &rng), &rng)
            let id = try pool.allocate(bytes: data.count, importance: 0)
            try Self.store(data, &pool, id)
            blocks.append((id, data))
        }
        // Free every other block: every chunk keeps some live pages.
        for i in stride(from: 0, to: blocks.count, by: 2) { try pool.free(blocks[i].0) }
        blocks = stride(from: 1, to: blocks.count, by: 2).map { blocks[$0] }
        let used = pool.usedPages
        #expect(pool.capacityPages > used + 8)
        try pool.setBudget(UInt64((used + 3) * 4096))
        #expect(pool.capacityPages <= used + 3 && pool.counters.trims > 0)
        #expect(pool.invariantViolations().isEmpty)
        for (id, data) in blocks { #expect(try Self.contents(pool, id, data.count) == data) }
        #expect(throws: DAFError.self) { try pool.setBudget(UInt64((used - 1) * 4096)) }
        pool.trim()
        #expect(pool.capacityPages == used)
        for (id, data) in blocks { #expect(try Self.contents(pool, id, data.count) == data) }
    }

    @Test("auto-trim unmaps a chunk as soon as it is empty")
    func autoTrim() throws {
        var pool = try testPool(chunkPages: 4, autoTrim: true)
        let a = try pool.allocate(bytes: 4 * 4096, importance: 0)
        let b = try pool.allocate(bytes: 4 * 4096, importance: 0)
        #expect(pool.capacityPages == 8)
        try pool.free(a)
        #expect(pool.capacityPages == 4 && pool.counters.trims == 1)
        try pool.free(b)
        #expect(pool.capacityPages == 0 && pool.invariantViolations().isEmpty)
    }

    @Test("handles: zero, freed, made-up and stale ones are unknown, never reused")
    func handles() throws {
        var pool = try testPool()
        let a = try pool.allocate(bytes: 100, importance: 1)
        try pool.free(a)
        let b = try pool.allocate(bytes: 100, importance: 1)
        #expect(a != b, "the slot is reused, the handle is not")
        for bad: UInt64 in [0, a, b &+ 1, b ^ (1 << 40), .max] {
            #expect(throws: DAFError.self) { try pool.size(of: bad) }
        }
        #expect(try pool.size(of: b) == 100)
    }
}

extension PagePoolTests {
    @Test("large copies spread over threads: scattered pages, odd offsets, same bytes as serial copies")
    func parallelCopies() throws {
        var rng = SeededGenerator(seed: 77)
        // Chunks of 64 pages; blocks freed in between leave the big blocks' pages out of order.
        var pool = try testPool(chunkPages: 64)
        let page = pool.pageSize
        var small: [UInt64] = []
        for _ in 0..<300 { small.append(try pool.allocate(bytes: page * Int.random(in: 1...5, using: &rng), importance: 0)) }
        for (i, block) in small.enumerated() where i % 3 != 0 { try pool.free(block) }
        let workers = try #require(WorkerPool(workers: 2))
        defer { workers.shutdown() }
        let parallelism = Parallelism(pool: workers, helpers: 2)
        for round in 0..<3 {
            let size = PagePool.parallelCopyBytes + Int.random(in: 0...(3 * page), using: &rng)
            let block = try pool.allocate(bytes: size + 2 * page, importance: 0)
            let offset = Int.random(in: 0...(2 * page), using: &rng)
            let data = PagePoolTests.randomBytes(size, &rng)
            try data.withUnsafeBytes { src in
                try pool.write(block, offset: offset, from: src.baseAddress, count: size, parallelism: parallelism)
            }
            // Read back serially, then in parallel into a buffer holding other bytes.
            #expect(try PagePoolTests.contents(pool, block, offset: offset, size) == data, "round \(round): parallel write")
            var back = [UInt8](repeating: 0xA5, count: size)
            try back.withUnsafeMutableBytes { dst in
                try pool.read(block, offset: offset, into: dst.baseAddress, count: size, parallelism: parallelism)
            }
            let firstBad = zip(back, data).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(firstBad == nil, "round \(round): parallel read differs first at byte \(firstBad ?? -1) of \(size)")
            try pool.free(block)
        }
    }
}
