// SPDX-License-Identifier: MIT
// The sensitivity measurement (SensitivityProbe.swift): its predicted error is libdaf's own
// (daf_slot_plan's predicted_error for the same tensor and width), the probe's measured error
// agrees with it where the model's assumption holds, only the probed tensor comes back
// re-quantized, and every probe tensor is released.
import CDAF
@testable import DAFTrainerCore
import Testing

@Suite("Sensitivity measurement")
struct SensitivityProbeTests {
    static func tensor(_ kind: SaveKind, count: Int, seed: UInt64) -> FloatBuffer {
        var random = SeededRandom(seed: seed)
        let x = FloatBuffer(count: count)
        for i in 0..<x.count { x[i] = kind == .float ? random.normal() * 3 : max(random.normal(), 0) }
        return x
    }

    @Test("modelError is libdaf's predicted error for the same tensor, width and group", arguments: [SaveKind.float, .reluOutput])
    func modelIsLibdafs(kind: SaveKind) throws {
        let x = Self.tensor(kind, count: 50_000 + 5, seed: kind == .float ? 3 : 4)
        let run = try LibdafStore(bits: 2, group: 256, rounding: .nearest, seed: 1, companding: true, automatic: true, averageBits: 3)
        let role = SaveRole(name: "t", slot: 6, depth: 1, kind: kind)
        let t = try run.save(x, role)
        try run.reportSensitivity(of: role, 1)
        var info = daf_slot_plan_information()
        info.struct_size = UInt32(MemoryLayout<daf_slot_plan_information>.size)
        try checkDAF(daf_slot_plan(run.ctx, WidthPlan.slot(of: role), &info), "daf_slot_plan", run.ctx)
        #expect(Int(info.bits) == run.provisionalBits, "libdaf's width before a plan: \(info.bits)")
        let ours = modelError(x, bits: Int(info.bits), group: Int(info.group_size), companded: kind == .reluOutput)
        #expect(abs(ours / info.predicted_error - 1) < 1e-4, "ours \(ours), libdaf's \(info.predicted_error)")
        try run.release(t)
    }

    @Test("a probe re-quantizes the probed slot only, measures its error, and releases everything", arguments: [1, 2, 3])
    func probe(bits: Int) throws {
        for kind in [SaveKind.float, .reluOutput] {
            let x = Self.tensor(kind, count: 40_000 + 3 * bits, seed: UInt64(bits))
            let run = try LibdafStore(bits: 2, group: 256, rounding: .nearest, seed: 1, companding: true, automatic: true,
                                      averageBits: 2, measuresSensitivity: true)
            let probe = ProbeStore(run: run, probeBits: bits)
            let probed = SaveRole(name: "probed", slot: 3, depth: 1, kind: kind), other = SaveRole(name: "other", slot: 4, depth: 2, kind: kind)
            let (a, b) = (try probe.save(x, probed), try probe.save(x, other))
            let reference = try probe.restore(a) // no slot probed yet: the 8-bit tensor
            #expect(probe.probeError == 0 && probe.predictedError == 0)
            probe.probedSlot = probed.slot
            let q = try probe.restore(a)
            let companded = kind == .reluOutput
            #expect(stagedSquaredDistance(q, reference, companded: companded) == probe.probeError && probe.probeError > 0)
            #expect(probe.predictedError == modelError(reference, bits: bits, group: 256, companded: companded))
            if kind == .float && bits >= 2 {
                // Normal values spread evenly enough in each step for the model's 1/12.
                let ratio = probe.probeError / probe.predictedError
                #expect(ratio > 0.8 && ratio < 1.25, "measured \(probe.probeError), model \(probe.predictedError)")
            }
            let unprobed = try probe.restore(b)
            #expect(unprobed.array == reference.array, "a slot not probed comes back as saved")
            try probe.finish()
            #expect(try run.usage().liveBytes == 0, "finish releases every probe tensor")
        }
    }
}
