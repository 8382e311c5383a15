// SPDX-License-Identifier: MIT
// Measured sensitivities for automatic bits: how much a tensor's quantization error moves the
// parameter gradients, found by quantizing one tensor at a time (the per-tensor sensitivity of
// GACT, Liu et al., ICML 2022, re-measured every few hundred steps; their bits follow from it).
// Not the planner (libdaf's) and not a model of the layers: a measurement on the run's own
// network, weights and batch.
import CDAF

/// When and how a libdaf run with automatic bits measures its slots' sensitivities.
public struct SensitivitySettings: Sendable, Equatable {
    /// Measure before every this many steps, starting with the first, and also before steps
    /// every/4 and every/2 (early weights change fastest: at the first step, the attention of a
    /// GPT is still uniform and its QKV barely matters). 0: never; the backward pass then
    /// reports its products each step (ActivationStore.reportGradient).
    public var every: Int
    /// Examples (CNN) or windows (GPT) of the step's batch that a measurement uses.
    public var batch: Int
    /// The width the probed tensor is re-quantized at (0: the width libdaf gives a slot
    /// before its first plan, where low targets make their choices; at least 1).
    public var probeBits = 0

    public init(every: Int, batch: Int) {
        (self.every, self.batch) = (every, batch)
    }

    func measures(beforeStep step: Int) -> Bool {
        every > 0 && (step % every == 0 || (every >= 4 && (step == every / 4 || step == every / 2)))
    }
}

/// The store of one measurement: every tensor saved at 8 bits in the run's own libdaf context,
/// outside any slot (the planner's statistics never see these saves, and the run's reported
/// peak includes their bytes), restored by every backward pass and released at the end. The
/// probed slot's tensor comes back re-quantized at the probe width; `predictedError` is what
/// libdaf's model predicts for that (daf.h: c * sum of n_g (range_g / (2^b - 1))², on square
/// roots for a companded kind), so that sensitivity * predicted error is the measured change
/// at the probe width. (The model is exact for values spread evenly in each step; measured at
/// 1 bit it is low by 1.65x on normal values and 1.8x on companded ReLU outputs, at 2 and 3
/// bits within 25 % on normal values and high by 1.6-1.9x on ReLU outputs, whose zeros are
/// exact: SensitivityProbeTests.)
final class ProbeStore: ActivationStore {
    static let referenceBits = 8
    var timeline: [TimelinePoint]? = nil
    let run: LibdafStore
    let probeBits: Int
    var probedSlot: Int? = nil {
        didSet { (probeError, predictedError) = (0, 0) }
    }
    /// The probed tensor's squared error (on square roots for a companded kind), and the model's.
    private(set) var probeError = 0.0, predictedError = 0.0
    private var handles: [ObjectIdentifier: daf_handle] = [:]

    init(run: LibdafStore, probeBits: Int) {
        (self.run, self.probeBits) = (run, probeBits)
    }

    func save(_ x: FloatBuffer, _ role: SaveRole) throws -> SavedTensor {
        let t = SavedTensor(count: x.count, role: role)
        handles[ObjectIdentifier(t)] = try run.saveOutsidePlan(x, bits: Self.referenceBits, role: role)
        return t
    }

    func restore(_ t: SavedTensor) throws -> FloatBuffer {
        let x = try run.restore(handle: handles[ObjectIdentifier(t)]!, count: t.count, role: t.role)
        guard t.role.slot == probedSlot else { return x }
        let handle = try run.saveOutsidePlan(x, bits: probeBits, role: t.role)
        let q = try run.restore(handle: handle, count: t.count, role: t.role)
        try run.release(handle: handle, role: t.role)
        let companded = run.plan.compands(t.role)
        probeError += stagedSquaredDistance(x, q, companded: companded)
        predictedError += modelError(x, bits: probeBits, group: run.groupSize, companded: companded)
        return q
    }

    /// Kept for the next backward pass; `finish` releases every tensor.
    func release(_ t: SavedTensor) throws {}

    func finish() throws {
        let open = handles
        handles = [:]
        for handle in open.values { try run.release(handle: handle, role: nil) }
    }

    func usage() throws -> StoreUsage { StoreUsage() }
    func reportSensitivity(_ t: SavedTensor, _ sensitivity: Double) throws {}
    var usesSensitivity: Bool { false }
}

