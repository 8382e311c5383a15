// SPDX-License-Identifier: MIT
// The planner of automatic bits: per-slot statistics, step boundaries (a slot saved twice since
// the last plan), the byte targets of a step, the allocation with hysteresis, and its figures.
// Lives inside the context's locked state; planning reads only the statistics (no tensor data).
import CDAF

struct PlanSettings: Sendable {
    var averageBits: Double = 0
    var minBits = 1
    var maxBits = 8
    var choosesGroupSize = true
    var baseGroupSize = Int(DAF_DEFAULT_GROUP_SIZE)
    var defaultBits = Int(DAF_DEFAULT_BITS)
    var stochastic = false
    /// The budget is a target (false: avg_bits is set and the policy evicts exactly).
    var fitsBudget = true
    /// A new plan must predict this much less error (relative) to replace a fitting one.
    static let hysteresis = 0.02
    /// Share of the budget's pages the plan may fill.
    static let budgetShare = (numerator: 15, denominator: 16)

    /// c of the model: the error variance per squared step.
    var variance: Double { stochastic ? 1.0 / 6.0 : 1.0 / 12.0 }

    /// The width of an automatic save whose slot has no plan yet: the widest whose codes and
    /// group table (8 bytes a group) stay within avg_bits per value, so that the step before
    /// the first plan does not take more than planned steps will.
    var provisionalBits: Int {
        var wanted = defaultBits
        if averageBits > 0 {
            let tableBits = 64 / Double(baseGroupSize)
            wanted = Int((averageBits - tableBits).rounded(.down))
        }
        return min(max(wanted, minBits), maxBits)
    }

    var groupSizes: [Int] {
        let levels = choosesGroupSize ? GroupRangeProbe.mergeLevels : 1
        return (0..<levels).map { baseGroupSize << $0 }.filter { $0 <= QuantSpec.maxGroupSize }
    }
}

struct PlanFigures: Sendable {
    var plans = 0, changes = 0, nanoseconds: UInt64 = 0
    var targetBytes = 0, plannedBytes = 0
}

struct SlotPlanner: Sendable {
    var settings: PlanSettings
    private(set) var slots: [UInt32: SlotStatistics] = [:]
    /// Width and group size per planned slot.
    private(set) var plan: [UInt32: (bits: Int, groupSize: Int)] = [:]
    private var savedSinceLastPlan: Set<UInt32> = []
    private(set) var figures = PlanFigures()

    init(_ settings: PlanSettings) { self.settings = settings }

    /// Called before a save of `slot` (0: none) is packed: starts a new step (and plans) when
    /// the slot was already saved since the last plan. Returns the width and group size of an
    /// automatic save.
    mutating func beginSave(slot: UInt32, budget: (bytes: Int, pageSize: Int)) -> (bits: Int, groupSize: Int) {
        if slot != 0 {
            if savedSinceLastPlan.contains(slot) { replan(budget: budget) }
            savedSinceLastPlan.insert(slot)
        }
        return plan[slot] ?? (settings.provisionalBits, settings.baseGroupSize)
    }

    /// Notes a save of `slot`; `nanoseconds` is what measuring its ranges took.
    mutating func observe(slot: UInt32, count: Int, kind: SaveKind, automatic: Bool, bits: Int, groupSize: Int,
                          importance: Float, probe: GroupRangeProbe?, nanoseconds: UInt64 = 0) {
        guard slot != 0 else { return }
        figures.nanoseconds += nanoseconds
        slots[slot, default: SlotStatistics()].observe(count: count, kind: kind, automatic: automatic, bits: bits,
                                                       groupSize: groupSize, importance: importance, probe: probe)
    }

    mutating func report(slot: UInt32, sensitivity: Double) {
        slots[slot, default: SlotStatistics()].report(sensitivity: sensitivity)
    }

