// SPDX-License-Identifier: MIT
// A heap array of plain-data elements that grows with realloc and reports allocation failure
// as DAF_E_NO_MEMORY instead of trapping. It is a bare pointer: the noncopyable type that owns
// it frees it once, in its deinit. Not a general collection (no bounds checks: callers index
// within what they reserved).
import CDAF
import Glibc

struct RawArray<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var capacity: Int

    init(capacity: Int, filling value: Element) throws(DAFError) {
        let count = max(capacity, 1)
        guard let raw = calloc(count, MemoryLayout<Element>.stride) else {
            throw DAFError(DAF_E_NO_MEMORY, "could not allocate \(count) bookkeeping entries")
        }
        base = raw.bindMemory(to: Element.self, capacity: count)
        base.initialize(repeating: value, count: count)
        self.capacity = count
    }

    /// Makes room for at least `minimum` elements (doubling); new slots hold `value`.
    mutating func reserve(_ minimum: Int, filling value: Element) throws(DAFError) {
        guard minimum > capacity else { return }
        let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
        let target = overflow ? minimum : max(minimum, doubled)
        let (bytes, tooMany) = target.multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
        guard !tooMany, let raw = realloc(base, bytes) else {
            throw DAFError(DAF_E_NO_MEMORY, "could not grow bookkeeping to \(target) entries")
        }
        base = raw.bindMemory(to: Element.self, capacity: target)
        (base + capacity).initialize(repeating: value, count: target - capacity)
        capacity = target
    }

    subscript(index: Int) -> Element {
        unsafeAddress { UnsafePointer(base + index) }
        nonmutating unsafeMutableAddress { base + index }
    }

    func deallocate() { free(base) }
}
