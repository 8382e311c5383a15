// SPDX-License-Identifier: MIT
// Where the backward pass's tensors wait between forward and backward: plain fp32 buffers
// (PlainStore) or libdaf through its C API only (LibdafStore). Both count the bytes they hold
// the same way the run reports them, and can record a timeline of those bytes over one step.
import CDAF
import Glibc

/// Why a tensor is saved: its name (layer and role), its slot (a stable integer id of "this
/// tensor of the step", the same every step), its depth in the network (1 = first saved), what
/// kind of values it holds, the fewest bits it may be saved with (0: no floor), whether it is a
/// ReLU output (>= 0) that libdaf mode may save as its square root (see Network.swift), and
/// whether it is a bottleneck: a tensor whose backward every gradient of the network passes
/// through, with no residual path around it (the GPT's final layer-norm input).
public struct SaveRole: Sendable {
    public let name: String
    public let slot: Int
    public let depth: Int
    public let kind: SaveKind
    public let minimumBits: Int
    public let isReLUOutput: Bool
    public let isBottleneck: Bool

    init(name: String, slot: Int, depth: Int, kind: SaveKind = .generic, minimumBits: Int = 0, isReLUOutput: Bool = false,
         isBottleneck: Bool = false) {
        (self.name, self.slot, self.depth, self.kind) = (name, slot, depth, kind)
        (self.minimumBits, self.isReLUOutput, self.isBottleneck) = (minimumBits, isReLUOutput, isBottleneck)
    }
}

/// What a saved tensor's values are, as far as choosing its width goes.
public enum SaveKind: String, Sendable {
    /// Any float values.
    case generic
    /// Softmax rows: non-negative, summing to 1, most entries small.
    case probabilities
    /// Small non-negative integers stored as floats (argmax indices).
    case integers
}

/// A tensor in a store: the kept buffer (fp32) or libdaf's handle.
final class SavedTensor {
    let count: Int
    let role: SaveRole
    fileprivate var kept: FloatBuffer?
    fileprivate var handle: daf_handle = 0

    fileprivate init(count: Int, role: SaveRole) {
        self.count = count
        self.role = role
    }
}

/// One point of the saved-bytes timeline: after `event` (e.g. "save conv2 input"), the store
/// held `bytes`; fp32 would have held `fp32Bytes` for the same tensors.
public struct TimelinePoint: Sendable {
    public let event: String
    public let bytes: Int
    public let fp32Bytes: Int

    public init(event: String, bytes: Int, fp32Bytes: Int) {
        (self.event, self.bytes, self.fp32Bytes) = (event, bytes, fp32Bytes)
    }
}

/// What a store holds now and at most so far, in its own bytes and as fp32.
struct StoreUsage {
    var liveBytes = 0, peakBytes = 0, liveFP32Bytes = 0, peakFP32Bytes = 0
}

protocol ActivationStore: AnyObject {
    /// Non-nil while a step is being recorded: every save and release appends a point.
    var timeline: [TimelinePoint]? { get set }

    func save(_ x: FloatBuffer, _ role: SaveRole) throws -> SavedTensor
    /// The tensor's values: the kept buffer itself (fp32) or a fresh buffer (libdaf).
    func restore(_ t: SavedTensor) throws -> FloatBuffer
    func release(_ t: SavedTensor) throws
    func usage() throws -> StoreUsage
}

extension ActivationStore {
    func record(_ event: String) throws {
        guard timeline != nil else { return }
        let u = try usage()
        timeline!.append(TimelinePoint(event: event, bytes: u.liveBytes, fp32Bytes: u.liveFP32Bytes))
    }
}

/// fp32 mode: the forward buffer itself is kept (no copy) until the backward pass releases it.
final class PlainStore: ActivationStore {
    var timeline: [TimelinePoint]? = nil
    private var current = StoreUsage()

    func save(_ x: FloatBuffer, _ role: SaveRole) throws -> SavedTensor {
        let t = SavedTensor(count: x.count, role: role)
        t.kept = x
        current.liveBytes += x.bytes
        current.peakBytes = max(current.peakBytes, current.liveBytes)
        try record("save \(role.name)")
        return t
    }

    func restore(_ t: SavedTensor) throws -> FloatBuffer { t.kept! }

    func release(_ t: SavedTensor) throws {
        guard let kept = t.kept else { return }
        current.liveBytes -= kept.bytes
        t.kept = nil
        try record("release \(t.role.name)")
    }

    func usage() throws -> StoreUsage {
        StoreUsage(liveBytes: current.liveBytes, peakBytes: current.peakBytes,
                   liveFP32Bytes: current.liveBytes, peakFP32Bytes: current.peakBytes)
    }
}