    /// The options of a planned slot, every allowed width at every group size.
    func options(_ s: SlotStatistics, pageSize: Int) -> [PlanOption] {
        var options: [PlanOption] = []
        for groupSize in settings.groupSizes {
            for bits in settings.minBits...settings.maxBits {
                guard let error = s.predictedError(bits: bits, groupSize: groupSize, variance: settings.variance),
                      let layout = try? PackedLayout(count: s.count, bits: bits, groupSize: groupSize, nonfinite: 0)
                else { continue }
                options.append(PlanOption(bits: bits, groupSize: groupSize, bytes: layout.totalSize,
                                          pageBytes: SlotPlanner.pages(layout.totalSize, pageSize), error: error))
            }
        }
        return options
    }

    static func pages(_ bytes: Int, _ pageSize: Int) -> Int { (bytes + pageSize - 1) / pageSize * pageSize }

    /// Plans every automatic slot from the statistics so far (daf_plan_update, step boundaries).
    mutating func replan(budget: (bytes: Int, pageSize: Int)) {
        let started = Clock.nanoseconds()
        defer {
            figures.plans += 1
            figures.nanoseconds += Clock.nanoseconds() &- started
            savedSinceLastPlan = []
        }
        let ids = slots.keys.sorted()
        let planned = ids.filter { slots[$0]!.isPlanned }
        var fixedBytes = 0, fixedPages = 0, values = 0
        for id in ids {
            let s = slots[id]!
            values += s.count
            guard !s.isPlanned, s.bits > 0,
                  let layout = try? PackedLayout(count: s.count, bits: s.bits, groupSize: s.groupSize, nonfinite: 0) else { continue }
            fixedBytes += layout.totalSize
            fixedPages += SlotPlanner.pages(layout.totalSize, budget.pageSize)
        }
        var target = AllocationTarget()
        if settings.averageBits > 0 {
            target.bytes = max(Int(settings.averageBits * Double(values) / 8) - fixedBytes, 0)
        }
        if budget.bytes > 0 && settings.fitsBudget {
            let share = budget.bytes / PlanSettings.budgetShare.denominator * PlanSettings.budgetShare.numerator
            target.pageBytes = max(share - fixedPages, 0)
        }
        let options = planned.map { self.options(slots[$0]!, pageSize: budget.pageSize) }
        let picks = BitAllocator.allocate(options, target: target)
        let fresh = planned.indices.map { options[$0].isEmpty ? nil : options[$0][picks[$0]] }

        // Hysteresis: keep the current plan while it covers the same slots, fits, and is
        // within the margin of the new one's predicted error.
        let current: [PlanOption?] = planned.indices.map { i in
            guard let p = plan[planned[i]] else { return nil }
            return options[i].first { $0.bits == p.bits && $0.groupSize == p.groupSize }
        }
        let errorOf = { (choice: [PlanOption?]) in choice.reduce(0.0) { $0 + ($1?.error ?? 0) } }
        let bytesOf = { (choice: [PlanOption?]) in choice.reduce(0) { $0 + ($1?.bytes ?? 0) } }
        let pagesOf = { (choice: [PlanOption?]) in choice.reduce(0) { $0 + ($1?.pageBytes ?? 0) } }
        let keeps = !current.contains { $0 == nil } && bytesOf(current) <= target.bytes
            && pagesOf(current) <= target.pageBytes && errorOf(fresh) > errorOf(current) * (1 - PlanSettings.hysteresis)
        let chosen = keeps ? current : fresh
        var next: [UInt32: (bits: Int, groupSize: Int)] = [:]
        for (i, id) in planned.enumerated() {
            if let option = chosen[i] { next[id] = (option.bits, option.groupSize) }
        }
        let changed = next.count != plan.count || next.contains { id, p in
            plan[id].map { $0.bits != p.bits || $0.groupSize != p.groupSize } ?? true
        }
        if changed { figures.changes += 1 }
        plan = next
        figures.targetBytes = min(target.bytes, target.pageBytes) == Int.max ? 0
            : min(target.bytes == Int.max ? Int.max : target.bytes + fixedBytes,
                  target.pageBytes == Int.max ? Int.max : target.pageBytes + fixedPages)
        figures.plannedBytes = bytesOf(chosen) + fixedBytes
    }
}