enum SensitivityProbe {
    /// One measurement on the run's network as it is now: a forward pass into a ProbeStore,
    /// a backward pass with every tensor at 8 bits (the reference gradients), then one per
    /// planned role with that tensor alone at the probe width. The role's sensitivity, reported
    /// to libdaf, is the change of the gradients, each parameter's relative to its reference
    /// (sum of |g - g_ref|² / |g_ref|²), per unit of the probe's squared error; libdaf's planner
    /// multiplies it by the error it predicts for each width. The run keeps the figures and
    /// reports them again before each step (LibdafStore.reportMeasuredSensitivities): libdaf
    /// keeps a running mean of the reports, which then follows the newest measurement.
    static func measure(_ run: LibdafStore, settings: SensitivitySettings, roles: [SaveRole], parameters: [Parameter],
                        forward: (ActivationStore) throws -> [SavedTensor],
                        backward: ([SavedTensor], ActivationStore) throws -> Void) throws {
        let probe = ProbeStore(run: run, probeBits: settings.probeBits > 0 ? settings.probeBits : run.provisionalBits)
        var measured: [(SaveRole, Double)] = []
        do {
            let tape = try forward(probe)
            try backward(tape, probe)
            let reference = parameters.map { p in
                let kept = FloatBuffer(count: p.gradient.count, zeroed: false)
                kept.copy(from: p.gradient)
                return (kept, squaredNorm(kept))
            }
            for role in roles where run.plan.isPlanned(role) {
                probe.probedSlot = role.slot
                try backward(tape, probe)
                var change = 0.0
                for (p, (g, norm)) in zip(parameters, reference) where norm > 0 {
                    change += stagedSquaredDistance(p.gradient, g, companded: false) / norm
                }
                guard probe.predictedError > 0 else { continue } // nothing to weigh (e.g. all zeros)
                measured.append((role, change / probe.predictedError))
            }
            try probe.finish()
            run.measuredSensitivities = measured
            try run.reportMeasuredSensitivities()
        } catch {
            try? probe.finish()
            throw error
        }
    }
}

extension ActivationStore {
    /// Before a training step of a libdaf run that measures its sensitivities: measures when
    /// one is due (returning the seconds it took), else reports the newest measurement again.
    func prepareSensitivities(step: Int, settings: SensitivitySettings, measure: (LibdafStore) throws -> Void) throws -> Double {
        guard let run = self as? LibdafStore, run.measuresSensitivity else { return 0 }
        guard settings.measures(beforeStep: step) else {
            try run.reportMeasuredSensitivities()
            return 0
        }
        let start = now()
        try measure(run)
        return now() - start
    }
}

/// daf.h's model of the squared error of nearest rounding at `bits` with groups of `group`:
/// (1/12) * sum over groups of n_g * (range_g / (2^b - 1))², on square roots when `companded`
/// (signs kept; non-finite values, stored exactly, left out).
func modelError(_ x: FloatBuffer, bits: Int, group: Int, companded: Bool) -> Double {
    let levels = Double((1 << bits) - 1)
    var sum = 0.0
    for start in stride(from: 0, to: x.count, by: group) {
        var low = Double.infinity, high = -Double.infinity
        for i in start..<min(x.count, start + group) where x.pointer[i].isFinite {
            let s = staged(x.pointer[i], companded: companded)
            (low, high) = (min(low, s), max(high, s))
        }
        guard high >= low else { continue }
        sum += Double(min(x.count, start + group) - start) * (high - low) * (high - low) / (levels * levels)
    }
    return sum / 12
}

/// v as libdaf quantizes it: sign(v) * sqrt(|v|) when `companded`, else v.
@inline(__always)
func staged(_ v: Float, companded: Bool) -> Double {
    companded ? Double(v.sign == .minus ? -(-v).squareRoot() : v.squareRoot()) : Double(v)
}

/// The sum of (a - b)², or of (sqrt a - sqrt b)² (signs kept) when `companded`.
func stagedSquaredDistance(_ a: FloatBuffer, _ b: FloatBuffer, companded: Bool) -> Double {
    precondition(a.count == b.count)
    var sum = 0.0
    for i in 0..<a.count {
        let d = staged(a.pointer[i], companded: companded) - staged(b.pointer[i], companded: companded)
        sum += d * d
    }
    return sum
}

extension LibdafStore {
    /// The width libdaf gives an automatic save before its slot's first plan: the widest whose
    /// codes and group table fit the target (daf.h), at least 1.
    var provisionalBits: Int {
        guard let averageBits else { return bits }
        return min(max(Int((averageBits - 64 / Double(groupSize)).rounded(.down)), 1), 8)
    }

    /// Reports the newest measured sensitivities (before each step of a measuring run).
    func reportMeasuredSensitivities() throws {
        for (role, sensitivity) in measuredSensitivities { try reportSensitivity(of: role, sensitivity) }
    }

    /// Saves x at a fixed width in no slot (the planner does not see it), with its role's kind.
    func saveOutsidePlan(_ x: FloatBuffer, bits: Int, role: SaveRole) throws -> daf_handle {
        var params = try plan.parameters(for: role)
        (params.slot, params.bits) = (0, UInt32(bits))
        var handle: daf_handle = 0
        try checkDAF(daf_save(ctx, x.pointer, x.count, &params, &handle), "daf_save (\(role.name), probe)", ctx)
        return handle
    }

    func restore(handle: daf_handle, count: Int, role: SaveRole) throws -> FloatBuffer {
        let out = FloatBuffer(count: count, zeroed: false)
        try checkDAF(daf_restore(ctx, handle, out.pointer, count), "daf_restore (\(role.name), probe)", ctx)
        return out
    }

    func release(handle: daf_handle, role: SaveRole?) throws {
        try checkDAF(daf_release(ctx, handle), "daf_release (\(role?.name ?? "probe"))", ctx)
    }
}
