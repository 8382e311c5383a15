// SPDX-License-Identifier: MIT
// A context's validated settings: default quantization, eviction policy and its degrade floor,
// the pool's geometry and budget, the spill directory, the thread count. Built by daf_create.
import CDAF
import Glibc

/// DAF_POLICY_* flags; an empty set is DAF_POLICY_FAIL.
struct EvictionPolicy: OptionSet {
    let rawValue: UInt32
    static let degrade = EvictionPolicy(rawValue: UInt32(DAF_POLICY_DEGRADE.rawValue))
    static let spill = EvictionPolicy(rawValue: UInt32(DAF_POLICY_SPILL.rawValue))
    static let recompute = EvictionPolicy(rawValue: UInt32(DAF_POLICY_RECOMPUTE.rawValue))
    static let all: EvictionPolicy = [.degrade, .spill, .recompute]
}

struct StoreConfig {
    /// Longest spill_dir accepted, in bytes (PATH_MAX less the file name).
    static let maxDirectoryBytes = 4095

    let defaults: QuantSpec
    let policy: EvictionPolicy
    let floorBits: Int
    let pool: PoolConfig
    let spillDirectory: String
    /// Threads per call, the caller included (options.threads, 0 resolved to the core count).
    let threads: Int

    static let maximumThreads = 256

    /// The planner's settings (automatic bits).
    let plan: PlanSettings
    /// options.bits was DAF_BITS_AUTO: saves with bits 0 are automatic.
    let defaultIsAutomatic: Bool

    init(_ o: daf_options) throws(DAFError) {
        defaultIsAutomatic = o.bits == DAF_BITS_AUTO
        // Fields are checked in their order; the planner's come last.
        let fixed = try QuantSpec(bits: defaultIsAutomatic ? UInt32(DAF_DEFAULT_BITS) : o.bits, groupSize: o.group_size,
                                  rounding: o.rounding, seed: o.seed)
        guard o.threads <= UInt32(StoreConfig.maximumThreads) else {
            throw .invalid("daf_options.threads is \(o.threads); allowed 0 (one per online core) to \(StoreConfig.maximumThreads)")
        }
        threads = o.threads == 0 ? CodecThreads.onlineCores : Int(o.threads)
        guard o.policy & ~EvictionPolicy.all.rawValue == 0 else {
            throw .invalid("daf_options.policy is \(o.policy); allowed an OR of DAF_POLICY_DEGRADE (1), "
                           + "DAF_POLICY_SPILL (2), DAF_POLICY_RECOMPUTE (4), or DAF_POLICY_FAIL (0)")
        }
        policy = EvictionPolicy(rawValue: o.policy)
        guard o.degrade_floor_bits <= UInt32(DAF_MAX_BITS) else {
            throw .invalid("daf_options.degrade_floor_bits is \(o.degrade_floor_bits); allowed 0...8 (0: range only)")
        }
        floorBits = Int(o.degrade_floor_bits)
        guard o.reserved == 0 else { throw .invalid("daf_options.reserved is \(o.reserved); must be 0") }
        pool = try PoolConfig(pageSize: o.page_size, chunkBytes: o.chunk_bytes, budgetBytes: o.budget_bytes,
                              flags: o.pool_flags, prefix: "daf_options")
        spillDirectory = try StoreConfig.directory(o.spill_dir)
        if policy.contains(.spill) { try StoreConfig.checkWritableDirectory(spillDirectory) }
        var plan = try StoreConfig.planSettings(o)
        let exactEviction = !policy.contains(.degrade) && (policy.contains(.spill) || policy.contains(.recompute))
        plan.fitsBudget = !(plan.averageBits > 0 && exactEviction)
        self.plan = plan
        defaults = defaultIsAutomatic
            ? try QuantSpec(bits: UInt32(plan.provisionalBits), groupSize: o.group_size, rounding: o.rounding, seed: o.seed)
            : fixed
    }

    /// avg_bits, min_bits, max_bits and plan_flags, checked (bits, group size and rounding are
    /// checked with the defaults).
    private static func planSettings(_ o: daf_options) throws(DAFError) -> PlanSettings {
        guard o.avg_bits.isFinite, o.avg_bits >= 0, o.avg_bits <= 32 else {
            throw .invalid("daf_options.avg_bits is \(o.avg_bits); allowed 0 (no target) or up to 32")
        }
        guard QuantSpec.isValid(bits: o.min_bits) else { throw .invalid("daf_options.min_bits is \(o.min_bits); allowed 1...8") }
        guard QuantSpec.isValid(bits: o.max_bits), o.max_bits >= o.min_bits else {
            throw .invalid("daf_options.max_bits is \(o.max_bits); allowed min_bits (\(o.min_bits)) ... 8")
        }
        guard o.plan_flags & ~UInt32(DAF_PLAN_GROUP_SIZE.rawValue) == 0 else {
            throw .invalid("daf_options.plan_flags is \(o.plan_flags); allowed 0 or DAF_PLAN_GROUP_SIZE (1)")
        }
        var plan = PlanSettings()
        plan.averageBits = Double(o.avg_bits)
        plan.minBits = Int(o.min_bits)
        plan.maxBits = Int(o.max_bits)
        plan.choosesGroupSize = o.plan_flags & UInt32(DAF_PLAN_GROUP_SIZE.rawValue) != 0
        plan.baseGroupSize = Int(o.group_size)
        plan.defaultBits = o.bits == DAF_BITS_AUTO ? Int(DAF_DEFAULT_BITS) : Int(o.bits)
        plan.stochastic = o.rounding == UInt32(DAF_ROUND_STOCHASTIC.rawValue)
        return plan
    }

    /// spill_dir as given, or $TMPDIR, or /tmp.
    private static func directory(_ given: UnsafePointer<CChar>?) throws(DAFError) -> String {
        if let given {
            let length = strnlen(given, maxDirectoryBytes + 1)
            guard length > 0, length <= maxDirectoryBytes else {
                throw .invalid("daf_options.spill_dir is \(length == 0 ? "empty" : "longer than \(maxDirectoryBytes) bytes")")
            }
            return String(cString: given)
        }
        if let tmp = getenv("TMPDIR") {
            let length = strnlen(tmp, maxDirectoryBytes + 1)
            if length > 0 && length <= maxDirectoryBytes { return String(cString: tmp) }
        }
        return "/tmp"
    }

    private static func checkWritableDirectory(_ path: String) throws(DAFError) {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, access(path, W_OK | X_OK) == 0 else {
            throw .invalid("daf_options.spill_dir (or $TMPDIR, /tmp) \"\(path)\" is not a writable directory")
        }
    }
}