/// libdaf mode: daf_save in forward (the buffer may be dropped right after), daf_restore +
/// daf_release in backward. Bytes come from daf_stats. Deeper tensors get higher importance:
/// the backward pass needs them first, so under a budget the shallow ones should give way.
/// With `squareRootReLU`, ReLU outputs are saved as their square roots and squared on restore.
final class LibdafStore: ActivationStore {
    /// The OS page size (sysconf), the smallest pool page libdaf accepts on this kernel.
    static let osPageBytes = Int(sysconf(Int32(_SC_PAGESIZE)))
    var timeline: [TimelinePoint]? = nil
    private var ctx: OpaquePointer?
    private let plan: WidthPlan
    private let squareRootReLU: Bool
    private var scratch = FloatBuffer(count: 0) // the square roots, only while daf_save reads them

    init(bits: Int, group: Int, rounding: Rounding, seed: UInt64, squareRootReLU: Bool, widths: Widths = .safe,
         budgetMiB: Double? = nil, policy: BudgetPolicy = .fail, degradeFloorBits: Int = 0) throws {
        self.plan = WidthPlan(bits: bits, widths: widths)
        self.squareRootReLU = squareRootReLU
        var options = daf_options()
        try checkDAF(daf_options_init_sized(&options, MemoryLayout<daf_options>.size), "daf_options_init", nil)
        options.bits = UInt32(bits)
        options.group_size = UInt32(group)
        options.rounding = rounding == .stochastic ? UInt32(DAF_ROUND_STOCHASTIC.rawValue) : UInt32(DAF_ROUND_NEAREST.rawValue)
        options.seed = seed
        if let budgetMiB {
            options.budget_bytes = UInt64(budgetMiB * 1_048_576)
            // This network's tensors are tens of KiB packed: the OS page (the pool's smallest
            // page: 4 KiB on x86-64, 4, 16 or 64 KiB on aarch64 kernels) wastes least of a
            // small budget in partly used pages.
            options.page_size = UInt32(LibdafStore.osPageBytes)
            switch policy {
            case .degrade:
                options.policy = UInt32(DAF_POLICY_DEGRADE.rawValue)
                options.degrade_floor_bits = UInt32(degradeFloorBits)
            case .spill: options.policy = UInt32(DAF_POLICY_SPILL.rawValue)
            case .fail: options.policy = UInt32(DAF_POLICY_FAIL.rawValue)
            }
        }
        try checkDAF(daf_create(&options, &ctx), "daf_create", nil)
    }

    deinit { daf_destroy(ctx) }

    func save(_ x: FloatBuffer, _ role: SaveRole) throws -> SavedTensor {
        var params = try plan.parameters(for: role)
        let t = SavedTensor(count: x.count, role: role)
        var source = UnsafePointer(x.pointer)
        if squareRootReLU && role.isReLUOutput {
            if scratch.count < x.count { scratch = FloatBuffer(count: x.count, zeroed: false) }
            let from = x.pointer, to = scratch.pointer
            for i in 0..<x.count { to[i] = from[i].squareRoot() }
            source = UnsafePointer(to)
        }
        try checkDAF(daf_save(ctx, source, x.count, &params, &t.handle), "daf_save (\(role.name))", ctx)
        try record("save \(role.name)")
        return t
    }

    func restore(_ t: SavedTensor) throws -> FloatBuffer {
        let out = FloatBuffer(count: t.count, zeroed: false)
        try checkDAF(daf_restore(ctx, t.handle, out.pointer, t.count), "daf_restore (\(t.role.name))", ctx)
        if squareRootReLU && t.role.isReLUOutput {
            let p = out.pointer
            for i in 0..<t.count { p[i] *= p[i] }
        }
        return out
    }

    func release(_ t: SavedTensor) throws {
        try checkDAF(daf_release(ctx, t.handle), "daf_release (\(t.role.name))", ctx)
        t.handle = 0
        try record("release \(t.role.name)")
    }

    func usage() throws -> StoreUsage {
        var s = daf_context_statistics()
        s.struct_size = UInt32(MemoryLayout<daf_context_statistics>.size)
        try checkDAF(daf_stats(ctx, &s), "daf_stats", ctx)
        return StoreUsage(liveBytes: Int(s.live_packed_bytes), peakBytes: Int(s.peak_packed_bytes),
                          liveFP32Bytes: Int(s.live_fp32_bytes), peakFP32Bytes: Int(s.peak_fp32_bytes))
    }
}
