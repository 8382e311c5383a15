// SPDX-License-Identifier: MIT
// The calls every adopter wrote by hand: restore-and-release, release of everything a step
// left, and a wait for every pending async save.
import CDAF
import Testing
@testable import DAF

@Suite("Step calls: daf_restore_release, daf_release_all, daf_wait_all")
struct StepCallTests {
    let values = (0..<1000).map { Float($0 % 91) * 0.25 }

    func stats(_ c: TestContext) -> daf_context_statistics {
        var s = daf_context_statistics()
        s.struct_size = UInt32(MemoryLayout<daf_context_statistics>.size)
        _ = daf_stats(c.ctx, &s)
        return s
    }

    @Test func restoreReleaseReleasesOnlyOnSuccess() {
        let c = TestContext(bits: 8)
        let (_, h) = c.save(values)
        var out = [Float](repeating: 0, count: values.count)
        #expect(name(daf_restore_release(c.ctx, h, &out, values.count - 1)) == "DAF_E_SIZE_MISMATCH")
        #expect(stats(c).live_entries == 1, "a failed restore releases nothing")
        #expect(daf_restore_release(c.ctx, h, &out, values.count) == DAF_OK.rawValue)
        #expect(zip(out, values).allSatisfy { abs($0 - $1) <= 22.5 / 255 })
        #expect(stats(c).live_entries == 0)
        #expect(name(daf_restore_release(c.ctx, h, &out, values.count)) == "DAF_E_UNKNOWN_HANDLE")
        #expect(name(daf_restore_release(nil, h, &out, values.count)) == "DAF_E_INVALID_CONTEXT")
    }

    @Test func releaseAllTakesSyncAndPendingSaves() {
        let c = TestContext()
        var handles: [daf_handle] = []
        for k in 0..<5 { handles.append(c.save(values, importance: Float(k)).1) }
        for _ in 0..<7 {
            var h: daf_handle = 0
            #expect(daf_save_async(c.ctx, values, values.count, nil, &h) == DAF_OK.rawValue)
            handles.append(h)
        }
        var released = -1
        #expect(daf_release_all(c.ctx, &released) == DAF_OK.rawValue)
        #expect(released == 12)
        #expect(stats(c).live_entries == 0 && stats(c).live_packed_bytes == 0)
        for h in handles { #expect(name(daf_release(c.ctx, h)) == "DAF_E_UNKNOWN_HANDLE") }
        #expect(daf_release_all(c.ctx, nil) == DAF_OK.rawValue, "out_released may be NULL")
        #expect(name(daf_release_all(nil, &released)) == "DAF_E_INVALID_CONTEXT")
        #expect(released == 0)
    }

    @Test func waitAllReportsTheLowestFailedHandle() {
        // Under DAF_POLICY_FAIL, a save larger than the budget fails on its worker.
        let c = TestContext(bits: 8) { o in
            o.budget_bytes = 1 << 20
            o.page_size = 4096
            o.chunk_bytes = 1 << 20
        }
        let big = [Float](repeating: 3, count: 1 << 21) // 2 MiB packed at 8 bits: above the budget
        var handles: [daf_handle] = []
        for input in [values, big, values, big] {
            var h: daf_handle = 0
            #expect(daf_save_async(c.ctx, input, input.count, nil, &h) == DAF_OK.rawValue)
            handles.append(h)
        }
        #expect(name(daf_wait_all(c.ctx)) == "DAF_E_BUDGET_EXCEEDED")
        #expect(name(daf_wait(c.ctx, handles[1])) == "DAF_E_UNKNOWN_HANDLE", "a failed save's handle is gone")
        #expect(name(daf_wait(c.ctx, handles[3])) == "DAF_E_UNKNOWN_HANDLE")
        #expect(daf_wait(c.ctx, handles[0]) == DAF_OK.rawValue && daf_wait(c.ctx, handles[2]) == DAF_OK.rawValue)
        #expect(daf_wait_all(c.ctx) == DAF_OK.rawValue, "nothing pending")
        #expect(name(daf_wait_all(nil)) == "DAF_E_INVALID_CONTEXT")
    }
}
