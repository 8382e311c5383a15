// SPDX-License-Identifier: MIT
// Choosing one option (width, group size) per slot to minimize the summed predicted error under
// byte targets: greedy on each slot's lower convex hull of (bytes, error), largest error decrease
// per byte first (Shoham and Gersho, "Efficient bit allocation for an arbitrary set of
// quantizers", 1988; optimal for the bytes it spends, by Everett's Lagrangian argument), then a
// fill of any upgrade that still fits, the best uniform width if that is better, and pairwise
// exchanges. Pure arithmetic: the statistics are SlotPlanner's.

struct PlanOption: Equatable, Sendable {
    let bits: Int
    let groupSize: Int
    /// Exact blob bytes (the average-bits target counts these).
    let bytes: Int
    /// Bytes of pool pages (the budget counts these).
    let pageBytes: Int
    let error: Double
}

struct AllocationTarget: Equatable, Sendable {
    /// Most blob bytes in total (Int.max: none).
    var bytes = Int.max
    /// Most page bytes in total (Int.max: none).
    var pageBytes = Int.max
}

enum BitAllocator {
    /// The options of the lower convex hull of (bytes, error), cheapest first: on it, each step
    /// up costs more bytes and saves less error per byte than the one before. Ties by position
    /// in `options` (deterministic).
    static func hull(_ options: [PlanOption]) -> [PlanOption] {
        let sorted = options.enumerated().sorted {
            ($0.element.bytes, $0.element.error, $0.offset) < ($1.element.bytes, $1.element.error, $1.offset)
        }.map(\.element)
        // Dominated options (not less error for more bytes) are never worth taking.
        var frontier: [PlanOption] = []
        for option in sorted where frontier.last.map({ option.error < $0.error && option.bytes > $0.bytes }) ?? true {
            frontier.append(option)
        }
        var hull: [PlanOption] = []
        for option in frontier {
            while hull.count >= 2 {
                let a = hull[hull.count - 2], b = hull[hull.count - 1]
                // b lies on or above the segment a..option: drop it.
                let lhs = (b.error - a.error) * Double(option.bytes - a.bytes)
                let rhs = (option.error - a.error) * Double(b.bytes - a.bytes)
                if lhs >= rhs { hull.removeLast() } else { break }
            }
            hull.append(option)
        }
        return hull
    }

    /// One index into `options[s]` per slot. Phase one walks the hulls while the best step fits
    /// (the Lagrangian solution); phase two then takes, best ratio first, any upgrade among all
    /// options that still fits. `lagrangianOnly` stops after phase one (tests).
    static func allocate(_ options: [[PlanOption]], target: AllocationTarget, lagrangianOnly: Bool = false) -> [Int] {
        let hulls = options.map(hull)
        var step = [Int](repeating: 0, count: options.count)
        var bytes = 0, pages = 0
        for h in hulls where !h.isEmpty {
            bytes += h[0].bytes
            pages += h[0].pageBytes
        }
        func fits(_ from: PlanOption, _ to: PlanOption) -> Bool {
            bytes - from.bytes + to.bytes <= target.bytes && pages - from.pageBytes + to.pageBytes <= target.pageBytes
        }
        func ratio(_ from: PlanOption, _ to: PlanOption) -> Double {
            (from.error - to.error) / Double(max(to.bytes - from.bytes, 1))
        }
        while true {
            var best: (slot: Int, ratio: Double)? = nil
            for s in hulls.indices where step[s] + 1 < hulls[s].count {
                let r = ratio(hulls[s][step[s]], hulls[s][step[s] + 1])
                if best == nil || r > best!.ratio { best = (s, r) }
            }
            guard let best else { break }
            let from = hulls[best.slot][step[best.slot]], to = hulls[best.slot][step[best.slot] + 1]
            guard fits(from, to) else { break }
            bytes += to.bytes - from.bytes
            pages += to.pageBytes - from.pageBytes
            step[best.slot] += 1
        }
        var chosen = hulls.indices.map { s in hulls[s].isEmpty ? nil : hulls[s][step[s]] }
        if !lagrangianOnly {
            while true {
                var best: (slot: Int, option: PlanOption, ratio: Double)? = nil
                for s in options.indices {
                    guard let current = chosen[s] else { continue }
                    for option in options[s] where option.error < current.error && fits(current, option) {
                        let r = ratio(current, option)
                        if best == nil || r > best!.ratio { best = (s, option, r) }
                    }
                }
                guard let best, let current = chosen[best.slot] else { break }
                bytes += best.option.bytes - current.bytes
                pages += best.option.pageBytes - current.pageBytes
                chosen[best.slot] = best.option
            }
        }
        var picks = options.indices.map { s in chosen[s].flatMap { options[s].firstIndex(of: $0) } ?? 0 }
        if !lagrangianOnly {
            picks = bestUniform(options, target: target, better: picks)
            picks = exchanged(options, target: target, from: picks)
        }
        return picks
    }

