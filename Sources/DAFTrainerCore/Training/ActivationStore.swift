// SPDX-License-Identifier: MIT
// Where the backward pass's tensors wait between forward and backward: plain fp32 buffers
// (PlainStore) or libdaf through its C API only (LibdafStore). Both count the bytes they hold
// the same way the run reports them, and can record a timeline of those bytes over one step.
import CDAF
import Glibc

/// What a saved tensor holds, as far as storing it goes (libdaf's kinds; WidthPlan.swift).
public enum SaveKind: Sendable, Equatable {
    /// Any floats.
    case float
    /// ReLU outputs (>= 0): libdaf companding (DAF_KIND_NONNEGATIVE) unless --relu-codes linear.
    case reluOutput
    /// Softmax rows: non-negative, summing to 1, most entries small (companded like ReLU
    /// outputs; the safe fixed-width plan keeps them at 8 bits).
    case probabilities
    /// Exact integers 0...maximum (DAF_KIND_INTEGER), e.g. max-pool argmax positions.
    case integer(maximum: Int32)
}

/// Why a tensor is saved: its name (layer and role), its slot (a stable integer id of "this
/// tensor of the step", the same every step; libdaf's slot is slot + 1), its depth in the
/// network (1 = first saved; also its importance), its kind, the fewest bits a fixed-width run
/// gives it (0: no floor; automatic bits ignore it), and whether it is a bottleneck: a tensor
/// whose backward every gradient of the network passes through, with no residual path around
/// it (the GPT's final layer-norm input).
public struct SaveRole: Sendable {
    public let name: String
    public let slot: Int
    public let depth: Int
    public let kind: SaveKind
    public let minimumBits: Int
    public let isBottleneck: Bool

    init(name: String, slot: Int, depth: Int, kind: SaveKind = .float, minimumBits: Int = 0, isBottleneck: Bool = false) {
        (self.name, self.slot, self.depth, self.kind) = (name, slot, depth, kind)
        (self.minimumBits, self.isBottleneck) = (minimumBits, isBottleneck)
    }
}

/// One slot of a libdaf run's plan at the end of training (daf_slot_plan).
public struct PlanEntry: Sendable {
    public let tensor: String
    public let bits: Int
    public let group: Int
    public let bytes: Int
    /// The planner's weight for the slot (what the backward pass reported, else the importance).
    public var sensitivity = 0.0
}

/// A tensor in a store: the kept buffer (fp32) or libdaf's handle.
final class SavedTensor {
    let count: Int
    let role: SaveRole
    fileprivate var kept: FloatBuffer?
    fileprivate var handle: daf_handle = 0

    init(count: Int, role: SaveRole) {
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
    /// Tells the store how much an error in `t` moves the gradients (libdaf's planner uses it).
    func reportSensitivity(_ t: SavedTensor, _ sensitivity: Double) throws
    /// Whether reportSensitivity is used (automatic bits); else the callers skip measuring it.
    var usesSensitivity: Bool { get }
}

extension ActivationStore {
    /// The sensitivity of a tensor multiplied with `dOutput` into `weightGradient`: each weight
    /// sums `positions` products (B for a dense layer, B·H·W for a convolution) and each saved
    /// value meets `taps` weights per output channel (1, or 9 for a 3x3 kernel). An error of
    /// variance v per saved value then adds about (sum of v) · taps · |dOutput|² / positions to
    /// the squared error of the weight gradient (libdaf's model supplies the sum of v), times
    /// `scale`. With `weightGradient` (the CNN), it is divided by |weightGradient|²: what is
    /// weighed is the error relative to the gradient, so that a layer with small gradients is
    /// not starved of bits.
    func reportGradient(_ t: SavedTensor, dOutput: FloatBuffer, positions: Int, taps: Int, scale: Double = 1,
                        weightGradient: FloatBuffer? = nil) throws {
        guard usesSensitivity else { return }
        var error = squaredNorm(dOutput) * Double(taps) / Double(max(positions, 1)) * scale
        if let weightGradient { error /= max(squaredNorm(weightGradient), 1e-30) }
        try reportSensitivity(t, error)
    }

