// SPDX-License-Identifier: MIT
// A slot that has only been given a sensitivity (daf_slot_set_sensitivity before its first
// save, as a calibration step that keeps its tensors out of libdaf does) is refused by
// daf_slot_plan with a status, and plans normally once saved.
import CDAF
import Testing
@testable import DAF

struct SensitivityOnlySlotTests {
    @Test func planOfASlotNeverSavedIsAStatusNotATrap() {
        let context = PlanContext { $0.bits = UInt32(DAF_BITS_AUTO); $0.avg_bits = 2 }
        for sensitivity: Float in [0, 1e-6, 3] {
            #expect(daf_slot_set_sensitivity(context.ctx, 7, sensitivity) == 0)
            var info = daf_slot_plan_information()
            info.struct_size = UInt32(MemoryLayout<daf_slot_plan_information>.size)
            #expect(daf_slot_plan(context.ctx, 7, &info) == DAF_E_INVALID_ARGUMENT.rawValue)
            #expect(daf_plan_update(context.ctx) == 0)
        }
        var values = [Float](repeating: 0.5, count: 4096)
        values[3] = 2
        var params = PlanContext.params { $0.slot = 7; $0.bits = UInt32(DAF_BITS_AUTO) }
        var handle: daf_handle = 0
        #expect(daf_save(context.ctx, &values, values.count, &params, &handle) == 0)
        var info = daf_slot_plan_information()
        info.struct_size = UInt32(MemoryLayout<daf_slot_plan_information>.size)
        #expect(daf_slot_plan(context.ctx, 7, &info) == 0)
        #expect(info.count == 4096 && info.saves == 1)
        #expect(daf_release(context.ctx, handle) == 0)
    }
}