    private static func sum(_ options: [[PlanOption]], _ picks: [Int]) -> (bytes: Int, pages: Int, error: Double) {
        var t = (bytes: 0, pages: 0, error: 0.0)
        for s in options.indices where !options[s].isEmpty {
            let o = options[s][picks[s]]
            t.bytes += o.bytes
            t.pages += o.pageBytes
            t.error += o.error
        }
        return t
    }

    /// `better`, or the best assignment of one same width and group size to every slot if that
    /// fits and predicts less error: the plan is never worse than a fixed width of equal bytes.
    private static func bestUniform(_ options: [[PlanOption]], target: AllocationTarget, better picks: [Int]) -> [Int] {
        var best = picks, bestError = sum(options, picks).error
        guard let first = options.first(where: { !$0.isEmpty }) else { return picks }
        for candidate in first {
            let uniform = options.map { slot in
                slot.firstIndex { $0.bits == candidate.bits && $0.groupSize == candidate.groupSize }
            }
            guard !uniform.enumerated().contains(where: { $0.element == nil && !options[$0.offset].isEmpty }) else { continue }
            let u = uniform.map { $0 ?? 0 }
            let t = sum(options, u)
            if t.bytes <= target.bytes, t.pages <= target.pageBytes, t.error < bestError {
                best = u
                bestError = t.error
            }
        }
        return best
    }

    /// Pairwise exchanges: while moving two slots to other options at once (one may go down so
    /// the other can go up) fits and lowers the error, take the best such move. Only options on
    /// each slot's frontier (no other option has less error for no more bytes) are tried.
    private static func exchanged(_ options: [[PlanOption]], target: AllocationTarget, from start: [Int]) -> [Int] {
        let frontier = options.map { slot in
            slot.indices.filter { i in !slot.contains { $0.bytes <= slot[i].bytes && $0.error < slot[i].error } }
        }
        var picks = start
        var t = sum(options, picks)
        for _ in 0..<64 {
            var best: (s: Int, i: Int, u: Int, j: Int, gain: Double)? = nil
            for s in options.indices where !options[s].isEmpty {
                let a = options[s][picks[s]]
                for u in (s + 1)..<max(options.count, s + 1) where !options[u].isEmpty {
                    let b = options[u][picks[u]]
                    for i in frontier[s] {
                        let x = options[s][i]
                        for j in frontier[u] {
                            let y = options[u][j]
                            let gain = a.error + b.error - x.error - y.error
                            guard gain > 1e-12 * max(t.error, 1e-300), gain > (best?.gain ?? 0),
                                  t.bytes - a.bytes - b.bytes + x.bytes + y.bytes <= target.bytes,
                                  t.pages - a.pageBytes - b.pageBytes + x.pageBytes + y.pageBytes <= target.pageBytes
                            else { continue }
                            best = (s, i, u, j, gain)
                        }
                    }
                }
            }
            guard let best else { break }
            picks[best.s] = best.i
            picks[best.u] = best.j
            t = sum(options, picks)
        }
        return picks
    }
}