    /// A layer norm's input x (rows of `width`): an error e in x moves the normalized output by
    /// about e / std of its row, so the sensitivity of the product that output meets (dOutput,
    /// `positions` rows) is scaled by the mean 1 / variance of x's rows.
    func reportLayerNormInput(_ t: SavedTensor, input x: FloatBuffer, width: Int, dOutput: FloatBuffer, positions: Int) throws {
        guard usesSensitivity else { return }
        let rows = x.count / width
        var inverseVariance = 0.0
        for r in 0..<rows {
            let rstd = Double(LayerNorm.statistics(x.pointer + r * width, width).rstd)
            inverseVariance += rstd * rstd
        }
        try reportGradient(t, dOutput: dOutput, positions: positions, taps: 1, scale: inverseVariance / Double(max(rows, 1)))
    }
}

/// The sum of squares of a buffer's values.
func squaredNorm(_ x: FloatBuffer) -> Double {
    var squares = 0.0
    let p = x.pointer
    for i in 0..<x.count { squares += Double(p[i]) * Double(p[i]) }
    return squares
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

    func reportSensitivity(_ t: SavedTensor, _ sensitivity: Double) throws {}
    var usesSensitivity: Bool { false }
}

/// libdaf mode: daf_save in forward (the buffer may be dropped right after), daf_restore +
/// daf_release in backward. Bytes come from daf_stats. Deeper tensors get higher importance:
/// the backward pass needs them first, so under a budget the shallow ones should give way.
/// Each role is a slot; its kind goes with every save (argmax positions as exact integers,
/// ReLU outputs companded by libdaf unless `companding` is off). With `automatic`, float saves
/// ask for DAF_BITS_AUTO and libdaf's planner chooses their widths under `averageBits`.
final class LibdafStore: ActivationStore {
    /// The OS page size (sysconf), the smallest pool page libdaf accepts on this kernel.
    static let osPageBytes = Int(sysconf(Int32(_SC_PAGESIZE)))
    var timeline: [TimelinePoint]? = nil
    private(set) var ctx: OpaquePointer?
    let plan: WidthPlan
    /// The backward pass reports no sensitivities: they are measured (SensitivityProbe.swift).
    let measuresSensitivity: Bool
    /// The run's bits, group size and target (daf_options).
    let bits: Int, groupSize: Int, averageBits: Double?
    /// The newest measurement's sensitivity of each planned role (SensitivityProbe).
    var measuredSensitivities: [(SaveRole, Double)] = []

    init(bits: Int, group: Int, rounding: Rounding, seed: UInt64, companding: Bool, automatic: Bool = false,
         averageBits: Double? = nil, widths: Widths = .safe, budgetMiB: Double? = nil, policy: BudgetPolicy = .fail,
         degradeFloorBits: Int = 0, measuresSensitivity: Bool = false, keptBits: Int? = nil) throws {
        self.plan = WidthPlan(bits: bits, widths: widths, companding: companding, automatic: automatic, keptBits: keptBits)
        self.measuresSensitivity = measuresSensitivity
        (self.bits, self.groupSize, self.averageBits) = (bits, group, averageBits)
        var options = daf_options()
        try checkDAF(daf_options_init_sized(&options, MemoryLayout<daf_options>.size), "daf_options_init", nil)
        options.bits = UInt32(bits)
        options.group_size = UInt32(group)
        options.rounding = rounding == .stochastic ? UInt32(DAF_ROUND_STOCHASTIC.rawValue) : UInt32(DAF_ROUND_NEAREST.rawValue)
        options.seed = seed
        options.avg_bits = Float(averageBits ?? 0)
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
        try checkDAF(daf_save(ctx, x.pointer, x.count, &params, &t.handle), "daf_save (\(role.name))", ctx)
        try record("save \(role.name)")
        return t
    }

    func restore(_ t: SavedTensor) throws -> FloatBuffer {
        let out = FloatBuffer(count: t.count, zeroed: false)
        try checkDAF(daf_restore(ctx, t.handle, out.pointer, t.count), "daf_restore (\(t.role.name))", ctx)
        return out
    }

    func release(_ t: SavedTensor) throws {
        try checkDAF(daf_release(ctx, t.handle), "daf_release (\(t.role.name))", ctx)
        t.handle = 0
        try record("release \(t.role.name)")
    }

    var usesSensitivity: Bool { plan.automatic && !measuresSensitivity }

    func reportSensitivity(_ t: SavedTensor, _ sensitivity: Double) throws {
        try reportSensitivity(of: t.role, sensitivity)
    }

    func reportSensitivity(of role: SaveRole, _ sensitivity: Double) throws {
        guard sensitivity.isFinite else { return } // a diverged step tells the planner nothing
        try checkDAF(daf_slot_set_sensitivity(ctx, WidthPlan.slot(of: role), Float(min(sensitivity, Double(Float.greatestFiniteMagnitude)))),
                     "daf_slot_set_sensitivity (\(role.name))", ctx)
    }

    var statistics: daf_context_statistics {
        get throws {
            var s = daf_context_statistics()
            s.struct_size = UInt32(MemoryLayout<daf_context_statistics>.size)
            try checkDAF(daf_stats(ctx, &s), "daf_stats", ctx)
            return s
        }
    }

    func usage() throws -> StoreUsage {
        let s = try statistics
        return StoreUsage(liveBytes: Int(s.live_packed_bytes), peakBytes: Int(s.peak_packed_bytes),
                          liveFP32Bytes: Int(s.live_fp32_bytes), peakFP32Bytes: Int(s.peak_fp32_bytes))
    }

    /// Each role's slot in libdaf's plan now (roles not saved yet are left out).
    func plan(_ roles: [SaveRole]) throws -> [PlanEntry] {
        try roles.compactMap { role in
            var info = daf_slot_plan_information()
            info.struct_size = UInt32(MemoryLayout<daf_slot_plan_information>.size)
            let status = daf_slot_plan(ctx, WidthPlan.slot(of: role), &info)
            if status == DAF_E_INVALID_ARGUMENT.rawValue { return nil }
            try checkDAF(status, "daf_slot_plan (\(role.name))", ctx)
            return PlanEntry(tensor: role.name, bits: Int(info.bits), group: Int(info.group_size), bytes: Int(info.bytes),
                             sensitivity: info.sensitivity)
        }
    }
}
