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

    init(_ o: daf_options) throws(DAFError) {
        defaults = try QuantSpec(bits: o.bits, groupSize: o.group_size, rounding: o.rounding, seed: o.seed)
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
